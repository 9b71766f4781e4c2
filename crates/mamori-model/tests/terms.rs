//! Every text people read uses the term table's words (`terms.toml`): no listed variant
//! appears in the page messages, templates, report and document wording, catalogs, detection
//! rule titles or the strings of the crates that write notices, and nothing is counted with
//! 「つ」 after a number placeholder or a number of ten or more.

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
    let places: [(&str, &[&str]); 14] = [
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
