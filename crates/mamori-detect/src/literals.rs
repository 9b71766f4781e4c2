//! Required literals: for each rule, a set of strings at least one of which must appear
//! in the event's text, folded by [`fold_text`], for the rule to match — each in the value
//! of the field its selection tests, or, for keywords, in any of the event's strings. The
//! index feeds these to Aho-Corasick automata, so a rule whose literals are absent from their
//! fields is never evaluated. The extraction is conservative: whenever a rule part could
//! match without a literal (negation, field references, comparisons), that part yields no
//! literal and the rule is evaluated on every event of its log source. Regular expressions
//! give the text every match contains ([`crate::regex_literals`]). A field compared with a whole number and no
//! modifier (`EventID: 4624`) gives a numeric literal: the index finds the rule only where
//! that field holds that number, as a number or as text that reads as one (as the matcher
//! compares it).

use rsigma_parser::{
    ConditionExpr, Detection, DetectionItem, Detections, Modifier, Quantifier, SigmaRule,
    SigmaString, SigmaValue, StringPart,
};

use crate::regex_literals::required_strings;

/// Literals shorter than this select too many events to be worth indexing.
const MIN_LITERAL: usize = 3;

/// Field names with more dots than this give no literal: the index walks events only so
/// deep (see [`crate::view::MAX_FIELD_DEPTH`]).
const MAX_DOTS: usize = crate::view::MAX_FIELD_DEPTH / 2;

/// A string a rule part needs, folded (see [`fold`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Literal {
    /// The field whose value must contain it (as the event view resolves the name, aliases
    /// included), or `None` when any string of the event will do.
    pub(crate) field: Option<String>,
    pub(crate) text: String,
    /// The value the field must equal as a number (`text` is then its decimal form).
    pub(crate) number: Option<i64>,
}

/// Alternatives: the rule can only match when one of these literals is present.
pub(crate) type Alternatives = Vec<Literal>;

/// The literals of `rule`, or `None` when it must always be evaluated.
pub(crate) fn required_literals(rule: &SigmaRule) -> Option<Alternatives> {
    let detections = &rule.detection;
    let mut all = Vec::new();
    for condition in &detections.conditions {
        all.extend(of_condition(condition, detections)?);
    }
    if all.is_empty() {
        return None;
    }
    all.sort();
    all.dedup();
    Some(all)
}

fn of_condition(expr: &ConditionExpr, detections: &Detections) -> Option<Alternatives> {
    match expr {
        ConditionExpr::Identifier(name) => of_detection(detections.named.get(name)?),
        ConditionExpr::Not(_) => None,
        ConditionExpr::And(parts) => best(parts.iter().map(|p| of_condition(p, detections))),
        ConditionExpr::Or(parts) => union(parts.iter().map(|p| of_condition(p, detections))),
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let mut names: Vec<&String> = detections
                .named
                .keys()
                .filter(|name| pattern.matches_detection_name(name))
                .collect();
            if names.is_empty() {
                return None;
            }
            names.sort();
            let parts = names
                .into_iter()
                .map(|name| of_detection(&detections.named[name]));
            match quantifier {
                Quantifier::All => best(parts),
                Quantifier::Any | Quantifier::Count(_) => union(parts),
            }
        }
    }
}

fn of_detection(detection: &Detection) -> Option<Alternatives> {
    match detection {
        Detection::AllOf(items) => best(items.iter().map(of_item)),
        Detection::And(parts) => best(parts.iter().map(of_detection)),
        Detection::AnyOf(parts) => union(parts.iter().map(of_detection)),
        Detection::Keywords(values) => union(values.iter().map(|v| of_value(v, None, false))),
        Detection::ArrayMatch { .. } | Detection::Conditional { .. } => None,
    }
}

/// Modifiers after which a rule's string is still found verbatim in the event.
fn verbatim(modifier: &Modifier) -> bool {
    matches!(
        modifier,
        Modifier::Contains
            | Modifier::StartsWith
            | Modifier::EndsWith
            | Modifier::All
            | Modifier::Cased
            | Modifier::WindAsh
    )
}

