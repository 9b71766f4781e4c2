//! Whether antivirus is present and current: ClamAV's daily definitions no older than three
//! days.

use mamori_model::CheckStatus;

use super::{System, judged, outcome};

/// Definitions older than this fail the check (DOMAIN 1.12: definitions current, daily).
const MAX_AGE_SECS: u64 = 3 * 86_400;

/// ClamAV's daily definition files, in the forms freshclam writes.
const DAILY: [&str; 2] = ["/var/lib/clamav/daily.cld", "/var/lib/clamav/daily.cvd"];

/// Pass when ClamAV's definitions are at most three days old, fail when older, unknown when
/// no antivirus the agent knows is installed.
pub fn current(system: &dyn System) -> (CheckStatus, String) {
    let Some(age) = DAILY.iter().filter_map(|p| system.age_secs(p)).min() else {
        return outcome(
            CheckStatus::Unknown,
            "no antivirus found (ClamAV definitions absent)",
        );
    };
    let days = age / 86_400;
    let evidence = format!("ClamAV definitions updated {days} days ago");
    judged(age <= MAX_AGE_SECS, evidence)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    #[test]
    fn definitions_older_than_three_days_fail() {
        let fresh = Fixture::default().age("/var/lib/clamav/daily.cld", 3_600);
        assert_eq!(current(&fresh).0, CheckStatus::Pass);
        let stale = Fixture::default().age("/var/lib/clamav/daily.cvd", 5 * 86_400);
        assert_eq!(
            current(&stale),
            (
                CheckStatus::Fail,
                "ClamAV definitions updated 5 days ago".into()
            )
        );
        assert_eq!(current(&Fixture::default()).0, CheckStatus::Unknown);
    }
}
