//! Security updates: none waiting (apt's simulated upgrade, or dnf's security advisories),
//! and updates installing themselves (unattended-upgrades, dnf-automatic).

use mamori_model::CheckStatus;

use super::{System, judged, outcome};

/// Pass when no security update waits, fail when some do, unknown without apt or dnf.
pub fn pending(system: &dyn System) -> (CheckStatus, String) {
    let simulated = system.run("apt-get", &["-s", "-o", "Debug::NoLocking=true", "upgrade"]);
    if let Some(text) = simulated {
        let waiting: Vec<&str> = text.lines().filter(|l| l.starts_with("Inst ")).collect();
        let security = waiting.iter().filter(|l| l.contains("-security")).count();
        let evidence = format!(
            "apt: {} updates waiting, {security} of them security fixes",
            waiting.len()
        );
        return judged(security == 0, evidence);
    }
    if let Some(text) = system.run("dnf", &["-q", "updateinfo", "list", "--security"]) {
        let security = text.lines().filter(|l| !l.trim().is_empty()).count();
        return judged(
            security == 0,
            format!("dnf: {security} security advisories waiting"),
        );
    }
    outcome(CheckStatus::Unknown, "neither apt-get nor dnf answered")
}

/// Pass when unattended-upgrades or dnf-automatic installs updates, fail when the package
/// manager is there but nothing installs them.
pub fn automatic(system: &dyn System) -> (CheckStatus, String) {
    const APT: &str = "/etc/apt/apt.conf.d/20auto-upgrades";
    if let Some(text) = system.read(APT) {
        let on = text.lines().any(|l| {
            let l = l.trim();
            l.starts_with("APT::Periodic::Unattended-Upgrade") && l.contains("\"1\"")
        });
        return if on {
            outcome(
                CheckStatus::Pass,
                format!("{APT}: Unattended-Upgrade \"1\""),
            )
        } else {
            outcome(
                CheckStatus::Fail,
                format!("{APT}: Unattended-Upgrade is not \"1\""),
            )
        };
    }
    let timer = system.run("systemctl", &["is-enabled", "dnf-automatic-install.timer"]);
    if timer.is_some_and(|state| state.trim() == "enabled") {
        return outcome(CheckStatus::Pass, "dnf-automatic-install.timer enabled");
    }
    if system.read("/etc/debian_version").is_some() {
        return outcome(
            CheckStatus::Fail,
            format!("{APT} missing: unattended-upgrades is not set up"),
        );
    }
    if system.read("/etc/dnf/dnf.conf").is_some() {
        return outcome(
            CheckStatus::Fail,
            "dnf-automatic-install.timer is not enabled",
        );
    }
    outcome(CheckStatus::Unknown, "no known package manager found")
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    const APT_PENDING: &str = "Reading package lists...\nInst openssl [3.0.11-1~deb12u1] (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])\nInst tzdata [2024a-0+deb12u1] (2024b-0+deb12u1 Debian:12.7/stable [all])\nConf openssl (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])\n";

    #[test]
    fn pending_security_updates_fail_and_other_updates_do_not() {
        let m =
            Fixture::default().command("apt-get -s -o Debug::NoLocking=true upgrade", APT_PENDING);
        let (status, evidence) = pending(&m);
        assert_eq!(status, CheckStatus::Fail);
        assert_eq!(evidence, "apt: 2 updates waiting, 1 of them security fixes");
        let m = Fixture::default().command(
            "apt-get -s -o Debug::NoLocking=true upgrade",
            "Reading package lists...\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n",
        );
        assert_eq!(pending(&m).0, CheckStatus::Pass);
        let m = Fixture::default().command(
            "dnf -q updateinfo list --security",
            "RHSA-2024:1234 Important/Sec. openssl-1:3.0.7-27.el9.x86_64\n",
        );
        assert_eq!(
            pending(&m),
            (
                CheckStatus::Fail,
                "dnf: 1 security advisories waiting".into()
            )
        );
        assert_eq!(pending(&Fixture::default()).0, CheckStatus::Unknown);
    }

    #[test]
    fn automatic_updates_follow_unattended_upgrades_or_dnf_automatic() {
        let on = "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n";
        let m = Fixture::default().file("/etc/apt/apt.conf.d/20auto-upgrades", on);
        assert_eq!(automatic(&m).0, CheckStatus::Pass);
        let off = "APT::Periodic::Unattended-Upgrade \"0\";\n";
        let m = Fixture::default().file("/etc/apt/apt.conf.d/20auto-upgrades", off);
        assert_eq!(automatic(&m).0, CheckStatus::Fail);
        let m = Fixture::default().file("/etc/debian_version", "12.7\n");
        assert_eq!(
            automatic(&m).0,
            CheckStatus::Fail,
            "Debian without the file"
        );
        let m = Fixture::default()
            .file("/etc/dnf/dnf.conf", "[main]\n")
            .command(
                "systemctl is-enabled dnf-automatic-install.timer",
                "enabled\n",
            );
        assert_eq!(automatic(&m).0, CheckStatus::Pass);
        assert_eq!(automatic(&Fixture::default()).0, CheckStatus::Unknown);
    }
}