fn of_item(item: &DetectionItem) -> Option<Alternatives> {
    let field = item.field.name.as_deref();
    if field.is_some_and(|f| f.matches('.').count() > MAX_DOTS) {
        return None;
    }
    // A value mamori makes from other fields (a 4688's `User`) is not in the raw event.
    if field.is_some_and(|f| crate::audit_fields::DERIVED.contains(&f)) {
        return None;
    }
    let has = |m: Modifier| item.field.has_modifier(m);
    let only = |allowed: &[Modifier]| item.field.modifiers.iter().all(|m| allowed.contains(m));
    let values: Vec<Option<Alternatives>> = if has(Modifier::Re) {
        use Modifier::{All, DotAll, IgnoreCase, Multiline, Re};
        if !only(&[Re, IgnoreCase, Multiline, DotAll, All]) {
            return None;
        }
        let flags = (has(IgnoreCase), has(Multiline), has(DotAll));
        item.values
            .iter()
            .map(|v| of_regex(v, field, flags))
            .collect()
    } else {
        if !item.field.modifiers.iter().all(verbatim) {
            return None;
        }
        let windash = has(Modifier::WindAsh);
        let plain = item.field.modifiers.is_empty();
        item.values
            .iter()
            .map(|v| match (v, field) {
                (SigmaValue::Integer(n), Some(field)) if plain => Some(vec![Literal {
                    field: Some(field.to_owned()),
                    text: n.to_string(),
                    number: Some(*n),
                }]),
                _ => of_value(v, field, windash),
            })
            .collect()
    };
    if has(Modifier::All) {
        best(values.into_iter())
    } else {
        union(values.into_iter())
    }
}

/// The pattern of a `re` value, as the matcher reads it (`*` and `?` are regex syntax
/// there, not wildcards).
fn raw_text(s: &SigmaString) -> String {
    s.as_plain().unwrap_or_else(|| s.original.clone())
}

fn literals_in(field: Option<&str>, texts: Vec<String>) -> Alternatives {
    texts
        .into_iter()
        .map(|text| Literal {
            field: field.map(str::to_owned),
            text,
            number: None,
        })
        .collect()
}

/// The strings one of which every match of a `re` value contains.
fn of_regex(
    value: &SigmaValue,
    field: Option<&str>,
    (case_insensitive, multi_line, dot_all): (bool, bool, bool),
) -> Option<Alternatives> {
    let SigmaValue::String(s) = value else {
        return None;
    };
    let texts = required_strings(&raw_text(s), case_insensitive, multi_line, dot_all, &usable)?;
    Some(literals_in(field, texts))
}

/// The longest plain run of a string value, to be found in `field`. With `windash`, dashes
/// may be written as slashes or other dashes in the event, so runs also stop there.
fn of_value(value: &SigmaValue, field: Option<&str>, windash: bool) -> Option<Alternatives> {
    let SigmaValue::String(s) = value else {
        return None;
    };
    let mut longest = "";
    for part in &s.parts {
        let StringPart::Plain(text) = part else {
            continue;
        };
        let dash =
            |c: char| windash && matches!(c, '-' | '/' | '\u{2013}' | '\u{2014}' | '\u{2015}');
        for run in text.split(dash) {
            if run.len() > longest.len() {
                longest = run;
            }
        }
    }
    let text = fold(longest).filter(|t| usable(t))?;
    Some(literals_in(field, vec![text]))
}

/// Folds event text for the index's search: lowercased as the matcher lowercases for its
/// case-insensitive comparisons, and the long s read as `s`, as a case-insensitive regex
/// reads it. Each character folds on its own (but Greek sigma, which [`fold`] keeps out
/// of literals), so text a rule needs stays findable in the folded event.
pub(crate) fn fold_text(s: &str) -> String {
    let lower = s.to_lowercase();
    if lower.contains('\u{17f}') {
        lower.replace('\u{17f}', "s")
    } else {
        lower
    }
}

/// A literal's text folded as [`fold_text`] folds the event, or `None` when the folding
/// depends on the neighbouring text (Greek sigma).
pub(crate) fn fold(s: &str) -> Option<String> {
    (!s.contains(['\u{3a3}', '\u{3c3}', '\u{3c2}'])).then(|| fold_text(s))
}

/// Whether a literal selects few enough events to be worth indexing: ASCII text needs
/// [`MIN_LITERAL`] bytes unless it holds one of the [`RARE`] characters (any other
/// character is rare enough alone), and no literal may be found in the text of a number or
/// boolean.
pub(crate) fn usable(text: &str) -> bool {
    (!text.is_ascii() || text.len() >= MIN_LITERAL || text.contains(RARE)) && !in_scalar_text(text)
}

/// ASCII characters that ordinary Windows event text hardly holds but obfuscated command
/// lines do: PowerShell's escape (`` ` ``), cmd's escape (`^`) and the brace of format
/// strings and variables (`{`). Rules look for them in short patterns (`^^`, `` `e`n ``,
/// `"{0}"`), which would otherwise be evaluated on every process event.
const RARE: [char; 3] = ['`', '^', '{'];

/// Whether `text` (lowercased) could occur in the text rsigma gives a number or boolean
/// when a string matcher meets one. The index searches strings only, so such literals
/// could hide a match.
fn in_scalar_text(text: &str) -> bool {
    text.parse::<f64>().is_ok()
        || ["true", "false", "-inf", "nan"]
            .iter()
            .any(|s| s.contains(text))
}

