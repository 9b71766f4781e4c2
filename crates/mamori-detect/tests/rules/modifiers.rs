//! Every Sigma modifier and condition form, through mamori's detector: each case is a rule
//! body, an event that must match and an event that must not.

use mamori_detect::{Detector, Mapping, RuleStatus, RuleText};
use serde_json::{Value, json};

fn detector_for(detection: &str, mapping: Mapping) -> Detector {
    let text = format!(
        "title: case\nid: case\nlogsource:\n    product: test\ndetection:\n{detection}\nlevel: high\n"
    );
    let mapping_text = "logsources:\n  - product: test\n    when: {kind: [test]}\n";
    let mut base = Mapping::from_yaml("test", mapping_text).expect("mapping");
    base.merge(&mapping).expect("merge");
    let (detector, reports) = Detector::compile(
        &[RuleText {
            origin: "case".into(),
            text,
        }],
        base,
    );
    assert_eq!(reports[0].status, RuleStatus::Ok, "{detection}");
    detector
}

fn fires(detector: &Detector, mut event: Value) -> bool {
    event["kind"] = json!("test");
    !detector.evaluate_json(&event).is_empty()
}

fn case(detection: &str, hit: Value, miss: Value) {
    let detector = detector_for(detection, Mapping::default());
    assert!(
        fires(&detector, hit.clone()),
        "should match: {detection} on {hit}"
    );
    assert!(
        !fires(&detector, miss.clone()),
        "should not match: {detection} on {miss}"
    );
}

#[test]
fn plain_values_are_case_insensitive_and_cased_is_not() {
    case(
        "    s: {Image: 'C:\\Evil.exe'}\n    condition: s",
        json!({"Image": "c:\\evil.EXE"}),
        json!({"Image": "c:\\evil.exe2"}),
    );
    case(
        "    s: {Image|cased: 'Evil'}\n    condition: s",
        json!({"Image": "Evil"}),
        json!({"Image": "evil"}),
    );
}

#[test]
fn contains_startswith_endswith_and_wildcards() {
    case(
        "    s: {CommandLine|contains: 'mimikatz'}\n    condition: s",
        json!({"CommandLine": "run MimiKatz now"}),
        json!({"CommandLine": "mimi katz"}),
    );
    case(
        "    s: {CommandLine|startswith: 'cmd'}\n    condition: s",
        json!({"CommandLine": "CMD /c"}),
        json!({"CommandLine": "x cmd"}),
    );
    case(
        "    s: {CommandLine|endswith: '.ps1'}\n    condition: s",
        json!({"CommandLine": "a.PS1"}),
        json!({"CommandLine": "a.ps1x"}),
    );
    case(
        "    s: {CommandLine: 'a?c*z'}\n    condition: s",
        json!({"CommandLine": "abcxyz"}),
        json!({"CommandLine": "acxyz"}),
    );
    case(
        "    s: {CommandLine: 'a\\*b'}\n    condition: s",
        json!({"CommandLine": "a*b"}),
        json!({"CommandLine": "axb"}),
    );
}

#[test]
fn lists_and_all() {
    case(
        "    s: {CommandLine|contains: [foo, bar]}\n    condition: s",
        json!({"CommandLine": "xbar"}),
        json!({"CommandLine": "baz"}),
    );
    case(
        "    s: {CommandLine|contains|all: [foo, bar]}\n    condition: s",
        json!({"CommandLine": "foo bar"}),
        json!({"CommandLine": "foo"}),
    );
    case(
        "    s:\n        - {A: 1}\n        - {B: 2}\n    condition: s",
        json!({"B": 2}),
        json!({"A": 2}),
    );
}

#[test]
fn keywords() {
    case(
        "    keywords: [mimikatz, 'sekurlsa::']\n    condition: keywords",
        json!({"x": {"y": "use SEKURLSA::logonpasswords"}}),
        json!({"x": "clean"}),
    );
}

#[test]
fn base64_and_base64offset() {
    // "whoami" in base64 at each of the three offsets.
    case(
        "    s: {CommandLine|base64: 'whoami'}\n    condition: s",
        json!({"CommandLine": "d2hvYW1p"}),
        json!({"CommandLine": "whoami"}),
    );
    for encoded in ["d2hvYW1p", "dob2Fta", "3aG9hbW"] {
        case(
            "    s: {CommandLine|base64offset|contains: 'whoami'}\n    condition: s",
            json!({"CommandLine": format!("-enc {encoded}")}),
            json!({"CommandLine": "-enc AAAA"}),
        );
    }
}

