//! Required substrings of a regular expression: strings one of which every match contains,
//! so a rule testing a field with `|re` can still be found through the index (see
//! [`crate::literals`]). Written here because `regex-syntax`'s own literal extractor gives
//! only prefixes and suffixes, and most Sigma regexes are unanchored with their telling text
//! in the middle (`ipconfig\s+/all`, `cmd.{0,5}/c`).
//!
//! Strings are folded as the index folds the event's text before searching it (see
//! [`fold`]), so a case-insensitive regex, whose letters become classes of their case
//! variants (the Kelvin sign and the long s among them), still gives its letters.

use regex_syntax::hir::{Class, Hir, HirKind};

use crate::literals::{common, fold, most_selective};

/// Most strings an exact set may hold: the product of a concatenation grows fast.
const MAX_EXACT: usize = 16;

/// Most characters a class may hold to be read as a set of strings.
const MAX_CLASS: u32 = 8;

/// What is known about part of a regex.
#[derive(Debug, Default)]
struct Info {
    /// Every string the part can match (folded), when there are few.
    exact: Option<Vec<String>>,
    /// Strings one of which every match of the part contains, each `usable`.
    required: Option<Vec<String>>,
}

/// The strings (folded) one of which every match of `pattern` contains, each accepted by
/// `usable`; `None` when there are none or the pattern does not parse. The flags are the
/// rule's `|i`, `|m` and `|s`, as the matcher compiles them.
pub(crate) fn required_strings(
    pattern: &str,
    case_insensitive: bool,
    multi_line: bool,
    dot_all: bool,
    usable: &dyn Fn(&str) -> bool,
) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(case_insensitive)
        .multi_line(multi_line)
        .dot_matches_new_line(dot_all)
        .build()
        .parse(pattern)
        .ok()?;
    alternatives(analyse(&hir, usable), usable)
}

/// The strings one of which a match of a part with `info` contains.
fn alternatives(info: Info, usable: &dyn Fn(&str) -> bool) -> Option<Vec<String>> {
    info.required
        .or_else(|| info.exact.filter(|set| set.iter().all(|s| usable(s))))
}

fn analyse(hir: &Hir, usable: &dyn Fn(&str) -> bool) -> Info {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => exact(vec![String::new()]),
        HirKind::Literal(literal) => std::str::from_utf8(&literal.0)
            .ok()
            .and_then(fold)
            .map_or_else(Info::default, |s| exact(vec![s])),
        HirKind::Class(class) => class_strings(class).map_or_else(Info::default, exact),
        HirKind::Capture(capture) => analyse(&capture.sub, usable),
        HirKind::Repetition(rep) => {
            let sub = analyse(&rep.sub, usable);
            if rep.min == 0 {
                let exact = (rep.max == Some(1))
                    .then_some(sub.exact)
                    .flatten()
                    .map(|mut set| {
                        set.push(String::new());
                        set
                    });
                Info {
                    exact,
                    required: None,
                }
            } else {
                Info {
                    exact: None,
                    required: alternatives(sub, usable),
                }
            }
        }
        HirKind::Concat(parts) => concat(parts, usable),
        HirKind::Alternation(branches) => {
            let infos: Vec<Info> = branches.iter().map(|b| analyse(b, usable)).collect();
            let exact = infos
                .iter()
                .map(|i| i.exact.clone())
                .collect::<Option<Vec<_>>>()
                .map(|sets| dedup(sets.concat()))
                .filter(|set| set.len() <= MAX_EXACT);
            let mut required = Some(Vec::new());
            for info in infos {
                match (alternatives(info, usable), &mut required) {
                    (Some(part), Some(all)) => all.extend(part),
                    _ => required = None,
                }
            }
            Info {
                exact,
                required: required.map(dedup),
            }
        }
    }
}

fn exact(set: Vec<String>) -> Info {
    Info {
        exact: Some(set),
        required: None,
    }
}

