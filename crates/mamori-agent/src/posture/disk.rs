//! Whether the system disk is encrypted: the device mounted at `/` sits on a LUKS (`crypt`)
//! device, as `lsblk` shows the tree.

use mamori_model::CheckStatus;
use serde::Deserialize;

use super::{System, judged, outcome};

/// One block device as `lsblk -J -o NAME,TYPE,MOUNTPOINTS` prints it.
#[derive(Debug, Deserialize)]
struct Block {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    mountpoints: Vec<Option<String>>,
    #[serde(default)]
    children: Vec<Block>,
}

#[derive(Debug, Deserialize)]
struct Tree {
    blockdevices: Vec<Block>,
}

/// The chain of devices from a top-level disk down to the one mounted at `/`.
fn path_to_root<'a>(block: &'a Block, trail: &mut Vec<&'a Block>) -> bool {
    trail.push(block);
    if block.mountpoints.iter().flatten().any(|m| m == "/") {
        return true;
    }
    for child in &block.children {
        if path_to_root(child, trail) {
            return true;
        }
    }
    trail.pop();
    false
}

/// Pass when a `crypt` device lies between the disk and `/`, fail when it does not, unknown
/// when `lsblk` cannot tell.
pub fn root_encrypted(system: &dyn System) -> (CheckStatus, String) {
    let Some(text) = system.run("lsblk", &["-J", "-o", "NAME,TYPE,MOUNTPOINTS"]) else {
        return outcome(CheckStatus::Unknown, "lsblk could not be asked");
    };
    let Ok(tree) = serde_json::from_str::<Tree>(&text) else {
        return outcome(CheckStatus::Unknown, "lsblk's answer could not be read");
    };
    for disk in &tree.blockdevices {
        let mut trail = Vec::new();
        if path_to_root(disk, &mut trail) {
            let chain: Vec<String> = trail
                .iter()
                .map(|b| format!("{} ({})", b.name, b.kind))
                .collect();
            let evidence = format!("/ is on {}", chain.join(" > "));
            return judged(trail.iter().any(|b| b.kind == "crypt"), evidence);
        }
    }
    outcome(
        CheckStatus::Unknown,
        "no block device is mounted at / (a container?)",
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    const LUKS: &str = r#"{"blockdevices": [{"name":"nvme0n1","type":"disk","mountpoints":[null],"children":[
        {"name":"nvme0n1p1","type":"part","mountpoints":["/boot/efi"]},
        {"name":"nvme0n1p3","type":"part","mountpoints":[null],"children":[
          {"name":"nvme0n1p3_crypt","type":"crypt","mountpoints":[null],"children":[
            {"name":"vg-root","type":"lvm","mountpoints":["/"]}]}]}]}]}"#;
    const PLAIN: &str = r#"{"blockdevices": [{"name":"sda","type":"disk","mountpoints":[null],"children":[
        {"name":"sda1","type":"part","mountpoints":["/"]}]}]}"#;

    #[test]
    fn root_on_luks_passes_and_a_plain_partition_fails() {
        let ask = "lsblk -J -o NAME,TYPE,MOUNTPOINTS";
        let (status, evidence) = root_encrypted(&Fixture::default().command(ask, LUKS));
        assert_eq!(status, CheckStatus::Pass);
        assert_eq!(
            evidence,
            "/ is on nvme0n1 (disk) > nvme0n1p3 (part) > nvme0n1p3_crypt (crypt) > vg-root (lvm)"
        );
        assert_eq!(
            root_encrypted(&Fixture::default().command(ask, PLAIN)).0,
            CheckStatus::Fail
        );
        let none = r#"{"blockdevices": []}"#;
        assert_eq!(
            root_encrypted(&Fixture::default().command(ask, none)).0,
            CheckStatus::Unknown
        );
        assert_eq!(root_encrypted(&Fixture::default()).0, CheckStatus::Unknown);
    }
}
