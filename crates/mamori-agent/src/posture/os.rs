//! Whether the operating system still gets security fixes: `/etc/os-release` against the
//! end-of-support table in `eol.toml`.

use std::sync::LazyLock;

use chrono::NaiveDate;
use mamori_model::CheckStatus;
use serde::Deserialize;

use super::{System, outcome};

/// One release's last day of fixes.
#[derive(Debug, Deserialize)]
struct Support {
    id: String,
    version: String,
    ends: NaiveDate,
}

#[derive(Debug, Deserialize)]
struct Table {
    release: Vec<Support>,
}

/// The table shipped with the agent; its unit test reads it whole, so a broken file fails the
/// build's tests rather than a machine.
static TABLE: LazyLock<Vec<Support>> = LazyLock::new(|| {
    toml::from_str::<Table>(include_str!("../../eol.toml"))
        .map(|t| t.release)
        .unwrap_or_default()
});

/// What `/etc/os-release` says.
#[derive(Debug, Default, Clone)]
pub struct Release {
    /// `ID` (`debian`).
    pub id: String,
    /// `VERSION_ID` (`12`).
    pub version_id: String,
    /// `NAME` (`Debian GNU/Linux`).
    pub name: String,
}

impl Release {
    /// Reads `/etc/os-release` (or `/usr/lib/os-release`); empty fields when neither exists.
    pub fn read(system: &dyn System) -> Release {
        let text = system
            .read("/etc/os-release")
            .or_else(|| system.read("/usr/lib/os-release"))
            .unwrap_or_default();
        let mut release = Release::default();
        for line in text.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"').to_owned();
            match key.trim() {
                "ID" => release.id = value,
                "VERSION_ID" => release.version_id = value,
                "NAME" => release.name = value,
                _ => {}
            }
        }
        release
    }
}

/// Pass while the release is supported, fail once its last day has passed, unknown when the
/// release is not in the table.
pub fn supported(system: &dyn System, release: &Release) -> (CheckStatus, String) {
    let major = release.version_id.split('.').next().unwrap_or_default();
    let found = TABLE
        .iter()
        .find(|s| s.id == release.id && (s.version == release.version_id || s.version == major));
    let named = format!("{} {}", release.name, release.version_id);
    match found {
        None => outcome(
            CheckStatus::Unknown,
            format!("{} (not in the support table)", named.trim()),
        ),
        Some(s) if system.today() <= s.ends => outcome(
            CheckStatus::Pass,
            format!("{named}: supported until {}", s.ends),
        ),
        Some(s) => outcome(
            CheckStatus::Fail,
            format!("{named}: support ended {}", s.ends),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    fn release(text: &'static str) -> (Fixture, Release) {
        let machine = Fixture::default().file("/etc/os-release", text);
        let release = Release::read(&machine);
        (machine, release)
    }

    #[test]
    fn the_table_loads_and_judges_supported_ended_and_unlisted_releases() {
        assert!(TABLE.len() >= 10, "eol.toml reads whole");
        let (m, r) = release("ID=debian\nVERSION_ID=\"12\"\nNAME=\"Debian GNU/Linux\"\n");
        assert_eq!(supported(&m, &r).0, CheckStatus::Pass);
        let (m, r) = release("ID=ubuntu\nVERSION_ID=\"20.04\"\nNAME=\"Ubuntu\"\n");
        let (status, evidence) = supported(&m, &r);
        assert_eq!(status, CheckStatus::Fail);
        assert_eq!(evidence, "Ubuntu 20.04: support ended 2025-05-31");
        let (m, r) = release("ID=rocky\nVERSION_ID=\"9.4\"\nNAME=\"Rocky Linux\"\n");
        assert_eq!(
            supported(&m, &r).0,
            CheckStatus::Pass,
            "minor versions share the major's date"
        );
        let (m, r) = release("ID=gentoo\nNAME=Gentoo\n");
        assert_eq!(supported(&m, &r).0, CheckStatus::Unknown);
    }
}