/// Alternatives for "all of these must hold": any one part's alternatives will do, so the
/// most selective is kept.
fn best(parts: impl Iterator<Item = Option<Alternatives>>) -> Option<Alternatives> {
    most_selective(parts.flatten(), selectivity)
}

/// How few events a literal is likely to select, higher for fewer: first whether it is
/// text most events hold (see [`common`]), then its length. A whole number a field
/// must equal (`EventID: 4624`) counts as [`NUMBER_WEIGHT`] characters: far fewer events
/// hold one such number than hold a word of that length.
fn selectivity(literal: &Literal) -> (bool, usize) {
    let length = match literal.number {
        Some(_) => NUMBER_WEIGHT.max(literal.text.len()),
        None => literal.text.len(),
    };
    (!common(literal.field.as_deref(), &literal.text), length)
}

/// The length a numeric literal counts as when literals are ranked.
const NUMBER_WEIGHT: usize = 12;

/// Paths found in most Windows events, lowercased: a part of one of these (with a
/// backslash, so a path part and not a word like `user`) selects nearly every process
/// event, however long it is.
const COMMON_PATHS: [&str; 3] = [
    "c:\\windows\\system32\\",
    "c:\\program files (x86)\\",
    "c:\\users\\",
];

/// Fields that say where an event comes from: every event of a rule's log source has much
/// the same value there.
const SOURCE_FIELDS: [&str; 3] = ["Provider_Name", "Channel", "EventSourceName"];

/// Whether `text` (folded), required in `field`, is held by most events.
pub(crate) fn common(field: Option<&str>, text: &str) -> bool {
    field.is_some_and(|f| SOURCE_FIELDS.contains(&f))
        || (text.contains('\\') && COMMON_PATHS.iter().any(|path| path.contains(text)))
}

/// The most selective of several sets of alternatives, any of which would do: the one
/// whose least selective member (by `rank`, higher for fewer events) ranks highest, then
/// the one with fewest members.
pub(crate) fn most_selective<T, R: Ord>(
    sets: impl Iterator<Item = Vec<T>>,
    rank: impl Fn(&T) -> R,
) -> Option<Vec<T>> {
    sets.max_by_key(|set| (set.iter().map(&rank).min(), usize::MAX - set.len()))
}

