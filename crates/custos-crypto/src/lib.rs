//! The only crate of custos that touches cryptographic primitives: the key hierarchy (master key →
//! tenant key → customer data key), AEAD sealing with associated data, blind indexes, password and
//! token hashing, audit-chain hashing and the audit signing key. It knows nothing of the domain:
//! callers pass the associated data that binds a ciphertext to its place.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

pub use zeroize;

/// Errors of the crypto layer. They never carry key material or plaintext.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// A ciphertext failed to authenticate: wrong key, wrong associated data, or tampering.
    #[error("ciphertext did not authenticate (wrong key, wrong place, or altered)")]
    Open,
    /// A ciphertext is too short or of an unknown format version.
    #[error("ciphertext is malformed")]
    Malformed,
    /// Key material has the wrong length or encoding.
    #[error("key material is malformed: {0}")]
    BadKey(&'static str),
    /// Password hashing failed (parameters or encoding).
    #[error("password hashing failed")]
    PasswordHash,
}

const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// A 256-bit symmetric key. Zeroized on drop; its `Debug` prints only a fingerprint.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Key32([u8; 32]);

impl Key32 {
    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        Key32(k)
    }

    /// Takes exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| CryptoError::BadKey("a key is 32 bytes"))?;
        Ok(Key32(arr))
    }

    /// Parses 64 hex characters (surrounding white space ignored).
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let bytes = Zeroizing::new(
            hex::decode(text.trim()).map_err(|_| CryptoError::BadKey("expected 64 hex digits"))?,
        );
        Self::from_bytes(&bytes)
    }

    /// The key as 64 hex characters, for writing a key file.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0))
    }

    /// The raw bytes; keep the borrow short.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// A short public identifier of the key (first 8 bytes of SHA-256 over a domain tag and the
    /// key), safe to log and to store next to what it wraps.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"custos/key-fingerprint/v1");
        h.update(self.0);
        hex::encode(&h.finalize()[..8])
    }
}

impl std::fmt::Debug for Key32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key32({})", self.fingerprint())
    }
}

/// Seals `plaintext` under `key` with a fresh random 192-bit nonce (XChaCha20-Poly1305), binding
/// `aad`. Output: version byte ‖ nonce ‖ ciphertext ‖ tag.
pub fn seal(key: &Key32, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    // Encryption with a valid key and in-memory buffers cannot fail (the only error is a
    // length overflow far beyond anything custos seals).
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .unwrap_or_default();
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
    out.push(FORMAT_V1);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    out
}

/// Opens what [`seal`] produced, checking `aad`. The plaintext is zeroized when dropped.
pub fn open(key: &Key32, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != FORMAT_V1 {
        return Err(CryptoError::Malformed);
    }
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    let nonce = XNonce::from_slice(&sealed[1..1 + NONCE_LEN]);
    cipher
        .decrypt(
            nonce,
            Payload {
                msg: &sealed[1 + NONCE_LEN..],
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Open)
}

/// Wraps (seals) a key under a key-encryption key.
pub fn wrap_key(kek: &Key32, key: &Key32, aad: &[u8]) -> Vec<u8> {
    seal(kek, key.expose(), aad)
}

/// Unwraps a key sealed by [`wrap_key`].
pub fn unwrap_key(kek: &Key32, wrapped: &[u8], aad: &[u8]) -> Result<Key32, CryptoError> {
    let bytes = open(kek, wrapped, aad)?;
    Key32::from_bytes(&bytes)
}

/// Length of a blind index in bytes (HMAC-SHA-256 truncated to 128 bits).
pub const BLIND_INDEX_LEN: usize = 16;

/// A blind index: HMAC-SHA-256 under the tenant's index key over a domain tag and an already
/// normalised value, truncated to 128 bits.
pub fn blind_index(index_key: &Key32, domain: &str, normalised: &str) -> [u8; BLIND_INDEX_LEN] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(index_key.expose())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(domain.as_bytes());
    mac.update(&[0]);
    mac.update(normalised.as_bytes());
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; BLIND_INDEX_LEN];
    out.copy_from_slice(&full[..BLIND_INDEX_LEN]);
    out
}

/// Password hashing with Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
/// This is CPU-heavy: callers on an async runtime run it on a blocking thread.
pub mod password {
    use super::CryptoError;
    use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
    use argon2::{Algorithm, Argon2, Params, Version};
    use rand::rngs::OsRng;

