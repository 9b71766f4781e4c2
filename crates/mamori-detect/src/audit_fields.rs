//! Windows' built-in auditing read with Sysmon's field names. Most small companies' PCs run
//! no Sysmon; process creation is audited by Security 4688 and connections by the Filtering
//! Platform's 5156, which record the same facts in other shapes. Plain renames (`Image` is
//! `NewProcessName` or `Application`) are aliases in the mapping file; the values that need
//! reshaping are made here:
//! - `User`: `SubjectDomainName\SubjectUserName`, domain-qualified as rules expect;
//! - `IntegrityLevel`: from the `MandatoryLabel` SID (`S-1-16-12288` is `High`);
//! - `ProcessId`, `ParentProcessId`: 4688 writes them in hexadecimal and calls the parent
//!   `ProcessId`, so with `NewProcessId` present both are read from there, in decimal;
//! - `Initiated`: `true` for an outbound 5156 connection (`%%14593`), `false` for inbound;
//! - `Protocol`: the IANA number 5156 records (`6`) as the name rules use (`tcp`).
//!
//! Values are otherwise matched exactly as stored: Windows keeps some with trailing spaces
//! (`"NtLmSsp "`), and the Sigma specification does not trim them, so neither does mamori.

use std::borrow::Cow;

use rsigma_eval::EventValue;
use serde_json::Value;

/// Fields whose values this module makes rather than finds; a rule's text for them cannot be
/// looked for in the raw event, so the literal prefilter leaves them alone.
pub(crate) const DERIVED: [&str; 6] = [
    "User",
    "IntegrityLevel",
    "ProcessId",
    "ParentProcessId",
    "Initiated",
    "Protocol",
];

/// The value of `name` made from the event's own fields (`field` reads one of them), when
/// `name` is one this module makes and the event holds its parts.
pub(crate) fn derived<'a>(
    name: &str,
    field: &dyn Fn(&str) -> Option<&'a Value>,
) -> Option<EventValue<'a>> {
    let text = |name: &str| field(name).and_then(text_of);
    let owned = |s: String| Some(EventValue::Str(Cow::Owned(s)));
    match name {
        "User" => {
            let user = text("SubjectUserName")?;
            match text("SubjectDomainName").filter(|d| !d.is_empty() && *d != "-") {
                Some(domain) => owned(format!("{domain}\\{user}")),
                None => owned(user.to_owned()),
            }
        }
        "IntegrityLevel" => owned(integrity_level(text("MandatoryLabel")?)?.to_owned()),
        "ProcessId" => owned(hex_to_decimal(text("NewProcessId")?)?),
        "ParentProcessId" => {
            text("NewProcessId")?;
            owned(hex_to_decimal(text("ProcessId")?)?)
        }
        "Initiated" => match text("Direction")? {
            "%%14593" | "Outbound" => owned("true".into()),
            "%%14592" | "Inbound" => owned("false".into()),
            _ => None,
        },
        "Protocol" => owned(protocol_name(text("Protocol")?)?.to_owned()),
        _ => None,
    }
}

/// Whether `name` must be made before it is looked up: 4688's own `ProcessId` is the parent's,
/// and 5156's `Protocol` is a number.
pub(crate) fn made_first<'a>(name: &str, field: &dyn Fn(&str) -> Option<&'a Value>) -> bool {
    match name {
        "ProcessId" | "ParentProcessId" => field("NewProcessId").is_some(),
        "Protocol" => field("Protocol")
            .and_then(text_of)
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
        _ => false,
    }
}

fn text_of(value: &Value) -> Option<&str> {
    value.get("#text").unwrap_or(value).as_str().map(str::trim)
}

/// The integrity level of a mandatory-label SID, as Sysmon names it.
fn integrity_level(sid: &str) -> Option<&'static str> {
    Some(match sid.to_ascii_uppercase().as_str() {
        "S-1-16-0" => "Untrusted",
        "S-1-16-4096" => "Low",
        "S-1-16-8192" => "Medium",
        "S-1-16-8448" => "MediumPlus",
        "S-1-16-12288" => "High",
        "S-1-16-16384" => "System",
        "S-1-16-20480" => "Protected",
        _ => return None,
    })
}

fn hex_to_decimal(hex: &str) -> Option<String> {
    let digits = hex.strip_prefix("0x").or_else(|| hex.strip_prefix("0X"))?;
    u64::from_str_radix(digits, 16).ok().map(|n| n.to_string())
}

/// The name of an IP protocol number as Sysmon writes it.
fn protocol_name(number: &str) -> Option<&'static str> {
    Some(match number {
        "1" => "icmp",
        "6" => "tcp",
        "17" => "udp",
        "58" => "ipv6-icmp",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn made(name: &str, data: &Value) -> Option<String> {
        let field = |n: &str| data.get(n);
        derived(name, &field).map(|v| match v {
            EventValue::Str(s) => s.into_owned(),
            other => format!("{other:?}"),
        })
    }

    #[test]
    fn a_4688_reads_as_sysmon_process_creation() {
        let data = json!({
            "SubjectUserName": "taro", "SubjectDomainName": "ALPHA",
            "MandatoryLabel": "S-1-16-12288", "NewProcessId": "0x1a4", "ProcessId": "0x2b0",
        });
        assert_eq!(made("User", &data).as_deref(), Some("ALPHA\\taro"));
        assert_eq!(made("IntegrityLevel", &data).as_deref(), Some("High"));
        assert_eq!(made("ProcessId", &data).as_deref(), Some("420"));
        assert_eq!(made("ParentProcessId", &data).as_deref(), Some("688"));
        let field = |n: &str| data.get(n);
        assert!(made_first("ProcessId", &field));
    }

    #[test]
    fn a_5156_reads_as_sysmon_network_connection() {
        let data = json!({"Direction": "%%14593", "Protocol": "6"});
        assert_eq!(made("Initiated", &data).as_deref(), Some("true"));
        assert_eq!(made("Protocol", &data).as_deref(), Some("tcp"));
        let sysmon = json!({"Protocol": "tcp"});
        let field = |n: &str| sysmon.get(n);
        assert!(!made_first("Protocol", &field), "Sysmon's own names stay");
    }
}
