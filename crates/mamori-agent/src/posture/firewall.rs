//! Whether a host firewall is active: ufw, firewalld, or an nftables ruleset that filters
//! incoming traffic.

use mamori_model::CheckStatus;

use super::{System, outcome};

/// Pass when ufw or firewalld is active or nftables filters input; fail when they were
/// asked and none is; unknown when none could be asked (not installed, or not root).
pub fn active(system: &dyn System) -> (CheckStatus, String) {
    let mut asked = false;
    if let Some(text) = system.run("ufw", &["status"]) {
        asked = true;
        if text.lines().any(|l| l.trim() == "Status: active") {
            return outcome(CheckStatus::Pass, "ufw: Status: active");
        }
    }
    if let Some(text) = system.run("firewall-cmd", &["--state"]) {
        asked = true;
        if text.trim() == "running" {
            return outcome(CheckStatus::Pass, "firewalld: running");
        }
    }
    if let Some(text) = system.run("nft", &["list", "ruleset"]) {
        asked = true;
        if filters_input(&text) {
            return outcome(
                CheckStatus::Pass,
                "nftables: an input chain filters traffic",
            );
        }
    }
    if asked {
        outcome(
            CheckStatus::Fail,
            "no active firewall (ufw, firewalld, nftables)",
        )
    } else {
        outcome(
            CheckStatus::Unknown,
            "ufw, firewalld and nft could not be asked",
        )
    }
}

/// Whether an nftables ruleset has an input hook that drops by default or has rules.
fn filters_input(ruleset: &str) -> bool {
    let mut in_input = false;
    for line in ruleset.lines().map(str::trim) {
        if line.starts_with("chain ") {
            in_input = false;
        } else if line.starts_with("type filter hook input") {
            if line.contains("policy drop") {
                return true;
            }
            in_input = true;
        } else if in_input && !line.is_empty() && line != "}" {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    #[test]
    fn ufw_firewalld_and_nftables_are_each_recognised() {
        let m = Fixture::default().command(
            "ufw status",
            "Status: active\n\nTo Action From\n22/tcp ALLOW Anywhere\n",
        );
        assert_eq!(active(&m).0, CheckStatus::Pass);
        let m = Fixture::default()
            .command("ufw status", "Status: inactive\n")
            .command("firewall-cmd --state", "running\n");
        assert_eq!(active(&m), (CheckStatus::Pass, "firewalld: running".into()));
        let dropping = "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t}\n}\n";
        let m = Fixture::default().command("nft list ruleset", dropping);
        assert_eq!(active(&m).0, CheckStatus::Pass);
        let accepting = "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n\t}\n}\n";
        let m = Fixture::default()
            .command("ufw status", "Status: inactive\n")
            .command("nft list ruleset", accepting);
        assert_eq!(
            active(&m).0,
            CheckStatus::Fail,
            "an empty accepting input chain filters nothing"
        );
        assert_eq!(active(&Fixture::default()).0, CheckStatus::Unknown);
    }
}