    fn hasher() -> Argon2<'static> {
        // 19 MiB, t=2, p=1: OWASP Password Storage Cheat Sheet's Argon2id baseline.
        let params = Params::new(19 * 1024, 2, 1, None)
            .unwrap_or_else(|_| unreachable!("constant parameters are valid"));
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// Hashes a password to a PHC string (algorithm, parameters, salt and hash).
    pub fn hash(password: &str) -> Result<String, CryptoError> {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| CryptoError::PasswordHash)
    }

    /// Checks a password against a PHC string; false for a wrong password or a bad string.
    pub fn verify(password: &str, phc: &str) -> bool {
        match PasswordHash::new(phc) {
            Ok(parsed) => hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }

    /// A hash of a random password, made once per process, verified against when a username
    /// does not exist so that the answer takes as long as for a real account.
    pub fn dummy_hash() -> &'static str {
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        DUMMY.get_or_init(|| hash(&super::random_token_text(24)).unwrap_or_default())
    }
}

/// Bearer tokens: 256 random bits, given to the client once, stored only as SHA-256.
pub mod token {
    use super::*;

    /// The prefix every custos token starts with (lets secret scanners find leaked tokens).
    pub const PREFIX: &str = "cst_";

    /// A new token: the text for the client, and the hash to store.
    pub fn generate() -> (Zeroizing<String>, [u8; 32]) {
        let mut raw = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(raw.as_mut());
        let text = Zeroizing::new(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(raw.as_ref())));
        let h = hash(&text);
        (text, h)
    }

    /// The stored hash of a token text. A fast hash is right here: the input has 256 bits of
    /// entropy, so there is nothing to brute-force.
    pub fn hash(text: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"custos/token/v1");
        h.update(text.as_bytes());
        h.finalize().into()
    }

    /// Whether a presented string has the shape of a custos token (cheap pre-check).
    pub fn looks_valid(text: &str) -> bool {
        text.len() == PREFIX.len() + 43
            && text.starts_with(PREFIX)
            && text[PREFIX.len()..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }
}

/// Audit-chain hashing: each event's hash covers the previous hash, its position and its bytes.
pub mod chain {
    use super::*;
    use subtle::ConstantTimeEq;

    /// The hash before the first event.
    pub const GENESIS: [u8; 32] = [0u8; 32];

    /// hash(n) = SHA-256("custos/audit/v1" ‖ hash(n-1) ‖ n as big-endian u64 ‖ event bytes).
    pub fn link(prev: &[u8; 32], seq: u64, event: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"custos/audit/v1");
        h.update(prev);
        h.update(seq.to_be_bytes());
        h.update(event);
        h.finalize().into()
    }

    /// Constant-time equality of two hashes.
    pub fn same(a: &[u8], b: &[u8]) -> bool {
        a.ct_eq(b).into()
    }
}

/// The Ed25519 key that signs audit checkpoints.
pub mod signing {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};

    /// The secret signing key. Its `Debug` shows only the public key.
    pub struct AuditSigningKey(SigningKey);

    impl AuditSigningKey {
        /// A new random key.
        pub fn generate() -> Self {
            AuditSigningKey(SigningKey::generate(&mut OsRng))
        }
        /// Parses the 32-byte seed as hex.
        pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
            let k = Key32::from_hex(text)?;
            Ok(AuditSigningKey(SigningKey::from_bytes(k.expose())))
        }
        /// The seed as hex, for the key file.
        pub fn to_hex(&self) -> Zeroizing<String> {
            Zeroizing::new(hex::encode(self.0.to_bytes()))
        }
        /// The public key as hex, for auditors.
        pub fn public_hex(&self) -> String {
            hex::encode(self.0.verifying_key().to_bytes())
        }
        /// Signs a message.
        pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
            self.0.sign(msg).to_bytes()
        }
    }

    impl std::fmt::Debug for AuditSigningKey {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "AuditSigningKey(public={})", self.public_hex())
        }
    }

    /// Verifies a signature with a hex public key.
    pub fn verify(public_hex: &str, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(pk_bytes) = hex::decode(public_hex) else {
            return false;
        };
        let Ok(pk_arr) = <[u8; 32]>::try_from(pk_bytes.as_slice()) else {
            return false;
        };
        let Ok(pk) = VerifyingKey::from_bytes(&pk_arr) else {
            return false;
        };
        let Ok(sig_arr) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        pk.verify(msg, &ed25519_dalek::Signature::from_bytes(&sig_arr))
            .is_ok()
    }
}

/// TOTP (RFC 6238) for staff MFA: SHA-1, 6 digits, 30-second steps, one step of clock skew, a
/// 160-bit secret. Replay protection (each step accepted once) is the caller's: [`totp::check`]
/// answers the step that matched.
pub mod totp {
    use super::*;
    use totp_rs::{Algorithm, Builder, Totp};

    /// Secret length in bytes (160 bits, RFC 4226's recommendation).
    pub const SECRET_LEN: usize = 20;