#[test]
fn utf16_encodings() {
    use base64::Engine;
    let le: Vec<u8> = "cmd".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(le);
    case(
        "    s: {CommandLine|wide|base64: 'cmd'}\n    condition: s",
        json!({"CommandLine": encoded.clone()}),
        json!({"CommandLine": "Y21k"}),
    );
    case(
        "    s: {CommandLine|utf16le|base64: 'cmd'}\n    condition: s",
        json!({"CommandLine": encoded}),
        json!({"CommandLine": "Y21k"}),
    );
    let be: Vec<u8> = "cmd".encode_utf16().flat_map(u16::to_be_bytes).collect();
    case(
        "    s: {CommandLine|utf16be|base64: 'cmd'}\n    condition: s",
        json!({"CommandLine": base64::engine::general_purpose::STANDARD.encode(be)}),
        json!({"CommandLine": "Y21k"}),
    );
    let bom: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("cmd".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    case(
        "    s: {CommandLine|utf16|base64: 'cmd'}\n    condition: s",
        json!({"CommandLine": base64::engine::general_purpose::STANDARD.encode(bom)}),
        json!({"CommandLine": "Y21k"}),
    );
}

#[test]
fn windash() {
    let rule = "    s: {CommandLine|windash|contains: ' -exec bypass'}\n    condition: s";
    for dash in ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"] {
        case(
            rule,
            json!({"CommandLine": format!("powershell {dash}exec bypass")}),
            json!({"CommandLine": "powershell +exec bypass"}),
        );
    }
}

#[test]
fn regular_expressions_and_flags() {
    case(
        "    s: {CommandLine|re: '^a.c$'}\n    condition: s",
        json!({"CommandLine": "abc"}),
        json!({"CommandLine": "ABC"}),
    );
    case(
        "    s: {CommandLine|re|i: '^a.c$'}\n    condition: s",
        json!({"CommandLine": "ABC"}),
        json!({"CommandLine": "abbc"}),
    );
    case(
        "    s: {CommandLine|re|m: '^second$'}\n    condition: s",
        json!({"CommandLine": "first\nsecond"}),
        json!({"CommandLine": "first second"}),
    );
    case(
        "    s: {CommandLine|re|s: 'a.b'}\n    condition: s",
        json!({"CommandLine": "a\nb"}),
        json!({"CommandLine": "ab"}),
    );
}

#[test]
fn cidr() {
    case(
        "    s: {src_ip|cidr: ['10.0.0.0/8', '2001:db8::/32']}\n    condition: s",
        json!({"src_ip": "10.1.2.3"}),
        json!({"src_ip": "11.0.0.1"}),
    );
    case(
        "    s: {src_ip|cidr: '2001:db8::/32'}\n    condition: s",
        json!({"src_ip": "2001:db8::5"}),
        json!({"src_ip": "2001:db9::5"}),
    );
}

#[test]
fn numeric_comparisons() {
    case(
        "    s: {Count|lt: 5}\n    condition: s",
        json!({"Count": 4}),
        json!({"Count": 5}),
    );
    case(
        "    s: {Count|lte: 5}\n    condition: s",
        json!({"Count": 5}),
        json!({"Count": 6}),
    );
    case(
        "    s: {Count|gt: 5}\n    condition: s",
        json!({"Count": "6"}),
        json!({"Count": 5}),
    );
    case(
        "    s: {Count|gte: 5}\n    condition: s",
        json!({"Count": 5.0}),
        json!({"Count": 4.9}),
    );
    case(
        "    s: {Count: 5}\n    condition: s",
        json!({"Count": 5}),
        json!({"Count": 6}),
    );
}

#[test]
fn exists_null_and_empty() {
    case(
        "    s: {User|exists: true}\n    condition: s",
        json!({"User": ""}),
        json!({"Other": 1}),
    );
    case(
        "    s: {User|exists: false}\n    condition: s",
        json!({"Other": 1}),
        json!({"User": "x"}),
    );
    case(
        "    s: {User: null}\n    condition: s",
        json!({"Other": 1}),
        json!({"User": "x"}),
    );
    case(
        "    s: {User: ''}\n    condition: s",
        json!({"User": ""}),
        json!({"User": "x"}),
    );
}

#[test]
fn fieldref() {
    case(
        "    s: {SourceUser|fieldref: TargetUser}\n    condition: s",
        json!({"SourceUser": "a", "TargetUser": "a"}),
        json!({"SourceUser": "a", "TargetUser": "b"}),
    );
}

