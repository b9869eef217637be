//! The one table of stable error codes, each with its HTTP status and title, and the
//! `application/problem+json` body every error response carries.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident => ($status:expr, $code:literal, $title:literal) ),+ $(,)?) => {
        /// A stable, machine-readable error code. Clients may match on [`ErrorCode::as_str`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant ),+
        }

        impl ErrorCode {
            /// Every code, in table order (for documentation and tests).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The HTTP status this code is answered with.
            pub fn status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status),+ }
            }

            /// The stable code string, e.g. `unknown_field`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),+ }
            }

            /// A short human title, the same for every occurrence of the code.
            pub fn title(self) -> &'static str {
                match self { $(ErrorCode::$variant => $title),+ }
            }
        }
    };
}

error_codes! {
    /// The request body is not valid JSON or does not have the expected shape.
    InvalidJson => (400, "invalid_json", "Malformed request body"),
    /// A query-string parameter is malformed.
    InvalidQuery => (400, "invalid_query", "Malformed query parameter"),
    /// A request header is malformed (e.g. `If-Match`, `Idempotency-Key`).
    InvalidHeader => (400, "invalid_header", "Malformed request header"),
    /// No credentials, or credentials that are not (or no longer) valid.
    Unauthorized => (401, "unauthorized", "Authentication required"),
    /// Username or password wrong. Never says which.
    InvalidCredentials => (401, "invalid_credentials", "Invalid credentials"),
    /// The account uses MFA: the login needs a TOTP or recovery code.
    MfaRequired => (401, "mfa_required", "MFA code required"),
    /// The MFA code is wrong, expired or was used already.
    InvalidMfaCode => (401, "invalid_mfa_code", "Invalid MFA code"),
    /// The business requires MFA and this account has not set it up yet.
    MfaEnrolmentRequired => (403, "mfa_enrolment_required", "MFA set-up required"),
    /// A state-changing request made with the session cookie lacks a valid CSRF token.
    CsrfFailed => (403, "csrf_failed", "CSRF token missing or wrong"),
    /// The caller is authenticated but its role may not do this.
    Forbidden => (403, "forbidden", "Not allowed"),
    /// The account must choose a new password before doing anything else.
    PasswordChangeRequired => (403, "password_change_required", "Password change required"),
    /// No such resource (or not visible to this caller's tenant).
    NotFound => (404, "not_found", "Not found"),
    /// The HTTP method is not supported on this path.
    MethodNotAllowed => (405, "method_not_allowed", "Method not allowed"),
    /// A unique value is already taken (e.g. a username).
    Conflict => (409, "conflict", "Conflict"),
    /// A link that has expired or was replaced by a later one.
    LinkExpired => (410, "link_expired", "Link expired"),
    /// The customer's processing is restricted (art. 18): no change, and only the owner reads.
    Restricted => (409, "restricted", "Processing restricted"),
    /// A legal hold keeps the customer's data; erasure waits until it is lifted.
    LegalHold => (409, "legal_hold", "Legal hold"),
    /// `If-Match` names a version that is no longer current.
    VersionMismatch => (412, "version_mismatch", "The resource has changed"),
    /// The body is larger than the server accepts.
    PayloadTooLarge => (413, "payload_too_large", "Request body too large"),
    /// The body is not `application/json`.
    UnsupportedMediaType => (415, "unsupported_media_type", "Unsupported media type"),
    /// A field the tenant's catalog does not declare.
    UnknownField => (422, "unknown_field", "Field not in catalog"),
    /// A value of the wrong type or format, or a required field missing.
    InvalidField => (422, "invalid_field", "Invalid field value"),
    /// A value that looks like a payment card number.
    CardNumberRefused => (422, "card_number_refused", "Card numbers are not stored"),
    /// A record type the catalog does not declare.
    UnknownRecordType => (422, "unknown_record_type", "Record type not in catalog"),
    /// A syntactically valid request that cannot be carried out as asked.
    InvalidRequest => (422, "invalid_request", "Invalid request"),
    /// A password that the rules refuse (too short, common, contains the username…).
    PasswordRefused => (422, "password_refused", "Password refused"),
    /// The same `Idempotency-Key` was used with a different request.
    IdempotencyKeyReused => (422, "idempotency_key_reused", "Idempotency key reused"),
    /// `If-Match` is required for this update.
    PreconditionRequired => (428, "precondition_required", "If-Match required"),
    /// Too many requests; retry later.
    RateLimited => (429, "rate_limited", "Too many requests"),
    /// Something went wrong on the server; the request id points to the log.
    Internal => (500, "internal", "Internal error"),
    /// The server cannot serve right now (database unavailable, shutting down, timeout).
    Unavailable => (503, "unavailable", "Service unavailable"),
}

/// An `application/problem+json` body (RFC 9457) with custos's stable `code` and the request id.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the error type: `/docs/errors#<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The code's short title.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this occurrence, for a person. Never contains personal values.
    pub detail: String,
    /// The stable machine code.
    pub code: String,
    /// The request id, also sent as `x-request-id`.
    pub request_id: String,
    /// For field errors, the field concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    /// Builds the body for a code with a detail message.
    pub fn new(code: ErrorCode, detail: impl Into<String>, request_id: impl Into<String>) -> Self {
        Self {
            type_: format!("/docs/errors#{}", code.as_str()),
            title: code.title().to_owned(),
            status: code.status(),
            detail: detail.into(),
            code: code.as_str().to_owned(),
            request_id: request_id.into(),
            field: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_statuses_are_errors() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            assert!(
                seen.insert(code.as_str()),
                "duplicate code {}",
                code.as_str()
            );
            assert!((400..600).contains(&code.status()));
            assert!(code
                .as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }

    #[test]
    fn problem_type_points_at_code() {
        let p = Problem::new(ErrorCode::UnknownField, "x", "r1");
        assert_eq!(p.type_, "/docs/errors#unknown_field");
        assert_eq!(p.status, 422);
        assert_eq!(p.title, "Field not in catalog");
    }
}
