//! The password rules of NIST SP 800-63B rev. 4 and OWASP ASVS 5 (6.2): length only (15
//! characters as the only factor, 8 with MFA; up to 1,024), any Unicode and spaces, no
//! composition rules, no truncation; refused when common (the 30,000 most common passwords ship
//! with the binary) or when it contains the username or the business name. Passwords are
//! NFKC-normalised before they are checked and hashed, so the same password typed on another
//! keyboard still matches.

use std::collections::HashSet;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

/// The shortest password when it is the only factor.
pub const MIN_SINGLE_FACTOR: usize = 15;
/// The shortest password when MFA is on.
pub const MIN_WITH_MFA: usize = 8;
/// The longest password accepted (bounds the hashing cost; far above NIST's 64).
pub const MAX: usize = 1024;

static COMMON: OnceLock<HashSet<&'static str>> = OnceLock::new();

fn common() -> &'static HashSet<&'static str> {
    COMMON.get_or_init(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// How many common passwords ship with the binary.
pub fn common_count() -> usize {
    common().len()
}

/// Why a password was refused; the message is shown to the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRefusal {
    /// Too short for the factors in use.
    #[error("The password must have at least {0} characters{1}.")]
    TooShort(usize, &'static str),
    /// Too long.
    #[error("The password must have at most {MAX} characters.")]
    TooLong,
    /// On the list of common passwords.
    #[error("This password is on the list of commonly used passwords; choose another.")]
    Common,
    /// Contains the username.
    #[error("The password must not contain the username.")]
    ContainsUsername,
    /// Contains the business name.
    #[error("The password must not contain the business name.")]
    ContainsBusiness,
}

/// Who the password is for.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The username.
    pub username: &'a str,
    /// The business name.
    pub business: &'a str,
    /// Whether the account uses MFA (then 8 characters suffice).
    pub mfa: bool,
}

/// The normalised form that is checked and hashed.
pub fn normalise(password: &str) -> Zeroizing<String> {
    Zeroizing::new(password.nfkc().collect())
}

fn squash(s: &str) -> String {
    s.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Checks a password against the rules.
pub fn check(password: &str, ctx: Context<'_>) -> Result<(), PasswordRefusal> {
    let pw = normalise(password);
    let n = pw.chars().count();
    let min = if ctx.mfa {
        MIN_WITH_MFA
    } else {
        MIN_SINGLE_FACTOR
    };
    if n < min {
        return Err(PasswordRefusal::TooShort(
            min,
            if ctx.mfa { "" } else { " (8 once MFA is on)" },
        ));
    }
    if n > MAX {
        return Err(PasswordRefusal::TooLong);
    }
    let lower = Zeroizing::new(pw.to_lowercase());
    let compact: Zeroizing<String> =
        Zeroizing::new(lower.chars().filter(|c| !c.is_whitespace()).collect());
    if common().contains(lower.as_str()) || common().contains(compact.as_str()) {
        return Err(PasswordRefusal::Common);
    }
    let squashed = Zeroizing::new(squash(&pw));
    let user = squash(ctx.username);
    if user.chars().count() >= 3 && squashed.contains(&user) {
        return Err(PasswordRefusal::ContainsUsername);
    }
    let business = squash(ctx.business);
    if business.chars().count() >= 4 && squashed.contains(&business) {
        return Err(PasswordRefusal::ContainsBusiness);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTX: Context<'static> = Context {
        username: "anna.k",
        business: "Anna's Optik",
        mfa: false,
    };

    #[test]
    fn the_list_ships_with_at_least_ten_thousand_entries() {
        assert!(common_count() >= 10_000, "{}", common_count());
    }

    #[test]
    fn rules_with_reasons() {
        assert_eq!(
            check("short one", CTX),
            Err(PasswordRefusal::TooShort(15, " (8 once MFA is on)"))
        );
        assert_eq!(check("eight ch", Context { mfa: true, ..CTX }), Ok(()));
        assert_eq!(
            check("password", Context { mfa: true, ..CTX }),
            Err(PasswordRefusal::Common)
        );
        assert_eq!(check("1qaz2wsx3edc4rfv", CTX), Err(PasswordRefusal::Common));
        assert_eq!(
            check("123456789987654321", CTX),
            Err(PasswordRefusal::Common)
        );
        assert_eq!(
            check("my name is Anna.K and I like it", CTX),
            Err(PasswordRefusal::ContainsUsername)
        );
        assert_eq!(
            check("we love ANNAS OPTIK so much", CTX),
            Err(PasswordRefusal::ContainsBusiness)
        );
        assert_eq!(
            check(&"x".repeat(MAX + 1), CTX),
            Err(PasswordRefusal::TooLong)
        );
        assert!(
            check(&"y".repeat(MAX), CTX).is_ok(),
            "long passwords are allowed"
        );
        assert!(
            check("zażółć gęślą jaźń 🦊 spaces ok", CTX).is_ok(),
            "any Unicode and spaces"
        );
        assert!(check("nocomposition rules at all", CTX).is_ok());
    }

    #[test]
    fn normalisation_makes_equivalent_input_equal() {
        // "ﬁ" (ligature) and "fi", full-width digits and ASCII digits.
        assert_eq!(*normalise("ﬁsh１２３"), "fish123");
        // Unicode counts characters, not bytes.
        assert!(check("ąąąąąąąąąąąąąąą", CTX).is_ok());
    }
}
