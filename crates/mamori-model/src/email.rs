//! The rough shape every e-mail address mamori keeps must have, checked the same way for
//! users, contacts and the devices' own alert destinations.

/// `email` trimmed and lower-cased when it looks like `name@domain.tld`; `None` otherwise.
/// Deliberately rough: whether mail arrives is proved by sending, not by parsing.
pub fn normal_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    valid.then_some(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rough_shapes() {
        assert_eq!(
            normal_email(" Taro@Example.co.jp "),
            Some("taro@example.co.jp".into())
        );
        for bad in [
            "",
            "taro",
            "@example.jp",
            "taro@example",
            "taro@.jp",
            "ta ro@x.jp",
        ] {
            assert_eq!(normal_email(bad), None, "{bad}");
        }
    }
}