    /// A new random secret.
    pub fn generate_secret() -> Zeroizing<Vec<u8>> {
        let mut s = Zeroizing::new(vec![0u8; SECRET_LEN]);
        OsRng.fill_bytes(s.as_mut_slice());
        s
    }

    fn totp(secret: &[u8], issuer: &str, account: &str) -> Result<Totp, CryptoError> {
        // The otpauth label may not contain ':'.
        let clean = |s: &str| s.replace(':', " ");
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(30)
            .with_secret(secret.to_vec())
            .with_issuer(Some(clean(issuer)))
            .with_account_name(clean(account))
            .build()
            .map_err(|_| CryptoError::BadKey("a TOTP secret is at least 128 bits"))
    }

    /// The code for a moment (seconds since the Unix epoch).
    pub fn code_at(secret: &[u8], unix_time: u64) -> Result<String, CryptoError> {
        Ok(totp(secret, "custos", "x")?.generate(unix_time).to_string())
    }

    /// The step (unix_time / 30) whose code `code` is, within one step of `unix_time`, if any.
    pub fn check(secret: &[u8], code: &str, unix_time: u64) -> Option<u64> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        totp(secret, "custos", "x").ok()?.check(code, unix_time)
    }

    /// The `otpauth://` URI an authenticator app scans.
    pub fn provisioning_uri(
        secret: &[u8],
        issuer: &str,
        account: &str,
    ) -> Result<String, CryptoError> {
        totp(secret, issuer, account)?
            .to_url()
            .map_err(|_| CryptoError::BadKey("TOTP parameters"))
    }

    /// The secret in base32, for typing into an app by hand.
    pub fn base32(secret: &[u8]) -> String {
        totp_rs::Secret::from(secret.to_vec()).to_base32()
    }

    /// Decodes a base32 secret (as shown at enrolment).
    pub fn decode_base32(text: &str) -> Option<Zeroizing<Vec<u8>>> {
        totp_rs::Secret::try_from_base32(text.trim())
            .ok()
            .map(|s| Zeroizing::new(s.as_ref().to_vec()))
    }

    /// A QR code of `text` as an SVG document.
    pub fn qr_svg(text: &str) -> Result<String, CryptoError> {
        let code = qrcode::QrCode::new(text.as_bytes())
            .map_err(|_| CryptoError::BadKey("too long for a QR code"))?;
        Ok(code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(220, 220)
            .quiet_zone(true)
            .build())
    }
}

/// A random code of `len` characters from an alphabet without look-alikes (no 0/o, 1/l/i),
/// about 4.95 bits a character: recovery codes, pairing codes.
pub fn random_code(len: usize) -> Zeroizing<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut out = Zeroizing::new(String::with_capacity(len));
    while out.len() < len {
        let mut b = [0u8; 1];
        OsRng.fill_bytes(&mut b);
        // Rejection sampling keeps the distribution uniform.
        if usize::from(b[0]) < 256 - 256 % ALPHABET.len() {
            out.push(char::from(ALPHABET[usize::from(b[0]) % ALPHABET.len()]));
        }
    }
    out
}

/// The CSRF token of a web session: derived from the session's secret token, so it needs no
/// storage and is worthless without the session itself. Compare with [`chain::same`].
pub fn csrf_token(session_token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"custos/csrf/v1");
    h.update(session_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&h.finalize()[..24])
}

