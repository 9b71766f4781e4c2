//! What an endpoint reports about itself: the posture schema the Linux agent posts with every
//! heartbeat, and that any script (a Windows PowerShell task, say) may post the same way.
//! Each check says pass, fail or unknown, with the evidence it was judged on, so a person can
//! see why.

use serde::{Deserialize, Serialize};

/// How often an agent sends a heartbeat, in seconds: the server tells agents this, pages count
/// a machine silent after missing a few, and the monthly report measures coverage against it.
pub const HEARTBEAT_SECS: u64 = 300;

/// One posture check an endpoint can run (DOMAIN 1.12's agent-verifiable checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    /// The operating system still gets security fixes from its maker.
    OsSupported,
    /// No security updates are waiting to be installed.
    UpdatesInstalled,
    /// Updates install themselves.
    AutoUpdates,
    /// A host firewall is active.
    Firewall,
    /// The system disk is encrypted.
    DiskEncryption,
    /// Antivirus is present and its definitions are current.
    Antivirus,
    /// The screen locks itself within 10 minutes (desktops only).
    ScreenLock,
    /// Few accounts hold administrator rights.
    LocalAdmins,
}

impl CheckId {
    /// Every check, in the order pages list them.
    pub const ALL: [CheckId; 8] = [
        CheckId::OsSupported,
        CheckId::UpdatesInstalled,
        CheckId::AutoUpdates,
        CheckId::Firewall,
        CheckId::DiskEncryption,
        CheckId::Antivirus,
        CheckId::ScreenLock,
        CheckId::LocalAdmins,
    ];

    /// The id as written in the schema (`os_supported` …), for keys of wording files.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::OsSupported => "os_supported",
            CheckId::UpdatesInstalled => "updates_installed",
            CheckId::AutoUpdates => "auto_updates",
            CheckId::Firewall => "firewall",
            CheckId::DiskEncryption => "disk_encryption",
            CheckId::Antivirus => "antivirus",
            CheckId::ScreenLock => "screen_lock",
            CheckId::LocalAdmins => "local_admins",
        }
    }
}

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// In place.
    Pass,
    /// Not in place: someone should act.
    Fail,
    /// Could not be told (not applicable, or the tool to ask is missing).
    Unknown,
}

/// One check's outcome with what it was judged on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Which check.
    pub id: CheckId,
    /// Its outcome.
    pub status: CheckStatus,
    /// What was found, in the words of the system asked (`Status: active`, `3 updates`).
    #[serde(default)]
    pub evidence: String,
}

/// What an endpoint reports with each heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posture {
    /// The machine's host name.
    pub hostname: String,
    /// Its operating system (`Debian GNU/Linux`, `Windows 11 Pro`).
    pub os: String,
    /// The system's version (`12`, `23H2`).
    #[serde(default)]
    pub os_version: String,
    /// Seconds since it started.
    #[serde(default)]
    pub uptime_secs: u64,
    /// What reported it (`mamori-agent 0.1.0`, a script's name).
    #[serde(default)]
    pub reporter: String,
    /// The checks it ran; checks it did not run are simply absent.
    pub checks: Vec<Check>,
}

/// How an agent's log shipping stands, sent with each heartbeat so a page can say when a
/// machine's logs are held up or were lost for want of buffer room.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogShipping {
    /// What the agent follows (`journal`, `/var/log/auth.log`); empty when it follows none.
    #[serde(default)]
    pub source: String,
    /// Lines read and waiting in the agent's disk buffer.
    #[serde(default)]
    pub buffered: u64,
    /// Lines dropped, oldest first, because the buffer was full (since installation).
    #[serde(default)]
    pub dropped: u64,
}

impl Posture {
    /// The outcome of `id`, if it was reported.
    pub fn check(&self, id: CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The checks that failed.
    pub fn failing(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == CheckStatus::Fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_reads_a_script_s_report_and_refuses_unknown_checks() {
        let text = r#"{"hostname":"keiri-pc","os":"Windows 11 Pro","checks":[
            {"id":"firewall","status":"pass","evidence":"Domain, Private, Public: on"},
            {"id":"antivirus","status":"fail"}]}"#;
        let posture: Posture = serde_json::from_str(text).unwrap();
        assert_eq!(posture.failing().count(), 1);
        assert_eq!(
            posture.check(CheckId::Firewall).map(|c| c.status),
            Some(CheckStatus::Pass)
        );
        assert!(posture.check(CheckId::ScreenLock).is_none());
        let unknown = text.replace("\"firewall\"", "\"telepathy\"");
        assert!(serde_json::from_str::<Posture>(&unknown).is_err());
        for id in CheckId::ALL {
            assert_eq!(serde_json::to_value(id).unwrap(), id.as_str());
        }
    }
}
