//! Random tokens, their digests, and password hashing. Secrets are never stored in clear:
//! session ids, API tokens and one-time links are kept as SHA-256 digests, passwords as
//! argon2id hashes.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use crate::StoreError;

/// A fresh 256-bit random token, URL-safe, with a short prefix that tells what it is for
/// (`mmr_` for API tokens, for example) so leaked tokens are easy to recognise.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The digest under which a token is stored and looked up.
pub fn digest(token: &str) -> String {
    mamori_model::sha256_hex(&[token.as_bytes()])
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Hashing(e.to_string()))
}

/// Whether `password` matches the stored hash. A malformed hash never matches.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the same effort as a real verification, so that an unknown e-mail address takes as
/// long to reject as a wrong password and response times reveal nothing.
pub fn verify_against_nothing(password: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(hash) = DUMMY.get_or_init(|| hash_password("mamori-timing-equaliser").ok()) {
        verify_password(password, hash);
    }
}

/// The shortest password mamori accepts: long passphrases beat forced complexity.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Whether a new password is long enough (counted in characters, so Japanese passphrases
/// work). Spaces at either end do not count, so a password of only spaces is refused.
pub fn password_is_acceptable(password: &str) -> bool {
    password.trim().chars().count() >= MIN_PASSWORD_LEN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_digests_stable() {
        let a = random_token("mmr_");
        let b = random_token("mmr_");
        assert_ne!(a, b);
        assert!(a.starts_with("mmr_") && a.len() > 40);
        assert_eq!(digest(&a), digest(&a));
        assert_eq!(digest(&a).len(), 64);
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(!password_is_acceptable("short"));
        assert!(password_is_acceptable("ながいパスフレーズです。"));
        assert!(!password_is_acceptable("          "), "only spaces");
        assert!(
            !password_is_acceptable(" \t\u{3000}          \n"),
            "only blanks"
        );
        assert!(
            !password_is_acceptable("   short   "),
            "padding does not count"
        );
        assert!(password_is_acceptable("  a passphrase with spaces  "));
    }
}
