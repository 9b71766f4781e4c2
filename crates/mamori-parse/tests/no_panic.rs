//! Property tests: no parser panics, whatever arrives on the wire. Inputs are arbitrary
//! strings and lines of the golden corpus with random edits (cut, inserted, replaced
//! characters), which reach much deeper into each parser than random text does.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use mamori_parse::{Format, parse_line};
use proptest::prelude::*;

/// Every corpus line of every format, as seeds for mutation.
static SEEDS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    Format::ALL
        .iter()
        .filter_map(|f| std::fs::read_to_string(root.join(f.as_str()).join("sample.log")).ok())
        .flat_map(|text| text.lines().map(str::to_owned).collect::<Vec<_>>())
        .collect()
});

/// One random edit of a line, applied at a position given as a fraction of its length.
#[derive(Debug, Clone)]
enum Edit {
    Insert(f64, char),
    Delete(f64, usize),
    Replace(f64, char),
    Truncate(f64),
}

fn edit() -> impl Strategy<Value = Edit> {
    let interesting = prop_oneof![
        any::<char>(),
        prop::sample::select(vec![
            '"', '\\', '[', ']', '<', '>', '=', ',', ':', ' ', '{', '}', '.', '9'
        ]),
    ];
    prop_oneof![
        (0.0..1.0f64, interesting.clone()).prop_map(|(p, c)| Edit::Insert(p, c)),
        (0.0..1.0f64, 1..20usize).prop_map(|(p, n)| Edit::Delete(p, n)),
        (0.0..1.0f64, interesting).prop_map(|(p, c)| Edit::Replace(p, c)),
        (0.0..1.0f64).prop_map(Edit::Truncate),
    ]
}

fn apply(line: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = line.chars().collect();
    for e in edits {
        let at = |p: f64, len: usize| ((p * len as f64) as usize).min(len);
        match *e {
            Edit::Insert(p, c) => chars.insert(at(p, chars.len()), c),
            Edit::Delete(p, n) => {
                let start = at(p, chars.len());
                let end = (start + n).min(chars.len());
                chars.drain(start..end);
            }
            Edit::Replace(p, c) => {
                let i = at(p, chars.len());
                if i < chars.len() {
                    chars[i] = c;
                }
            }
            Edit::Truncate(p) => chars.truncate(at(p, chars.len())),
        }
    }
    chars.into_iter().collect()
}

fn received_at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-01-01T00:30:00Z")
        .expect("fixed time")
        .to_utc()
}

/// Parses `line` in every format; the test fails only if a parser panics.
fn parse_everywhere(line: &str) {
    for format in Format::ALL {
        let _ = parse_line(format, line, received_at());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(line in any::<String>()) {
        parse_everywhere(&line);
    }

    #[test]
    fn syslog_shaped_text_never_panics(line in "(<[0-9]{1,4}>)?(1 )?[ -~]{0,120}") {
        parse_everywhere(&line);
    }

    #[test]
    fn mutated_corpus_lines_never_panic(
        index in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let seed = index.get(&SEEDS);
        parse_everywhere(&apply(seed, &edits));
    }
}

#[test]
fn corpus_is_loaded() {
    assert!(SEEDS.len() > 100, "only {} corpus lines", SEEDS.len());
}
