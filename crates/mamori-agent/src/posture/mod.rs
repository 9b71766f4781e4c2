//! The posture checks: what the agent verifies on the machine and reports with each heartbeat.
//! Every check asks the machine through [`System`] (file contents, command output), so the
//! same rules run against fixtures in tests; a Windows or macOS [`System`] can be added beside
//! the Linux one without touching the rules that read it.

mod admins;
mod antivirus;
mod disk;
mod firewall;
mod os;
mod screen;
mod updates;

use std::process::Command;
use std::time::SystemTime;

use chrono::NaiveDate;
use mamori_model::{Check, CheckId, CheckStatus, Posture};

/// What the checks ask the machine. The real implementation reads files and runs programs;
/// tests answer from fixtures.
pub trait System {
    /// The contents of a file, or `None` when it cannot be read.
    fn read(&self, path: &str) -> Option<String>;
    /// What a program printed when it ran and exited successfully; `None` when it is
    /// missing or failed.
    fn run(&self, program: &str, args: &[&str]) -> Option<String>;
    /// Seconds since a file was last changed, or `None` when it does not exist.
    fn age_secs(&self, path: &str) -> Option<u64>;
    /// Today's date on the machine.
    fn today(&self) -> NaiveDate;
}

/// The machine the agent runs on.
pub struct Linux;

impl System for Linux {
    fn read(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }

    fn run(&self, program: &str, args: &[&str]) -> Option<String> {
        let output = Command::new(program).args(args).output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn age_secs(&self, path: &str) -> Option<u64> {
        let modified = std::fs::metadata(path).ok()?.modified().ok()?;
        Some(
            SystemTime::now()
                .duration_since(modified)
                .map_or(0, |d| d.as_secs()),
        )
    }

    fn today(&self) -> NaiveDate {
        chrono::Local::now().date_naive()
    }
}

/// A check's outcome before it is tagged with its id.
pub(crate) fn outcome(status: CheckStatus, evidence: impl Into<String>) -> (CheckStatus, String) {
    (status, evidence.into())
}

/// Pass when `in_place`, fail otherwise, with the same evidence either way.
pub(crate) fn judged(in_place: bool, evidence: impl Into<String>) -> (CheckStatus, String) {
    let status = if in_place {
        CheckStatus::Pass
    } else {
        CheckStatus::Fail
    };
    outcome(status, evidence)
}

/// Runs every check and reports the machine's posture.
pub fn collect(system: &dyn System, reporter: &str) -> Posture {
    let release = os::Release::read(system);
    let checks: Vec<(CheckId, (CheckStatus, String))> = vec![
        (CheckId::OsSupported, os::supported(system, &release)),
        (CheckId::UpdatesInstalled, updates::pending(system)),
        (CheckId::AutoUpdates, updates::automatic(system)),
        (CheckId::Firewall, firewall::active(system)),
        (CheckId::DiskEncryption, disk::root_encrypted(system)),
        (CheckId::Antivirus, antivirus::current(system)),
        (CheckId::ScreenLock, screen::locks(system)),
        (CheckId::LocalAdmins, admins::few(system)),
    ];
    Posture {
        hostname: hostname(system),
        os: release.name.clone(),
        os_version: release.version_id.clone(),
        uptime_secs: uptime_secs(system),
        reporter: reporter.to_owned(),
        checks: checks
            .into_iter()
            .map(|(id, (status, evidence))| Check {
                id,
                status,
                evidence,
            })
            .collect(),
    }
}

/// The machine's host name.
pub fn hostname(system: &dyn System) -> String {
    system
        .read("/proc/sys/kernel/hostname")
        .or_else(|| system.read("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_owned())
}

/// Seconds since boot, from `/proc/uptime`.
fn uptime_secs(system: &dyn System) -> u64 {
    system
        .read("/proc/uptime")
        .and_then(|text| {
            text.split_whitespace()
                .next()
                .and_then(|s| s.parse::<f64>().ok())
        })
        .map_or(0, |secs| secs as u64)
}

/// The operating system's name and version, for enrolment.
pub fn release(system: &dyn System) -> (String, String) {
    let release = os::Release::read(system);
    (release.name, release.version_id)
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A machine made of fixtures for the checks' tests.

    use std::collections::HashMap;

    use chrono::NaiveDate;

    use super::System;

    /// Files, command outputs and file ages, keyed as the checks ask for them.
    #[derive(Default)]
    pub struct Fixture {
        pub files: HashMap<&'static str, &'static str>,
        pub commands: HashMap<&'static str, &'static str>,
        pub ages: HashMap<&'static str, u64>,
    }

    impl Fixture {
        pub fn file(mut self, path: &'static str, text: &'static str) -> Self {
            self.files.insert(path, text);
            self
        }

        /// `command` is the program and its arguments joined by spaces.
        pub fn command(mut self, command: &'static str, output: &'static str) -> Self {
            self.commands.insert(command, output);
            self
        }

        pub fn age(mut self, path: &'static str, secs: u64) -> Self {
            self.ages.insert(path, secs);
            self
        }
    }

    impl System for Fixture {
        fn read(&self, path: &str) -> Option<String> {
            self.files.get(path).map(|t| (*t).to_owned())
        }

        fn run(&self, program: &str, args: &[&str]) -> Option<String> {
            let key = std::iter::once(program)
                .chain(args.iter().copied())
                .collect::<Vec<_>>()
                .join(" ");
            self.commands.get(key.as_str()).map(|t| (*t).to_owned())
        }

        fn age_secs(&self, path: &str) -> Option<u64> {
            self.ages.get(path).copied()
        }

        fn today(&self) -> NaiveDate {
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::Fixture;
    use super::*;

    #[test]
    fn a_machine_reports_every_check_with_its_name_and_uptime() {
        let machine = Fixture::default()
            .file("/proc/sys/kernel/hostname", "web01\n")
            .file("/proc/uptime", "3600.52 7000.00\n")
            .file(
                "/etc/os-release",
                "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n",
            );
        let posture = collect(&machine, "mamori-agent test");
        assert_eq!(posture.hostname, "web01");
        assert_eq!(posture.uptime_secs, 3600);
        assert_eq!(
            (posture.os.as_str(), posture.os_version.as_str()),
            ("Debian GNU/Linux", "12")
        );
        assert_eq!(
            posture.checks.iter().map(|c| c.id).collect::<Vec<_>>(),
            CheckId::ALL
        );
        assert_eq!(
            posture.check(CheckId::OsSupported).map(|c| c.status),
            Some(CheckStatus::Pass)
        );
        // Nothing else could be asked of this machine: unknown, never a guess.
        assert!(
            posture
                .checks
                .iter()
                .filter(|c| c.id != CheckId::OsSupported)
                .all(|c| c.status == CheckStatus::Unknown),
            "{posture:?}"
        );
    }
}
