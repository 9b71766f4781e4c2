//! ArcSight Common Event Format, as FortiGate (and other devices) can send it:
//!
//! `CEF:0|Fortinet|Fortigate|v7.2.4|00013|traffic:forward close|3|deviceExternalId=FGT60F src=192.168.1.10 …`
//!
//! The header's seven fields are split on unescaped `|`; the extension is `key=value` pairs
//! where a value runs (spaces included) up to the next ` key=`, with `\=`, `\\` and `\n`
//! escaped. Written by hand: the format is small, and the crates that read it are unmaintained
//! or pull in a regex engine for what is one pass over the line.

use std::borrow::Cow;

/// A CEF record's header and extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cef<'a> {
    /// Device vendor (`Fortinet`).
    pub vendor: Cow<'a, str>,
    /// Device product (`Fortigate`).
    pub product: Cow<'a, str>,
    /// The vendor's event class id.
    pub signature_id: Cow<'a, str>,
    /// What happened, in the vendor's words.
    pub name: Cow<'a, str>,
    /// Severity 0-10 (or a word), as sent.
    pub severity: Cow<'a, str>,
    /// The extension's pairs, in order.
    pub extension: Vec<(&'a str, Cow<'a, str>)>,
}

/// Reads `content` as CEF; `None` when it does not start with `CEF:` and seven header fields.
pub fn read(content: &str) -> Option<Cef<'_>> {
    let rest = content.strip_prefix("CEF:")?;
    let mut fields = Vec::with_capacity(7);
    let mut start = 0;
    let bytes = rest.as_bytes();
    let mut i = 0;
    while fields.len() < 7 && i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'|' => {
                fields.push(&rest[start..i]);
                start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    if fields.len() < 7 {
        return None;
    }
    let header = |n: usize| unescape(fields[n], &['|', '\\']);
    Some(Cef {
        vendor: header(1),
        product: header(2),
        signature_id: header(4),
        name: header(5),
        severity: header(6),
        extension: extension(rest.get(start..).unwrap_or("")),
    })
}

/// Where each ` key=` of an extension starts: a key is letters, digits, `_`, `.`, `-` or `[]`
/// directly followed by an unescaped `=`.
fn extension(text: &str) -> Vec<(&str, Cow<'_, str>)> {
    let bytes = text.as_bytes();
    let key_byte =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'[' | b']');
    // Positions of `=` that end a key starting at the line's start or after a space.
    let mut marks: Vec<(usize, usize)> = Vec::new();
    for (eq, _) in text.match_indices('=') {
        if eq > 0 && bytes[eq - 1] == b'\\' {
            continue;
        }
        let mut key_start = eq;
        while key_start > 0 && key_byte(bytes[key_start - 1]) {
            key_start -= 1;
        }
        let at_boundary = key_start == 0 || bytes[key_start - 1] == b' ';
        if key_start < eq && at_boundary {
            marks.push((key_start, eq));
        }
    }
    marks
        .iter()
        .enumerate()
        .map(|(n, &(key_start, eq))| {
            let end = marks.get(n + 1).map_or(text.len(), |&(next, _)| next);
            let value = text[eq + 1..end].trim_end_matches(' ');
            (&text[key_start..eq], unescape(value, &['=', '\\']))
        })
        .collect()
}

/// `text` with `\` before any of `escaped` removed, and `\n` / `\r` as line breaks.
fn unescape<'a>(text: &'a str, escaped: &[char]) -> Cow<'a, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') | Some('r') => out.push('\n'),
            Some(next) if escaped.contains(&next) => out.push(next),
            Some(next) => {
                out.push('\\');
                out.push(next);
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_extension_with_spaces_and_escapes() {
        let cef = read(
            r"CEF:0|Fortinet|Fortigate|v7.2.4|00013|traffic:forward deny|3|src=203.0.113.45 dst=192.0.2.10 msg=policy a\=b blocked it FTNTFGTpolicyname=LAN to WAN",
        )
        .expect("reads");
        assert_eq!(
            (&*cef.vendor, &*cef.product, &*cef.name, &*cef.severity),
            ("Fortinet", "Fortigate", "traffic:forward deny", "3")
        );
        let ext: Vec<(&str, &str)> = cef.extension.iter().map(|(k, v)| (*k, &**v)).collect();
        assert_eq!(
            ext,
            [
                ("src", "203.0.113.45"),
                ("dst", "192.0.2.10"),
                ("msg", "policy a=b blocked it"),
                ("FTNTFGTpolicyname", "LAN to WAN"),
            ]
        );
    }

    #[test]
    fn pipes_escaped_in_the_header_and_short_headers() {
        let cef = read(r"CEF:0|Acme|Box \| 2|1|7|a\|b|5|").expect("reads");
        assert_eq!((&*cef.product, &*cef.name), ("Box | 2", "a|b"));
        assert!(cef.extension.is_empty());
        assert_eq!(read("CEF:0|only|three"), None);
        assert_eq!(read("date=2024-05-01"), None);
    }
}
