//! Every text people read uses the term table's words (`terms.toml`): no listed variant
//! appears in the page messages, templates, report and document wording, catalogs, detection
//! rule titles or the strings of the crates that write notices; nothing is counted with
//! 「つ」 after a number placeholder or a number of ten or more; and no space stands between a
//! number and its counter (「5回」, not 「5 回」).

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Deserialize)]
struct Table {
    term: Vec<Term>,
}

/// One row of the table; `idea`, `ja` and `en` document it and name the fix in messages.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Term {
    #[serde(rename = "idea")]
    _idea: String,
    ja: String,
    en: String,
    avoid: Vec<String>,
}

/// The workspace's `crates` directory.
fn crates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates directory")
        .to_path_buf()
}

/// Text files people read, by directory and extension. Tests and benchmarks are left out:
/// they may name a variant to prove it is absent.
fn texts() -> Vec<PathBuf> {
    let places: [(&str, &[&str]); 15] = [
        ("mamori-web/locales", &["yml"]),
        ("mamori-web/templates", &["html"]),
        ("mamori-web/guides", &["toml"]),
        ("mamori-reports/text", &["toml"]),
        ("mamori-reports/templates", &["html", "typ"]),
        ("mamori-policies/text", &["toml"]),
        ("mamori-policies/templates", &["html", "typ"]),
        ("mamori-catalog/catalog", &["toml"]),
        ("mamori-detect/rules/mamori", &["yml"]),
        ("mamori-notify/src", &["rs"]),
        ("mamori-notify", &["yml"]),
        ("mamori-alerts/src", &["rs"]),
        ("mamori-alerts", &["yml"]),
        ("mamori-response", &["toml"]),
        ("mamori/src", &["rs"]),
    ];
    let mut files = Vec::new();
    for (dir, extensions) in places {
        collect(&crates().join(dir), extensions, &mut files);
    }
    files
}

fn collect(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect(&path, extensions, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
        {
            out.push(path);
        }
    }
}

/// A count written with 「つ」 where 件 belongs: after a placeholder (`{n}つ`, `%{n}つ`) or
/// after a number of two or more digits (「10つ」 is not Japanese).
fn counted_with_tsu(line: &str) -> bool {
    let chars: Vec<char> = line.chars().collect();
    chars.windows(2).enumerate().any(|(i, w)| {
        w[1] == 'つ'
            && (w[0] == '}' || (w[0].is_ascii_digit() && i > 0 && chars[i - 1].is_ascii_digit()))
    })
}

/// Japanese counters, longest first so 「日間」 is named whole.
const COUNTERS: [&str; 17] = [
    "日間", "時間", "か月", "項目", "文字", "件", "回", "日", "点", "人", "台", "分", "秒", "行",
    "社", "問", "つ",
];

/// A number (digits or a placeholder) with a space before its counter: 「5 回」「%{n} 件」.
fn spaced_counter(line: &str) -> Option<&'static str> {
    let chars: Vec<char> = line.chars().collect();
    (1..chars.len()).find_map(|i| {
        let before = chars[i - 1];
        if chars[i] != ' ' || !(before.is_ascii_digit() || before == '}') {
            return None;
        }
        let rest: String = chars[i + 1..].iter().take(2).collect();
        COUNTERS.into_iter().find(|c| rest.starts_with(c))
    })
}

#[test]
fn every_text_uses_the_term_table() {
    let table: Table =
        toml::from_str(include_str!("../terms.toml")).expect("terms.toml reads as the table");
    let files = texts();
    assert!(files.len() > 20, "found only {} text files", files.len());
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("text file");
        for (n, line) in text.lines().enumerate() {
            for term in &table.term {
                for variant in &term.avoid {
                    if line.contains(variant.as_str()) {
                        problems.push(format!(
                            "{}:{}: 「{variant}」 → 「{}」 / {}",
                            file.display(),
                            n + 1,
                            term.ja,
                            term.en
                        ));
                    }
                }
            }
            if let Some(counter) = spaced_counter(line) {
                problems.push(format!(
                    "{}:{}: no space before 「{counter}」",
                    file.display(),
                    n + 1
                ));
            }
            if counted_with_tsu(line) {
                problems.push(format!(
                    "{}:{}: count with 件, not つ",
                    file.display(),
                    n + 1
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "non-preferred words:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_count_check_knows_what_it_looks_for() {
    assert!(counted_with_tsu("気をつける点が{n}つあります"));
    assert!(counted_with_tsu("%{count}つの項目"));
    assert!(counted_with_tsu("10つの項目"));
    assert!(!counted_with_tsu("3つのパートに分かれています"));
    assert!(!counted_with_tsu("10件の項目"));
}

#[test]
fn the_spacing_check_knows_what_it_looks_for() {
    assert_eq!(spaced_counter("合計 %{score} 点"), Some("点"));
    assert_eq!(spaced_counter("{{ n }} 件"), Some("件"));
    assert_eq!(spaced_counter("90 日間"), Some("日間"));
    assert_eq!(spaced_counter("合計 %{score}点"), None);
    assert_eq!(spaced_counter("%{when} に保存"), None);
    assert_eq!(spaced_counter("within 5 days"), None);
}
