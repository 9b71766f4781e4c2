//! Rule rewrites before compiling, where mamori's reading of the Sigma specification
//! differs from what the matcher would do on its own:
//! - `expand`: placeholders (`%Administrators%`) are replaced by the values the mapping
//!   configures; a placeholder without values makes the rule unsupported, named in the reason.
//! - `base64offset`: the three shifted encodings are cut exactly as the modifiers appendix
//!   says (dropping the characters that depend on neighbouring bytes); rsigma-eval 0.23
//!   keeps the last partial character, so an encoding inside a longer string was missed.
//! - `windash`: the specification makes `-` and `/` at the start of a word interchangeable
//!   with each other and with the en dash, em dash and horizontal bar. rsigma-eval 0.23
//!   expands only `-`, so a rule written with `/accepteula` missed `-accepteula`; such a
//!   slash is turned into `-` here, and the matcher's expansion then covers all five forms.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsigma_parser::{Detection, DetectionItem, Modifier, SigmaRule, SigmaString, SigmaValue};

/// The largest number of values one expanded string may turn into.
const MAX_EXPANSIONS: usize = 1024;

/// Rewrites `rule`'s `expand` and `base64offset` items; `values_of` gives placeholder
/// values. The error names the first placeholder without values.
pub(crate) fn rewrite_rule<'m>(
    rule: &mut SigmaRule,
    values_of: &dyn Fn(&str) -> Option<&'m [String]>,
) -> Result<(), String> {
    for detection in rule.detection.named.values_mut() {
        expand_detection(detection, values_of)?;
    }
    Ok(())
}

fn expand_detection<'m>(
    detection: &mut Detection,
    values_of: &dyn Fn(&str) -> Option<&'m [String]>,
) -> Result<(), String> {
    match detection {
        Detection::AllOf(items) => {
            for item in items {
                if item.field.has_modifier(Modifier::Base64Offset) {
                    rewrite_base64offset(item);
                }
                if item.field.has_modifier(Modifier::WindAsh) {
                    rewrite_windash(item);
                }
                if !item.field.has_modifier(Modifier::Expand) {
                    continue;
                }
                item.field.modifiers.retain(|m| *m != Modifier::Expand);
                let mut expanded = Vec::new();
                for value in &item.values {
                    match value {
                        SigmaValue::String(s) => {
                            for text in expand_text(&s.original, values_of)? {
                                expanded.push(SigmaValue::String(SigmaString::new(&text)));
                            }
                        }
                        other => expanded.push(other.clone()),
                    }
                }
                item.values = expanded;
            }
            Ok(())
        }
        Detection::AnyOf(parts) | Detection::And(parts) => parts
            .iter_mut()
            .try_for_each(|part| expand_detection(part, values_of)),
        Detection::ArrayMatch { body, .. } => expand_detection(body, values_of),
        Detection::Conditional { named, .. } => named
            .values_mut()
            .try_for_each(|part| expand_detection(part, values_of)),
        Detection::Keywords(_) => Ok(()),
    }
}

/// Writes every word-starting `/` of a `windash` item's values as `-`, the one form the
/// matcher expands into all five.
fn rewrite_windash(item: &mut DetectionItem) {
    for value in &mut item.values {
        if let SigmaValue::String(s) = value {
            let dashed = word_start_slashes_as_dashes(&s.original);
            if dashed != s.original {
                *s = SigmaString::new(&dashed);
            }
        }
    }
}

/// `text` with each `/` that starts a word (not preceded by a letter, digit or `_`, and
/// followed by one) replaced by `-`, as the specification's `windash` reads them.
fn word_start_slashes_as_dashes(text: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let before = i.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i + 1).copied();
            if c == '/' && !word(before) && word(after) {
                '-'
            } else {
                c
            }
        })
        .collect()
}