#[test]
fn expand_uses_configured_placeholders() {
    let mapping = Mapping::from_yaml("p", "placeholders:\n  admins: [root, Administrator]\n")
        .expect("mapping");
    let detector = detector_for(
        "    s: {User|expand: '%admins%'}\n    condition: s",
        mapping,
    );
    assert!(fires(&detector, json!({"User": "administrator"})));
    assert!(!fires(&detector, json!({"User": "guest"})));
    let text = "title: x\nlogsource: {product: test}\ndetection:\n    s: {User|expand: '%unknown%'}\n    condition: s\n";
    let mapping = Mapping::from_yaml(
        "test",
        "logsources:\n  - product: test\n    when: {kind: [test]}\n",
    )
    .expect("mapping");
    let (_, reports) = Detector::compile(
        &[RuleText {
            origin: "x".into(),
            text: text.into(),
        }],
        mapping,
    );
    assert!(
        matches!(&reports[0].status, RuleStatus::Unsupported(why) if why.contains("%unknown%"))
    );
}

#[test]
fn condition_forms() {
    let sels = "    sel_a: {A: 1}\n    sel_b: {B: 1}\n    filter_c: {C: 1}\n";
    case(
        &format!("{sels}    condition: sel_a and not filter_c"),
        json!({"A": 1}),
        json!({"A": 1, "C": 1}),
    );
    case(
        &format!("{sels}    condition: (sel_a or sel_b) and not filter_c"),
        json!({"B": 1}),
        json!({"C": 1, "B": 1}),
    );
    case(
        &format!("{sels}    condition: 1 of sel_*"),
        json!({"B": 1}),
        json!({"C": 1}),
    );
    case(
        &format!("{sels}    condition: all of sel_*"),
        json!({"A": 1, "B": 1}),
        json!({"A": 1}),
    );
    case(
        &format!("{sels}    condition: 1 of them"),
        json!({"C": 1}),
        json!({"D": 1}),
    );
    case(
        &format!("{sels}    condition: all of them"),
        json!({"A": 1, "B": 1, "C": 1}),
        json!({"A": 1, "B": 1}),
    );
    case(
        &format!("{sels}    condition: 1 of sel_* and not 1 of filter_*"),
        json!({"A": 1}),
        json!({"A": 1, "C": 1}),
    );
    case(
        &format!("{sels}    condition: not (sel_a or sel_b)"),
        json!({"C": 1}),
        json!({"A": 1}),
    );
    case(
        "    sel_x_1: {A: 1}\n    sel_x_2: {B: 1}\n    sel_y: {C: 1}\n    condition: all of sel_x_* or (1 of sel_y and not 1 of sel_x_*)",
        json!({"C": 1}),
        json!({"A": 1, "C": 1}),
    );
    case(
        &format!("{sels}    condition:\n        - sel_a and sel_b\n        - filter_c"),
        json!({"C": 1}),
        json!({"A": 1}),
    );
}

#[test]
fn filters_silence_targeted_rules() {
    let rule = "title: r\nid: rule-1\nlogsource: {product: test}\ndetection:\n    s: {A: 1}\n    condition: s\n";
    let filter = "title: f\nlogsource: {product: test}\nfilter:\n    rules: [rule-1]\n    selection: {Host: backup01}\n    condition: selection\n";
    let mapping = Mapping::from_yaml(
        "test",
        "logsources:\n  - product: test\n    when: {kind: [test]}\n",
    )
    .expect("mapping");
    let texts = [
        RuleText {
            origin: "r".into(),
            text: rule.into(),
        },
        RuleText {
            origin: "f".into(),
            text: filter.into(),
        },
    ];
    let (detector, reports) = Detector::compile(&texts, mapping);
    assert!(
        reports.iter().all(|r| r.status == RuleStatus::Ok),
        "{reports:?}"
    );
    assert!(fires(&detector, json!({"A": 1, "Host": "pc01"})));
    assert!(!fires(&detector, json!({"A": 1, "Host": "backup01"})));
}

#[test]
fn broken_rules_are_reported_not_skipped() {
    let texts = [
        RuleText { origin: "bad-yaml".into(), text: "title: [unclosed".into() },
        RuleText { origin: "bad-cond".into(), text: "title: x\nlogsource: {product: windows}\ndetection:\n    s: {A: 1}\n    condition: s and\n".into() },
        RuleText { origin: "no-map".into(), text: "title: y\nlogsource: {product: plan9}\ndetection:\n    s: {A: 1}\n    condition: s\n".into() },
    ];
    let (detector, reports) = Detector::compile(&texts, Mapping::builtin());
    assert_eq!(detector.rule_count(), 0);
    assert!(
        reports
            .iter()
            .any(|r| r.origin == "bad-yaml" && matches!(r.status, RuleStatus::Invalid(_)))
    );
    assert!(
        reports
            .iter()
            .any(|r| r.origin == "bad-cond" && matches!(r.status, RuleStatus::Invalid(_)))
    );
    assert!(reports.iter().any(|r| r.origin == "no-map"
        && matches!(&r.status, RuleStatus::Unsupported(w) if w.contains("plan9"))));
}
