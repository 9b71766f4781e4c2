//! Whether the screen locks itself within ten minutes (DOMAIN 1.12, action 2-15), on machines
//! that start a desktop. Read from GNOME's settings, the desktop Debian and Ubuntu install.

use mamori_model::CheckStatus;

use super::{System, outcome};

/// The longest idle time allowed before the screen locks.
const MAX_IDLE_SECS: u64 = 600;

/// Unknown on machines without a desktop; otherwise pass when the idle delay is 1-600
/// seconds and locking is on.
pub fn locks(system: &dyn System) -> (CheckStatus, String) {
    let target = system
        .run("systemctl", &["get-default"])
        .unwrap_or_default();
    if target.trim() != "graphical.target" {
        return outcome(CheckStatus::Unknown, "no desktop on this machine");
    }
    let delay = system
        .run(
            "gsettings",
            &["get", "org.gnome.desktop.session", "idle-delay"],
        )
        .and_then(|t| {
            t.split_whitespace()
                .last()
                .and_then(|n| n.parse::<u64>().ok())
        });
    let lock = system
        .run(
            "gsettings",
            &["get", "org.gnome.desktop.screensaver", "lock-enabled"],
        )
        .map(|t| t.trim() == "true");
    match (delay, lock) {
        (Some(secs), Some(true)) if (1..=MAX_IDLE_SECS).contains(&secs) => outcome(
            CheckStatus::Pass,
            format!("locks after {secs} seconds idle"),
        ),
        (Some(secs), Some(lock)) => outcome(
            CheckStatus::Fail,
            format!(
                "idle delay {secs} seconds, locking {}",
                if lock { "on" } else { "off" }
            ),
        ),
        _ => outcome(
            CheckStatus::Unknown,
            "the desktop's settings could not be read",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    fn desktop(delay: &'static str, lock: &'static str) -> Fixture {
        Fixture::default()
            .command("systemctl get-default", "graphical.target\n")
            .command("gsettings get org.gnome.desktop.session idle-delay", delay)
            .command(
                "gsettings get org.gnome.desktop.screensaver lock-enabled",
                lock,
            )
    }

    #[test]
    fn a_desktop_locking_within_ten_minutes_passes() {
        assert_eq!(
            locks(&desktop("uint32 300\n", "true\n")).0,
            CheckStatus::Pass
        );
        assert_eq!(
            locks(&desktop("uint32 900\n", "true\n")),
            (
                CheckStatus::Fail,
                "idle delay 900 seconds, locking on".into()
            )
        );
        assert_eq!(
            locks(&desktop("uint32 0\n", "true\n")).0,
            CheckStatus::Fail,
            "0 never locks"
        );
        assert_eq!(
            locks(&desktop("uint32 300\n", "false\n")).0,
            CheckStatus::Fail
        );
        let server = Fixture::default().command("systemctl get-default", "multi-user.target\n");
        assert_eq!(locks(&server).0, CheckStatus::Unknown);
    }
}