/// Replaces a `base64offset` item's values by their three shifted encodings (after any
/// UTF-16 encoding modifier), leaving a plain `contains` match.
fn rewrite_base64offset(item: &mut DetectionItem) {
    let modifiers = &item.field.modifiers;
    let encode = |text: &str| -> Vec<u8> {
        if modifiers.contains(&Modifier::Wide) {
            text.encode_utf16().flat_map(u16::to_le_bytes).collect()
        } else if modifiers.contains(&Modifier::Utf16be) {
            text.encode_utf16().flat_map(u16::to_be_bytes).collect()
        } else if modifiers.contains(&Modifier::Utf16) {
            [0xFF, 0xFE]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect()
        } else {
            text.as_bytes().to_vec()
        }
    };
    let mut values = Vec::new();
    for value in &item.values {
        let SigmaValue::String(s) = value else {
            values.push(value.clone());
            continue;
        };
        for pattern in base64_offsets(&encode(&s.original)) {
            values.push(SigmaValue::String(SigmaString::new(&pattern)));
        }
    }
    item.values = values;
    item.field.modifiers.retain(|m| {
        !matches!(
            m,
            Modifier::Base64Offset | Modifier::Wide | Modifier::Utf16be | Modifier::Utf16
        )
    });
    if !item.field.has_modifier(Modifier::Contains) {
        item.field.modifiers.push(Modifier::Contains);
    }
}

/// The three encodings of `bytes` at offsets 0, 1 and 2 of a base64 stream, without the
/// characters that depend on the bytes around them.
fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END: [usize; 3] = [0, 3, 2];
    (0..3)
        .filter_map(|shift| {
            let mut padded = vec![b' '; shift];
            padded.extend_from_slice(bytes);
            let encoded = STANDARD.encode(&padded);
            let end = encoded.len().checked_sub(END[(bytes.len() + shift) % 3])?;
            encoded
                .get(START[shift]..end)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
        })
        .collect()
}

/// Every string `text` becomes when each `%name%` is replaced by each of its values.
fn expand_text<'m>(
    text: &str,
    values_of: &dyn Fn(&str) -> Option<&'m [String]>,
) -> Result<Vec<String>, String> {
    let mut results = vec![String::new()];
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('%') else {
            break;
        };
        let name = &after[..end];
        let values = values_of(name)
            .filter(|values| !values.is_empty())
            .ok_or_else(|| format!("placeholder %{name}% has no values in the mapping"))?;
        let literal = &rest[..start];
        let mut next = Vec::with_capacity(results.len() * values.len());
        for prefix in &results {
            for value in values {
                next.push(format!("{prefix}{literal}{value}"));
            }
        }
        if next.len() > MAX_EXPANSIONS {
            return Err(format!(
                "placeholders expand to more than {MAX_EXPANSIONS} values"
            ));
        }
        results = next;
        rest = &after[end + 1..];
    }
    for result in &mut results {
        result.push_str(rest);
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_multiply_out() {
        let values = |name: &str| -> Option<&'static [String]> {
            static ADMINS: std::sync::LazyLock<Vec<String>> =
                std::sync::LazyLock::new(|| vec!["root".into(), "admin".into()]);
            (name == "admins").then(|| ADMINS.as_slice())
        };
        assert_eq!(
            expand_text("%admins%@%admins%", &values).expect("expands"),
            ["root@root", "root@admin", "admin@root", "admin@admin"]
        );
        assert_eq!(
            expand_text("no placeholder", &values).expect("ok"),
            ["no placeholder"]
        );
        assert!(expand_text("%unknown%", &values).is_err());
    }

    #[test]
    fn only_slashes_that_start_a_word_become_dashes() {
        assert_eq!(word_start_slashes_as_dashes(" /accepteula"), " -accepteula");
        assert_eq!(word_start_slashes_as_dashes("/s /q"), "-s -q");
        assert_eq!(word_start_slashes_as_dashes("C:/Windows/x"), "C:-Windows/x");
        assert_eq!(word_start_slashes_as_dashes("a/b"), "a/b");
        assert_eq!(word_start_slashes_as_dashes("// x"), "// x");
    }

    #[test]
    fn base64offset_follows_the_appendix() {
        assert_eq!(
            base64_offsets(b"whoami"),
            ["d2hvYW1p", "dob2Fta", "3aG9hbW"]
        );
    }
}