/// Alternatives for "one of these must hold": every part needs literals.
fn union(parts: impl Iterator<Item = Option<Alternatives>>) -> Option<Alternatives> {
    let mut all = Vec::new();
    for part in parts {
        all.extend(part?);
    }
    (!all.is_empty()).then_some(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literals(yaml: &str) -> Option<Alternatives> {
        let collection = rsigma_parser::parse_sigma_yaml(yaml).expect("parses");
        required_literals(&collection.rules[0])
    }

    const HEAD: &str = "title: t\nlogsource: {product: windows}\ndetection:\n";

    fn lit(field: Option<&str>, text: &str) -> Literal {
        Literal {
            field: field.map(str::to_owned),
            text: text.to_owned(),
            number: None,
        }
    }

    #[test]
    fn and_keeps_the_most_selective_selection() {
        let rule = format!(
            "{HEAD}  a: {{Image|endswith: '\\\\powershell.exe'}}\n  b: {{CommandLine|contains: [' -enc', 'hidden']}}\n  condition: a and b\n"
        );
        assert_eq!(
            literals(&rule),
            Some(vec![lit(Some("Image"), "\\powershell.exe")])
        );
    }

    #[test]
    fn and_prefers_event_ids_and_rare_text_to_source_names_and_system_paths() {
        let rule = format!(
            "{HEAD}  a: {{Provider_Name: 'Service Control Manager', EventID: 7045}}\n  condition: a\n"
        );
        let id = Literal {
            field: Some("EventID".into()),
            text: "7045".into(),
            number: Some(7045),
        };
        assert_eq!(literals(&rule), Some(vec![id]));
        let rule = format!(
            "{HEAD}  a: {{Image|contains: '\\\\Windows\\\\', CommandLine|contains: '\\\\..\\\\'}}\n  condition: a\n"
        );
        assert_eq!(
            literals(&rule),
            Some(vec![lit(Some("CommandLine"), "\\..\\")])
        );
    }

    #[test]
    fn short_text_counts_only_with_a_rare_character() {
        let rule = |value: &str| {
            format!("{HEAD}  a: {{CommandLine|contains: '{value}'}}\n  condition: a\n")
        };
        assert_eq!(
            literals(&rule("^^")),
            Some(vec![lit(Some("CommandLine"), "^^")])
        );
        assert_eq!(literals(&rule("-e")), None);
        let rule = format!("{HEAD}  a: {{CommandLine|re: '\\w+`(?:\\w+|-|.)`'}}\n  condition: a\n");
        assert_eq!(literals(&rule), Some(vec![lit(Some("CommandLine"), "`")]));
    }

    #[test]
    fn or_needs_literals_everywhere() {
        let rule = format!(
            "{HEAD}  a: {{Image|endswith: 'evil.exe'}}\n  b: {{EventID|gte: 4688}}\n  condition: a or b\n"
        );
        assert_eq!(literals(&rule), None);
        let rule = format!("{HEAD}  a: {{Image|endswith: 'evil.exe'}}\n  condition: not a\n");
        assert_eq!(literals(&rule), None);
    }

    #[test]
    fn regexes_give_the_text_every_match_contains() {
        let rule = format!("{HEAD}  a: {{CommandLine|re|i: 'net\\s+user\\s+'}}\n  condition: a\n");
        assert_eq!(
            literals(&rule),
            Some(vec![lit(Some("CommandLine"), "user")])
        );
        let rule =
            format!("{HEAD}  a: {{CommandLine|re: ['ab.*cd', 'mimikatz']}}\n  condition: a\n");
        assert_eq!(literals(&rule), None);
        let rule =
            format!("{HEAD}  a: {{CommandLine|re|s: 'x(Evil|Bad)\\.exe'}}\n  condition: a\n");
        assert_eq!(
            literals(&rule),
            Some(vec![
                lit(Some("CommandLine"), "xbad.exe"),
                lit(Some("CommandLine"), "xevil.exe")
            ])
        );
    }

    #[test]
    fn text_beyond_ascii_is_folded_and_kept() {
        let rule = format!(
            "{HEAD}  a: {{CommandLine|contains: ['\u{1F600}', '\u{0410}', '\u{202E}']}}\n  condition: a\n"
        );
        assert_eq!(
            literals(&rule),
            Some(vec![
                lit(Some("CommandLine"), "\u{430}"),
                lit(Some("CommandLine"), "\u{202e}"),
                lit(Some("CommandLine"), "\u{1f600}"),
            ])
        );
        let rule = format!("{HEAD}  a: {{CommandLine|contains: '\u{03A3}'}}\n  condition: a\n");
        assert_eq!(literals(&rule), None);
    }

    #[test]
    fn encodings_and_comparisons_give_no_literal() {
        for modifier in [
            "base64offset|contains",
            "utf16le|base64",
            "cidr",
            "gt",
            "fieldref",
        ] {
            let rule = format!("{HEAD}  a: {{CommandLine|{modifier}: 'abcdef'}}\n  condition: a\n");
            assert_eq!(literals(&rule), None, "{modifier}");
        }
    }

    #[test]
    fn windash_and_wildcards_split_literals() {
        let rule = format!(
            "{HEAD}  a: {{CommandLine|windash|contains: '-exec-bypass'}}\n  b: ['*mimi*katz*']\n  condition: a and b\n"
        );
        assert_eq!(
            literals(&rule),
            Some(vec![lit(Some("CommandLine"), "bypass")])
        );
        let rule = format!(
            "{HEAD}  sel_a: {{Image: '*\\\\abc.exe'}}\n  sel_b: {{Image: '*\\\\xyz.exe'}}\n  condition: 1 of sel_*\n"
        );
        assert_eq!(
            literals(&rule),
            Some(vec![
                lit(Some("Image"), "\\abc.exe"),
                lit(Some("Image"), "\\xyz.exe")
            ])
        );
        let rule = format!("{HEAD}  k: ['*mimikatz*']\n  condition: k\n");
        assert_eq!(literals(&rule), Some(vec![lit(None, "mimikatz")]));
    }

    #[test]
    fn text_of_numbers_and_booleans_gives_no_literal() {
        for value in ["rue", "alse", "123", "1.5", "-12.", "nan", "inf"] {
            let rule = format!("{HEAD}  a: {{F|contains: '{value}'}}\n  condition: a\n");
            assert_eq!(literals(&rule), None, "{value}");
        }
        let rule = format!("{HEAD}  a: {{F|contains: '10.0.0.1'}}\n  condition: a\n");
        assert_eq!(literals(&rule), Some(vec![lit(Some("F"), "10.0.0.1")]));
    }

    #[test]
    fn whole_numbers_compared_plainly_are_numeric_literals() {
        let rule = format!("{HEAD}  a: {{EventID: [4624, 4625]}}\n  condition: a\n");
        let number = |n: i64| Literal {
            field: Some("EventID".into()),
            text: n.to_string(),
            number: Some(n),
        };
        assert_eq!(literals(&rule), Some(vec![number(4624), number(4625)]));
        // Compared otherwise, or as a fraction, a number gives no literal.
        for detection in [
            "{EventID|gt: 4624}",
            "{EventID: 1.5}",
            "{EventID: [4624, 'x*']}",
        ] {
            let rule = format!("{HEAD}  a: {detection}\n  condition: a\n");
            assert_eq!(literals(&rule), None, "{detection}");
        }
    }
}