/// SHA-256 of bytes (request fingerprints for idempotency, checksums).
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `n` random bytes as URL-safe base64 (pairing codes, CSRF tokens, generated passwords).
pub fn random_token_text(n: usize) -> Zeroizing<String> {
    let mut raw = Zeroizing::new(vec![0u8; n]);
    OsRng.fill_bytes(raw.as_mut_slice());
    Zeroizing::new(URL_SAFE_NO_PAD.encode(raw.as_slice()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn open_rejects_wrong_aad_and_key_and_tampering() {
        let k = Key32::generate();
        let sealed = seal(&k, b"Zofia", b"tenant|cust|identity|1");
        assert_eq!(
            &*open(&k, &sealed, b"tenant|cust|identity|1").unwrap(),
            b"Zofia"
        );
        assert_eq!(
            open(&k, &sealed, b"tenant|other|identity|1"),
            Err(CryptoError::Open)
        );
        assert_eq!(
            open(&Key32::generate(), &sealed, b"tenant|cust|identity|1"),
            Err(CryptoError::Open)
        );
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(
            open(&k, &bad, b"tenant|cust|identity|1"),
            Err(CryptoError::Open)
        );
        assert_eq!(open(&k, &sealed[..10], b""), Err(CryptoError::Malformed));
    }

    #[test]
    fn nonces_are_fresh() {
        let k = Key32::generate();
        assert_ne!(seal(&k, b"same", b""), seal(&k, b"same", b""));
    }

    #[test]
    fn wrap_round_trip() {
        let kek = Key32::generate();
        let dek = Key32::generate();
        let w = wrap_key(&kek, &dek, b"dek");
        assert_eq!(unwrap_key(&kek, &w, b"dek").unwrap().expose(), dek.expose());
        assert!(unwrap_key(&kek, &w, b"other").is_err());
    }

    #[test]
    fn blind_index_depends_on_key_domain_and_value() {
        let k = Key32::generate();
        let a = blind_index(&k, "email", "a@example.org");
        assert_eq!(a, blind_index(&k, "email", "a@example.org"));
        assert_ne!(a, blind_index(&k, "phone", "a@example.org"));
        assert_ne!(a, blind_index(&k, "email", "b@example.org"));
        assert_ne!(a, blind_index(&Key32::generate(), "email", "a@example.org"));
    }

    #[test]
    fn password_hash_and_verify() {
        let h = password::hash("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(password::verify("correct horse battery staple", &h));
        assert!(!password::verify("correct horse battery stapl", &h));
        assert!(!password::verify("x", "not a phc string"));
        assert!(!password::verify("x", password::dummy_hash()));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (t1, h1) = token::generate();
        let (t2, _) = token::generate();
        assert_ne!(*t1, *t2);
        assert!(token::looks_valid(&t1));
        assert_eq!(token::hash(&t1), h1);
        assert!(!token::looks_valid("cst_short"));
    }

    #[test]
    fn chain_links_depend_on_everything() {
        let a = chain::link(&chain::GENESIS, 1, b"e1");
        assert_ne!(a, chain::link(&chain::GENESIS, 2, b"e1"));
        assert_ne!(a, chain::link(&chain::GENESIS, 1, b"e2"));
        assert_ne!(a, chain::link(&[1u8; 32], 1, b"e1"));
        assert!(chain::same(&a, &a.clone()));
    }

    #[test]
    fn signing_round_trip() {
        let k = signing::AuditSigningKey::generate();
        let sig = k.sign(b"head");
        assert!(signing::verify(&k.public_hex(), b"head", &sig));
        assert!(!signing::verify(&k.public_hex(), b"tail", &sig));
        let k2 = signing::AuditSigningKey::from_hex(&k.to_hex()).unwrap();
        assert_eq!(k2.public_hex(), k.public_hex());
    }

    #[test]
    fn key_hex_round_trip_and_debug_hides_key() {
        let k = Key32::generate();
        let back = Key32::from_hex(&k.to_hex()).unwrap();
        assert_eq!(back.expose(), k.expose());
        let dbg = format!("{k:?}");
        assert!(!dbg.contains(&*k.to_hex()));
        assert!(Key32::from_hex("abcd").is_err());
    }

    #[test]
    fn totp_matches_the_rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 seed "12345678901234567890"; the last 6 of the 8 digits.
        let seed = b"12345678901234567890";
        for (t, full) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(totp::code_at(seed, t).unwrap(), full[2..], "T={t}");
            assert_eq!(totp::check(seed, &full[2..], t), Some(t / 30));
        }
    }

    #[test]
    fn totp_accepts_one_step_of_skew_only() {
        let s = totp::generate_secret();
        assert_eq!(s.len(), 20);
        let now = 1_800_000_000u64;
        let code = totp::code_at(&s, now).unwrap();
        assert_eq!(
            totp::check(&s, &code, now + 30),
            Some(now / 30),
            "one step late"
        );
        assert_eq!(
            totp::check(&s, &code, now - 30),
            Some(now / 30),
            "one step early"
        );
        assert_eq!(totp::check(&s, &code, now + 61), None, "two steps late");
        assert_eq!(totp::check(&s, "12345", now), None);
        assert_eq!(totp::check(&s, "abcdef", now), None);
        let uri = totp::provisioning_uri(&s, "Anna's Optik", "anna:k").unwrap();
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(uri.contains(&format!("secret={}", totp::base32(&s))));
        assert_eq!(&*totp::decode_base32(&totp::base32(&s)).unwrap(), &*s);
        let svg = totp::qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }

    proptest! {
        #[test]
        fn seal_open_round_trip(data in proptest::collection::vec(any::<u8>(), 0..512),
                                aad in proptest::collection::vec(any::<u8>(), 0..64)) {
            let k = Key32::generate();
            let s = seal(&k, &data, &aad);
            prop_assert_eq!(&*open(&k, &s, &aad).unwrap(), &data);
        }

        #[test]
        fn open_never_panics_on_garbage(data in proptest::collection::vec(any::<u8>(), 0..128)) {
            let k = Key32::generate();
            prop_assert!(open(&k, &data, b"").is_err());
        }
    }
}
