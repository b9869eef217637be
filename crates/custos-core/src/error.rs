//! The domain's error type and its mapping onto the stable error-code table.

use crate::catalog::FieldError;
use crate::store::StoreError;
use custos_api::ErrorCode;

/// What a use case reports. `detail` texts are safe to show a client: they name fields and
/// rules, never values.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// A field problem (unknown, invalid, card number).
    #[error("{0}")]
    Field(#[from] FieldError),
    /// A record type the catalog does not declare.
    #[error("The record type '{0}' is not declared for this business.")]
    UnknownRecordType(String),
    /// The role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Not found or not visible.
    #[error("{0} not found.")]
    NotFound(&'static str),
    /// `If-Match` is stale.
    #[error("The customer has changed since version {expected}; the current version is {current}. Reload and retry.")]
    VersionMismatch {
        /// What the client sent.
        expected: u64,
        /// What is current.
        current: u64,
    },
    /// Wrong username or password (never says which).
    #[error("The username or password is wrong.")]
    InvalidCredentials,
    /// No valid credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// A unique value is taken.
    #[error("{0}")]
    Conflict(String),
    /// The password rules refuse a new password.
    #[error("{0}")]
    PasswordRefused(#[from] crate::password::PasswordRefusal),
    /// The account must change its password first.
    #[error("Choose a new password first (POST /v1/auth/password).")]
    PasswordChangeRequired,
    /// The business requires MFA and the account has not set it up.
    #[error(
        "This business requires MFA: set it up first (POST /v1/auth/mfa/enrol, then /confirm)."
    )]
    MfaEnrolmentRequired,
    /// The account uses MFA and no code was given.
    #[error("This account uses MFA: send totp_code (or a recovery_code).")]
    MfaRequired,
    /// The MFA code is wrong, expired or already used.
    #[error("The code is wrong, expired or was used already.")]
    InvalidMfaCode,
    /// Too many failed attempts; retry after this many seconds.
    #[error("Too many failed attempts; try again in {0} seconds.")]
    RateLimited(u64),
    /// The idempotency key was used for another request.
    #[error("This Idempotency-Key was already used for a different request.")]
    IdempotencyKeyReused,
    /// A legal hold stops the erasure.
    #[error("A legal hold applies to this customer (see GET /v1/customers/{{id}}/legal-hold): the data must be kept until it is lifted.")]
    LegalHold,
    /// The customer's processing is restricted.
    #[error("Processing of this customer's data is restricted (art. 18): it stays stored, but is not changed, and only the owner reads it until the restriction is lifted.")]
    Restricted,
    /// A link that expired or was superseded.
    #[error("{0}")]
    Gone(String),
    /// A request that cannot be carried out as asked.
    #[error("{0}")]
    Invalid(String),
    /// The store is unavailable.
    #[error("The service is temporarily unavailable.")]
    Unavailable(String),
    /// Anything internal: the message goes to the log only.
    #[error("internal error")]
    Internal(String),
}

impl CoreError {
    /// The stable code for the response.
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::Field(FieldError::Unknown(_)) => ErrorCode::UnknownField,
            CoreError::Field(FieldError::Invalid { .. }) => ErrorCode::InvalidField,
            CoreError::Field(FieldError::CardNumber(_)) => ErrorCode::CardNumberRefused,
            CoreError::UnknownRecordType(_) => ErrorCode::UnknownRecordType,
            CoreError::Forbidden(_) => ErrorCode::Forbidden,
            CoreError::NotFound(_) => ErrorCode::NotFound,
            CoreError::VersionMismatch { .. } => ErrorCode::VersionMismatch,
            CoreError::InvalidCredentials => ErrorCode::InvalidCredentials,
            CoreError::Unauthorized(_) => ErrorCode::Unauthorized,
            CoreError::Conflict(_) => ErrorCode::Conflict,
            CoreError::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            CoreError::PasswordRefused(_) => ErrorCode::PasswordRefused,
            CoreError::PasswordChangeRequired => ErrorCode::PasswordChangeRequired,
            CoreError::RateLimited(_) => ErrorCode::RateLimited,
            CoreError::MfaEnrolmentRequired => ErrorCode::MfaEnrolmentRequired,
            CoreError::MfaRequired => ErrorCode::MfaRequired,
            CoreError::InvalidMfaCode => ErrorCode::InvalidMfaCode,
            CoreError::Invalid(_) => ErrorCode::InvalidRequest,
            CoreError::Gone(_) => ErrorCode::LinkExpired,
            CoreError::Restricted => ErrorCode::Restricted,
            CoreError::LegalHold => ErrorCode::LegalHold,
            CoreError::Unavailable(_) => ErrorCode::Unavailable,
            CoreError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The field concerned, for field errors.
    pub fn field(&self) -> Option<&str> {
        match self {
            CoreError::Field(f) => Some(f.field()),
            _ => None,
        }
    }

    /// Seconds to wait before retrying, for rate limits.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            CoreError::RateLimited(s) => Some(*s),
            _ => None,
        }
    }

    /// The cause to log (internal detail), if any.
    pub fn log_detail(&self) -> Option<&str> {
        match self {
            CoreError::Internal(s) | CoreError::Unavailable(s) => Some(s),
            _ => None,
        }
    }
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => CoreError::NotFound("Resource"),
            StoreError::Conflict(what) => {
                CoreError::Conflict(format!("That {what} is already taken."))
            }
            StoreError::VersionMismatch(current) => CoreError::VersionMismatch {
                expected: 0,
                current,
            },
            StoreError::IdempotencyReplay(_) => CoreError::IdempotencyKeyReused,
            StoreError::Held => CoreError::LegalHold,
            StoreError::Unavailable(s) => CoreError::Unavailable(s),
            StoreError::Other(s) => CoreError::Internal(s),
        }
    }
}

impl From<custos_crypto::CryptoError> for CoreError {
    fn from(e: custos_crypto::CryptoError) -> Self {
        CoreError::Internal(format!("crypto: {e}"))
    }
}
