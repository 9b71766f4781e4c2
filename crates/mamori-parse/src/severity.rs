//! Device severities read as mamori's five levels, from one data table
//! (`severity.toml`): the syslog PRI, FortiGate's level words, Suricata's numbers, the CEF
//! header's 0-10 and the level words other devices write. Parsers ask here instead of
//! keeping their own `match`, so the whole product maps a device's level the same way.

use std::collections::HashMap;
use std::sync::LazyLock;

use mamori_model::Severity;
use serde::Deserialize;

/// The table as written in `severity.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    syslog: HashMap<u8, Severity>,
    fortigate: HashMap<String, Severity>,
    suricata: HashMap<u64, Severity>,
    cef: HashMap<u8, Severity>,
    words: HashMap<String, Severity>,
}

/// The table made quick to read on the hot path: numbers index arrays, words are kept
/// lower-case and compared without allocating.
struct Table {
    syslog: [Severity; 8],
    fortigate: Vec<(String, Severity)>,
    suricata: Vec<(u64, Severity)>,
    cef: [Severity; 11],
    words: Vec<(String, Severity)>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    // The table is compiled in and checked by this module's tests, so it cannot fail
    // at run time.
    let file: File =
        toml::from_str(include_str!("../severity.toml")).expect("severity.toml is valid");
    let numbered = |map: &HashMap<u8, Severity>, code: u8| {
        *map.get(&code)
            .unwrap_or_else(|| panic!("severity.toml lacks code {code}"))
    };
    let lower = |map: HashMap<String, Severity>| {
        map.into_iter()
            .map(|(word, level)| (word.to_ascii_lowercase(), level))
            .collect()
    };
    Table {
        syslog: std::array::from_fn(|code| numbered(&file.syslog, code as u8)),
        cef: std::array::from_fn(|code| numbered(&file.cef, code as u8)),
        fortigate: lower(file.fortigate),
        suricata: file.suricata.into_iter().collect(),
        words: lower(file.words),
    }
});

/// The level a word names in `table`, compared without regard to case.
fn word_in(table: &[(String, Severity)], word: &str) -> Option<Severity> {
    let word = word.trim();
    table
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(word))
        .map(|(_, level)| *level)
}

/// The level of a syslog PRI (its severity is PRI mod 8).
pub fn from_pri(pri: u8) -> Severity {
    TABLE.syslog[usize::from(pri & 7)]
}

/// The level a FortiGate `level`, `severity` or `crlevel` value names; `None` when the
/// word is not FortiGate's.
pub fn fortigate(word: &str) -> Option<Severity> {
    word_in(&TABLE.fortigate, word)
}

/// The level of a Suricata `alert.severity`; numbers outside the table are informational.
pub fn suricata(number: u64) -> Severity {
    TABLE
        .suricata
        .iter()
        .find(|(known, _)| *known == number)
        .map_or(Severity::Info, |(_, level)| *level)
}

/// The level a CEF header's severity gives: 0-10, or a level word (`High`, `Very-High`);
/// `None` for anything else.
pub fn cef(severity: &str) -> Option<Severity> {
    match severity.trim().parse::<usize>() {
        Ok(number) => TABLE.cef.get(number).copied(),
        Err(_) => word(severity),
    }
}

/// The level a device's own word names (`critical`, `error`, `warning`, `notice`, `high`,
/// …) for devices without a table of their own; `None` when the word is unknown.
pub fn word(word: &str) -> Option<Severity> {
    word_in(&TABLE.words, word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads_and_covers_every_code() {
        // Touching each reader forces the table to load and every numbered code to exist.
        let pri: Vec<Severity> = (0..8).map(from_pri).collect();
        assert_eq!(
            pri,
            [
                Severity::Critical,
                Severity::Critical,
                Severity::Critical,
                Severity::High,
                Severity::Medium,
                Severity::Low,
                Severity::Info,
                Severity::Info
            ]
        );
        assert_eq!(
            from_pri(13 * 8 + 4),
            Severity::Medium,
            "facility is ignored"
        );
        assert_eq!(cef("0"), Some(Severity::Low));
        assert_eq!(cef("8"), Some(Severity::High));
        assert_eq!(cef("10"), Some(Severity::Critical));
        assert_eq!(cef("11"), None);
        assert_eq!(cef("Very-High"), Some(Severity::Critical));
        assert_eq!(cef("unknown"), None);
    }

    #[test]
    fn words_ignore_case_and_unknown_words_are_none() {
        assert_eq!(fortigate("Alert"), Some(Severity::Critical));
        assert_eq!(fortigate(" information "), Some(Severity::Info));
        assert_eq!(fortigate("err"), None, "FortiGate never writes err");
        assert_eq!(word("ERR"), Some(Severity::High));
        assert_eq!(word("loud"), None);
    }

    #[test]
    fn suricata_numbers_run_from_most_severe() {
        assert_eq!(suricata(1), Severity::High);
        assert_eq!(suricata(3), Severity::Low);
        assert_eq!(suricata(255), Severity::Info);
    }
}