/// A concatenation: runs of parts with exact sets are multiplied out, and the most selective
/// of those runs and of the other parts' requirements is kept.
fn concat(parts: &[Hir], usable: &dyn Fn(&str) -> bool) -> Info {
    let mut candidates: Vec<Vec<String>> = Vec::new();
    let mut run = vec![String::new()];
    let mut all_exact = true;
    let keep = |set: Vec<String>, candidates: &mut Vec<Vec<String>>| {
        if set.iter().all(|s| usable(s)) {
            candidates.push(set);
        }
    };
    for part in parts {
        let info = analyse(part, usable);
        match info.exact {
            Some(set) if run.len() * set.len() <= MAX_EXACT => {
                run = dedup(
                    run.iter()
                        .flat_map(|a| set.iter().map(move |b| format!("{a}{b}")))
                        .collect(),
                );
            }
            Some(set) => {
                all_exact = false;
                keep(std::mem::replace(&mut run, set), &mut candidates);
            }
            None => {
                all_exact = false;
                keep(
                    std::mem::replace(&mut run, vec![String::new()]),
                    &mut candidates,
                );
                if let Some(required) = info.required {
                    candidates.push(required);
                }
            }
        }
    }
    if all_exact {
        return exact(run);
    }
    keep(run, &mut candidates);
    Info {
        exact: None,
        required: most_selective(candidates.into_iter(), |s| (!common(None, s), s.len())),
    }
}

/// The folded strings a small Unicode class matches.
fn class_strings(class: &Class) -> Option<Vec<String>> {
    let Class::Unicode(class) = class else {
        return None;
    };
    let size: u32 = class
        .iter()
        .map(|r| u32::from(r.end()) - u32::from(r.start()) + 1)
        .sum();
    if size == 0 || size > MAX_CLASS {
        return None;
    }
    let mut set = Vec::new();
    for range in class.iter() {
        for c in range.start()..=range.end() {
            set.push(fold(c.encode_utf8(&mut [0; 4]))?);
        }
    }
    Some(dedup(set))
}

fn dedup(mut set: Vec<String>) -> Vec<String> {
    set.sort_unstable();
    set.dedup();
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    fn required(pattern: &str, ci: bool) -> Option<Vec<String>> {
        required_strings(pattern, ci, false, false, &|s| s.len() >= 3)
    }

    fn set(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn text_in_the_middle_of_a_regex_is_required() {
        assert_eq!(required(r"ipconfig\s+/all", false), set(&["ipconfig"]));
        assert_eq!(required(r"net\s+user\s+", false), set(&["user"]));
        assert_eq!(
            required(r"cmd.{0,5}(?:/c|/r)(?:\s|)\x22set\s[a-zA-Z]{3,6}", false),
            set(&["\"set"])
        );
        assert_eq!(
            required(
                r"(?i)\.exe[\x22']?\s+[^\x22]{0,64}werfaultsecure\.exe",
                false
            ),
            set(&["werfaultsecure.exe"])
        );
    }

    #[test]
    fn alternatives_need_text_in_every_branch() {
        assert_eq!(
            required("(ipconfig|route) print", false),
            set(&["ipconfig print", "route print"])
        );
        assert_eq!(required(r"(evil|\d+)\.exe", false), set(&[".exe"]));
        assert_eq!(required(r"evil|\d+", false), None);
    }

    #[test]
    fn case_insensitive_letters_fold_to_lowercase() {
        // (?i)k is the class [Kk\u{212A}]: all fold to "k".
        assert_eq!(required("(?i)Mimikatz", false), set(&["mimikatz"]));
        assert_eq!(required("Mimikatz", true), set(&["mimikatz"]));
        assert_eq!(required("MIMIKATZ", false), set(&["mimikatz"]));
    }

    #[test]
    fn optional_and_unbounded_parts_give_no_text() {
        assert_eq!(required("(abc)?def", false), set(&["abcdef", "def"]));
        assert_eq!(required("x(abcd)*y", false), None);
        assert_eq!(required("(abcd)+", false), set(&["abcd"]));
        assert_eq!(required(r"\w+`\w", false), None);
        assert_eq!(required("(unclosed", false), None);
    }

    #[test]
    fn greek_sigma_gives_no_text() {
        assert_eq!(required("(?i)ΣΣΣ", false), None);
    }
}
