//! Rules' regular expressions run fast on ASCII text. Sigma patterns use Unicode classes by
//! default (`\w`, `\s`, `.`, case folding), and a bounded repetition of one (`\w{1,64}`)
//! makes an automaton too large for the regex crate's lazy DFA, which then falls back to
//! a backtracker that clears a bitmap the size of pattern × text on every call: one such
//! rule took 3.5 µs per command line. Most event text is ASCII, and on ASCII text a
//! pattern written in ASCII matches exactly as it does with Unicode classes (each class's
//! ASCII part is its ASCII form, and no non-ASCII letter folds to an ASCII one except by
//! escapes, which keep the Unicode form here). So each such pattern is also compiled
//! without Unicode, and that copy answers for ASCII text.

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use rsigma_eval::CompiledMatcher;
use rsigma_eval::event::{Event, EventValue};
use rsigma_eval::matcher::GroupMode;

/// A rule's regex test (`CompiledMatcher::Regex` or `RegexSetMatch`) with its ASCII copy.
#[derive(Debug)]
pub(crate) struct RegexTest {
    matcher: CompiledMatcher,
    ascii: Option<Ascii>,
}

/// The ASCII copy of a regex or of a set of them.
#[derive(Debug)]
enum Ascii {
    One(Regex),
    Set(RegexSet, GroupMode),
}

/// Whether `pattern` reads the same without Unicode on ASCII text: written in ASCII, and
/// without escapes that name characters or Unicode classes (`\x{212A}`, the Kelvin sign,
/// matches `k` case-insensitively; `\p{…}` has no ASCII form).
fn ascii_safe(pattern: &str) -> bool {
    pattern.is_ascii()
        && !["\\x", "\\u", "\\p", "\\P"]
            .iter()
            .any(|e| pattern.contains(e))
}

/// The pattern compiled without Unicode, when that reads the same on ASCII text and the
/// regex crate accepts it.
fn ascii_one(pattern: &str) -> Option<Regex> {
    ascii_safe(pattern)
        .then(|| RegexBuilder::new(pattern).unicode(false).build().ok())
        .flatten()
}

impl RegexTest {
    /// The test for `matcher`, when it is a regex or a set of them.
    pub(crate) fn of(matcher: &CompiledMatcher) -> Option<Self> {
        let ascii = match matcher {
            CompiledMatcher::Regex(regex) => ascii_one(regex.as_str()).map(Ascii::One),
            CompiledMatcher::RegexSetMatch { set, mode } => set
                .patterns()
                .iter()
                .all(|p| ascii_safe(p))
                .then(|| {
                    RegexSetBuilder::new(set.patterns())
                        .unicode(false)
                        .build()
                        .ok()
                })
                .flatten()
                .map(|ascii| Ascii::Set(ascii, *mode)),
            _ => return None,
        };
        Some(Self {
            matcher: matcher.clone(),
            ascii,
        })
    }

    /// Whether the test matches `text`, a value of `event`.
    pub(crate) fn is_match(&self, text: &str, event: &impl Event) -> bool {
        match &self.ascii {
            Some(Ascii::One(regex)) if text.is_ascii() => regex.is_match(text.as_bytes()),
            Some(Ascii::Set(set, mode)) if text.is_ascii() => match mode {
                GroupMode::Any => set.is_match(text.as_bytes()),
                GroupMode::All => set.matches(text.as_bytes()).iter().count() == set.len(),
            },
            _ => self
                .matcher
                .matches(&EventValue::Str(std::borrow::Cow::Borrowed(text)), event),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Patterns with the classes, folding and anchors the public rules use.
    const PATTERNS: [&str; 11] = [
        r"^s\w*",
        r"-k\s\w{1,64}(?:\s?(?:-p|-s))?",
        r"(?i)ipconfig.*\|.*find",
        r"(?i)\bks\b",
        r"\w+`(?:\w+|-|.)`[\w+|\s]",
        r"(?i)^password.*\.txt",
        r"[^\w\s]{2,}",
        r"(?im)^s\d+$",
        r"(?s)a.b",
        r"\B-\d{3}\b",
        r"(?i)[k-s]{3}",
    ];

    /// Each pattern as the regex crate compiles it with Unicode, and its test: compiled
    /// once, as Unicode classes take milliseconds to compile.
    static COMPILED: std::sync::LazyLock<Vec<(regex::Regex, RegexTest)>> =
        std::sync::LazyLock::new(|| {
            PATTERNS
                .iter()
                .map(|p| (regex::Regex::new(p).expect("valid"), regex(p)))
                .collect()
        });

    proptest! {
        /// On any ASCII text, the ASCII copy answers as the Unicode pattern does.
        #[test]
        fn ascii_copies_answer_as_unicode_patterns(
            text in "[kKsS a-z0-9_`|.\\-\n\t\r]{0,40}",
        ) {
            for (unicode, test) in COMPILED.iter() {
                prop_assert!(test.ascii.is_some());
                prop_assert_eq!(matches(test, &text), unicode.is_match(&text), "{}", unicode);
            }
        }
    }

    fn matches(test: &RegexTest, text: &str) -> bool {
        let event = serde_json::json!({});
        test.is_match(text, &rsigma_eval::event::JsonEvent::borrow(&event))
    }

    fn regex(pattern: &str) -> RegexTest {
        let matcher = CompiledMatcher::Regex(regex::Regex::new(pattern).expect("valid"));
        RegexTest::of(&matcher).expect("a regex")
    }

    #[test]
    fn ascii_copies_agree_with_unicode_patterns_on_ascii_text() {
        let cases = [
            (
                r"-k\s\w{1,64}(?:\s?(?:-p|-s))?",
                "svchost.exe -k netsvcs -p",
                true,
            ),
            (r"-k\s\w{1,64}", "svchost.exe -k -p", false),
            (r"(?i)ipconfig.*\|.*find", "IPCONFIG /all | FINDSTR x", true),
            (r"(?i)kelvin", "KELVIN", true),
            (r"\bnet\b", "netsh", false),
            (r"[^a-z]+$", "ABC", true),
        ];
        for (pattern, text, expected) in cases {
            let test = regex(pattern);
            assert!(test.ascii.is_some(), "{pattern} has an ASCII copy");
            assert_eq!(matches(&test, text), expected, "{pattern} on {text}");
        }
    }

    #[test]
    fn text_beyond_ascii_and_named_characters_keep_unicode() {
        // `\w` is Unicode on Japanese text, and the Kelvin sign folds to `k`.
        assert!(matches(&regex(r"^\w+$"), "見積書"));
        let kelvin = regex(r"(?i)\x{212A}elvin");
        assert!(kelvin.ascii.is_none());
        assert!(matches(&kelvin, "kelvin"));
        assert!(matches(&regex(r"(?i)Kelvin"), "\u{212A}elvin"));
    }
}
