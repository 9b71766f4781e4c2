//! Reading and writing the two cookies mamori uses (session and language). Hand-written: two
//! fixed cookies do not justify a cookie-jar dependency, and the attributes must be exact.

use axum::http::{HeaderMap, HeaderValue, header};

/// Name of the session cookie.
pub const SESSION: &str = "mamori_session";
/// Name of the language cookie.
pub const LANG: &str = "mamori_lang";

/// The value of cookie `name` in the request, if present.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, whole site; `max_age` 0 deletes it.
pub fn set(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text)
        .unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cookie_among_several() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; mamori_session=s_x; b=2"),
        );
        assert_eq!(get(&headers, SESSION), Some("s_x"));
        assert_eq!(get(&headers, LANG), None);
        let c = set(SESSION, "v", 60, true);
        assert!(
            c.to_str()
                .unwrap()
                .contains("HttpOnly; SameSite=Lax; Max-Age=60; Secure")
        );
    }
}
