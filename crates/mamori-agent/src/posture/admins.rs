//! Who holds administrator rights: the members of the `sudo`, `wheel` and `admin` groups.

use std::collections::BTreeSet;

use mamori_model::CheckStatus;

use super::{System, judged, outcome};

/// More administrators than this fail the check: an SME machine needs one or two people who
/// can administer it, and every extra account is one more password to steal.
const MAX_ADMINS: usize = 3;

/// The groups whose members may act as root.
const GROUPS: [&str; 3] = ["sudo", "wheel", "admin"];

/// Pass with up to three administrators, fail with more; unknown without `/etc/group`.
pub fn few(system: &dyn System) -> (CheckStatus, String) {
    let Some(text) = system.read("/etc/group") else {
        return outcome(CheckStatus::Unknown, "/etc/group could not be read");
    };
    let admins: BTreeSet<&str> = text
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let group = fields.next()?;
            let members = fields.nth(2)?;
            GROUPS.contains(&group).then_some(members)
        })
        .flat_map(|members| members.split(',').map(str::trim).filter(|m| !m.is_empty()))
        .collect();
    let list = admins.iter().copied().collect::<Vec<_>>().join(", ");
    let evidence = format!(
        "{} administrators: {}",
        admins.len(),
        if list.is_empty() {
            "none besides root"
        } else {
            &list
        }
    );
    judged(admins.len() <= MAX_ADMINS, evidence)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    #[test]
    fn more_than_three_administrators_fail() {
        let two = "root:x:0:\nsudo:x:27:alice,bob\nusers:x:100:carol\n";
        assert_eq!(
            few(&Fixture::default().file("/etc/group", two)),
            (CheckStatus::Pass, "2 administrators: alice, bob".into())
        );
        let many = "sudo:x:27:alice,bob\nwheel:x:10:carol,dave,alice\n";
        assert_eq!(
            few(&Fixture::default().file("/etc/group", many)).0,
            CheckStatus::Fail
        );
        assert_eq!(few(&Fixture::default()).0, CheckStatus::Unknown);
    }
}
