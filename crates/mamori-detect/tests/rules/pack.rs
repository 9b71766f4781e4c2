//! mamori's own rule pack against events produced by the ingest parsers from realistic
//! lines, and against Windows events as EVTX renders them.

use chrono::{DateTime, Duration, TimeZone, Utc};
use mamori_detect::{
    Correlator, CorrelatorConfig, Detection, Detector, Mapping, RuleStatus, builtin_pack,
};
use mamori_parse::{Format, parse_line};
use serde_json::json;

fn detector() -> Detector {
    let (detector, reports) = Detector::compile(&builtin_pack(), Mapping::builtin());
    for report in &reports {
        assert_eq!(report.status, RuleStatus::Ok, "{report:?}");
    }
    detector
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0)
        .single()
        .expect("valid time")
}

fn titles(found: &[Detection]) -> Vec<&str> {
    found
        .iter()
        .filter(|d| d.rule.emit)
        .map(|d| d.rule.title.as_str())
        .collect()
}

fn detect(detector: &Detector, format: Format, line: &str) -> Vec<Detection> {
    let event = parse_line(format, line, at()).expect("line parses");
    detector.evaluate_model(&event)
}

/// Feeds `lines` one second apart through detection and correlation; returns the
/// correlation titles.
fn correlate(detector: &Detector, format: Format, lines: &[String]) -> Vec<String> {
    let mut correlator: Correlator = detector.correlator(CorrelatorConfig::default());
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let event = parse_line(format, line, at()).expect("line parses");
        let when = at() + Duration::seconds(i as i64);
        for detection in detector.evaluate_model(&event) {
            out.extend(
                correlator
                    .observe(&detection, when)
                    .into_iter()
                    .map(|d| d.rule.title.clone()),
            );
        }
    }
    out
}

#[test]
fn every_rule_has_japanese_and_english_guidance() {
    let detector = detector();
    let event = json!({"Channel": "Security", "EventID": 4720});
    let found = detector.evaluate_json(&event);
    let guidance = found[0].rule.guidance.as_ref().expect("guidance");
    assert!(
        !guidance.title_ja.is_empty()
            && !guidance.action_ja.is_empty()
            && !guidance.action_en.is_empty()
    );
    for text in builtin_pack() {
        for doc in text.text.split("\n---\n") {
            for key in [
                "title_ja:",
                "action_ja:",
                "action_en:",
                "seen_ja:",
                "seen_en:",
                "level:",
            ] {
                assert!(doc.contains(key), "{} lacks {key}", text.origin);
            }
        }
    }
}

#[test]
fn edge_admin_logins() {
    let detector = detector();
    let outside = "date=2026-11-02 time=10:23:00 devname=\"FG60F\" logid=\"0100032001\" type=\"event\" subtype=\"system\" level=\"information\" logdesc=\"Admin login successful\" user=\"admin\" ui=\"https(203.0.113.50)\" srcip=203.0.113.50 action=\"login\" status=\"success\" msg=\"Administrator admin logged in successfully from https(203.0.113.50)\"";
    assert!(
        titles(&detect(&detector, Format::Fortigate, outside))
            .contains(&"Router or UTM management login from the internet")
    );
    let inside = "Login succeeded for TELNET: 192.168.0.10";
    assert!(
        !titles(&detect(&detector, Format::Rtx, inside))
            .contains(&"Router or UTM management login from the internet")
    );
    let failures: Vec<String> = (0..5)
        .map(|_| "Login failed for TELNET: 203.0.113.50".to_owned())
        .collect();
    let fired = correlate(&detector, Format::Rtx, &failures);
    assert_eq!(
        fired,
        ["Repeated administrator login failures on a router or UTM"]
    );
    // A router's SSH login failure trips both the SSH and the administrator-login rules; they
    // are one family, so the alerting stage counts them on one alert.
    let ssh = detect(&detector, Format::Rtx, "Login failed for SSH: 203.0.113.50");
    let families: Vec<Option<&str>> = ssh
        .iter()
        .map(|d| d.rule.guidance.as_ref().and_then(|g| g.family.as_deref()))
        .collect();
    assert!(families.len() >= 2, "{:?}", titles(&ssh));
    assert!(
        families.iter().all(|f| *f == Some("password-guessing")),
        "{families:?}"
    );
}

#[test]
fn edge_configuration_changes() {
    let detector = detector();
    assert!(
        titles(&detect(
            &detector,
            Format::Rtx,
            "'save' succeeded for SSH: 192.168.0.10"
        ))
        .contains(&"Router or UTM configuration changed")
    );
    let add = "date=2026-11-02 time=10:24:10 devname=\"FG60F\" logid=\"0100044546\" type=\"event\" subtype=\"system\" level=\"information\" logdesc=\"Object attribute configured\" user=\"admin\" ui=\"GUI(192.168.1.5)\" action=\"Add\" cfgpath=\"system.admin\" cfgobj=\"backdoor\" msg=\"Add system.admin backdoor\"";
    let found = titles(&detect(&detector, Format::Fortigate, add)).join("|");
    assert!(
        found.contains("New administrator account on a FortiGate"),
        "{found}"
    );
}

#[test]
fn port_scans_and_sweeps() {
    let detector = detector();
    let scan: Vec<String> = (0..20)
        .map(|p| {
            format!(
                "PP[01] Rejected at IN(2000) filter: TCP 198.51.100.7:41523 > 192.0.2.1:{}",
                1000 + p
            )
        })
        .collect();
    assert_eq!(
        correlate(&detector, Format::Rtx, &scan),
        ["Port scan from the internet"]
    );
    let sweep: Vec<String> = (0..10)
        .map(|h| {
            format!(
                "PP[01] Rejected at IN(2000) filter: TCP 198.51.100.7:41523 > 192.0.2.{}:445",
                10 + h
            )
        })
        .collect();
    assert_eq!(
        correlate(&detector, Format::Rtx, &sweep),
        ["Address sweep from the internet"]
    );
    let quiet: Vec<String> = (0..30)
        .map(|_| {
            "PP[01] Rejected at IN(2000) filter: TCP 198.51.100.7:41523 > 192.0.2.1:23".to_owned()
        })
        .collect();
    assert!(correlate(&detector, Format::Rtx, &quiet).is_empty());
}

#[test]
fn ids_antivirus_and_web_filter() {
    let detector = detector();
    let ips = "date=2026-11-02 time=10:19:00 devname=\"FG60F\" logid=\"0419016384\" type=\"utm\" subtype=\"ips\" eventtype=\"signature\" level=\"alert\" severity=\"critical\" srcip=203.0.113.99 srcport=51000 dstip=192.0.2.10 dstport=443 proto=6 action=\"dropped\" attack=\"Fortinet.FortiOS.SSL-VPN.Heap.Buffer.Overflow\" attackid=53328";
    assert_eq!(
        titles(&detect(&detector, Format::Fortigate, ips)),
        ["High-severity intrusion alert from a UTM or Suricata"]
    );
    let eve = r#"{"timestamp":"2026-11-02T10:15:40.000000+0900","event_type":"alert","src_ip":"198.51.100.99","src_port":33333,"dest_ip":"192.0.2.10","dest_port":3389,"proto":"TCP","alert":{"action":"allowed","signature_id":2023753,"signature":"ET SCAN MS Terminal Server Traffic on Non-standard Port","severity":3}}"#;
    let detections = detect(&detector, Format::Eve, eve);
    let found = titles(&detections);
    assert_eq!(found.len(), 1, "{found:?}");
    let virus = "date=2026-11-02 time=10:18:45 devname=\"FG60F\" logid=\"0211008192\" type=\"utm\" subtype=\"virus\" eventtype=\"infected\" level=\"warning\" srcip=93.184.216.34 srcport=80 dstip=192.168.1.22 dstport=50412 proto=6 service=\"HTTP\" action=\"blocked\" virus=\"EICAR_TEST_FILE\" dtype=\"Virus\"";
    assert_eq!(
        titles(&detect(&detector, Format::Fortigate, virus)),
        ["Virus blocked by the UTM"]
    );
    let web = "date=2026-11-02 time=10:20:15 devname=\"FG60F\" logid=\"0316013056\" type=\"utm\" subtype=\"webfilter\" eventtype=\"ftgd_blk\" level=\"warning\" srcip=192.168.1.31 srcport=52111 dstip=198.51.100.200 dstport=443 proto=6 service=\"HTTPS\" hostname=\"bad.example.net\" action=\"blocked\" cat=26 catdesc=\"Malicious Websites\" msg=\"URL belongs to a denied category in policy\"";
    assert_eq!(
        titles(&detect(&detector, Format::Fortigate, web)),
        ["Access to a malicious website blocked"]
    );
}

#[test]
fn ssh_brute_force_then_success() {
    let detector = detector();
    let mut lines: Vec<String> = (0..10)
        .map(|i| format!("<38>Nov  2 10:15:{i:02} web01 sshd[814]: Failed password for root from 203.0.113.5 port {} ssh2", 4000 + i))
        .collect();
    lines.push("<38>Nov  2 10:16:00 web01 sshd[820]: Accepted password for root from 203.0.113.5 port 4999 ssh2".to_owned());
    assert_eq!(
        correlate(&detector, Format::LinuxAuth, &lines),
        [
            "SSH brute force",
            "Successful login after repeated failures"
        ]
    );
    let single = detect(&detector, Format::LinuxAuth, &lines[0]);
    assert!(
        titles(&single).is_empty(),
        "single failures are not reported on their own"
    );
}

#[test]
fn journal_entries_from_the_agent_trip_the_same_rules() {
    let detector = detector();
    let lines: Vec<String> = (0..10)
        .map(|i| format!(r#"{{"__REALTIME_TIMESTAMP":"17145261{i:02}000000","_HOSTNAME":"pc-01","SYSLOG_IDENTIFIER":"sshd","_PID":"814","MESSAGE":"Failed password for root from 203.0.113.5 port {} ssh2"}}"#, 4000 + i))
        .collect();
    assert_eq!(
        correlate(&detector, Format::Journald, &lines),
        ["SSH brute force"]
    );
    let sudo = r#"{"__REALTIME_TIMESTAMP":"1714526133000000","_HOSTNAME":"pc-01","SYSLOG_IDENTIFIER":"sudo","MESSAGE":"alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/sbin/ufw disable"}"#;
    assert_eq!(
        titles(&detect(&detector, Format::Journald, sudo)),
        ["Firewall turned off on a Linux server"]
    );
}

#[test]
fn folded_repeats_count_as_the_failures_they_stand_for() {
    let detector = detector();
    let failed = "<38>Nov  2 10:15:00 web01 sshd[814]: Failed password for root from 203.0.113.5 port 4000 ssh2";
    let folded = "<38>Nov  2 10:15:01 web01 sshd[814]: message repeated 9 times: [ Failed password for root from 203.0.113.5 port 4000 ssh2]";
    let lines = [failed.to_owned(), folded.to_owned()];
    assert_eq!(
        correlate(&detector, Format::LinuxAuth, &lines),
        ["SSH brute force"],
        "one failure and nine folded ones are ten"
    );
    let unfolded = [failed.to_owned(), failed.to_owned()];
    assert!(correlate(&detector, Format::LinuxAuth, &unfolded).is_empty());
}

#[test]
fn linux_firewall_disabled() {
    let detector = detector();
    let line = "<85>Nov  2 10:15:39 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/sbin/ufw disable";
    assert_eq!(
        titles(&detect(&detector, Format::LinuxAuth, line)),
        ["Firewall turned off on a Linux server"]
    );
}

fn windows(channel: &str, event_id: u32, data: serde_json::Value) -> serde_json::Value {
    json!({"Event": {"System": {"Channel": channel, "EventID": event_id, "Computer": "pc01",
        "TimeCreated": {"#attributes": {"SystemTime": "2026-11-02T01:00:00Z"}}}, "EventData": data}})
}

#[test]
fn windows_endpoint_rules() {
    let detector = detector();
    let sysmon = "Microsoft-Windows-Sysmon/Operational";
    let cases = [
        (
            windows(
                sysmon,
                1,
                json!({"Image": "C:\\Windows\\System32\\netsh.exe", "CommandLine": "netsh advfirewall set allprofiles state off"}),
            ),
            "Windows firewall turned off from the command line",
        ),
        (
            windows(
                "Microsoft-Windows-Windows Defender/Operational",
                5001,
                json!({}),
            ),
            "Microsoft Defender protection turned off",
        ),
        (
            windows(
                "Security",
                4732,
                json!({"TargetSid": "S-1-5-32-544", "MemberSid": "S-1-5-21-1-2-3-1001"}),
            ),
            "New Windows account added to Administrators",
        ),
        (
            windows("Security", 4720, json!({"TargetUserName": "helpdesk2"})),
            "New user account created on Windows",
        ),
        (
            windows(
                sysmon,
                1,
                json!({"Image": "C:\\Windows\\System32\\vssadmin.exe", "CommandLine": "vssadmin.exe Delete Shadows /All /Quiet"}),
            ),
            "Shadow copies deleted",
        ),
    ];
    for (event, title) in cases {
        assert_eq!(titles(&detector.evaluate_json(&event)), [title]);
    }
}

#[test]
fn ransomware_like_mass_file_changes() {
    let detector = detector();
    let mut correlator = detector.correlator(CorrelatorConfig::default());
    let mut fired = Vec::new();
    for i in 0..500 {
        let event = windows(
            "Microsoft-Windows-Sysmon/Operational",
            11,
            json!({"Image": "C:\\Users\\a\\evil.exe", "TargetFilename": format!("C:\\Users\\a\\Documents\\{i}.docx.locked")}),
        );
        for detection in detector.evaluate_json(&event) {
            fired.extend(correlator.observe(&detection, at() + Duration::milliseconds(i * 50)));
        }
    }
    assert_eq!(fired.len(), 1);
    assert_eq!(
        fired[0].rule.title,
        "Mass file changes by one program (ransomware-like)"
    );
    assert_eq!(fired[0].value, Some(500.0));
    assert!(
        fired[0]
            .group
            .contains(&("Image".to_owned(), "C:\\Users\\a\\evil.exe".to_owned()))
    );
}

#[test]
fn a_third_party_rule_reads_in_plain_japanese_by_its_tactic() {
    // A SigmaHQ-style rule: an English title, ATT&CK tags, no `mamori:` block.
    let text = r#"
title: Shadow Copies Deletion Using Operating Systems Utilities
id: c947b146-0abc-4c87-9c64-b17e9d7274a2
status: test
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        CommandLine|contains|all:
            - shadows
            - delete
    condition: selection
level: high
tags:
    - attack.defense-evasion
    - attack.impact
    - attack.t1490
"#;
    let rules = vec![mamori_detect::RuleText {
        origin: "sigmahq:test".into(),
        text: text.into(),
    }];
    let (detector, reports) = Detector::compile(&rules, Mapping::builtin());
    assert!(
        reports.iter().all(|r| r.status == RuleStatus::Ok),
        "{reports:?}"
    );
    let found = detector.evaluate_json(&json!({
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "EventID": 1,
        "CommandLine": "vssadmin.exe delete shadows /all /quiet",
    }));
    assert_eq!(found.len(), 1, "{found:?}");
    let guidance = found[0]
        .rule
        .guidance
        .as_ref()
        .expect("words from the tactic");
    assert_eq!(guidance.title_ja, "データの破壊や暗号化につながる操作");
    assert!(guidance.action_ja.contains("運用事業者"));
    assert!(!guidance.action_en.is_empty());
}
