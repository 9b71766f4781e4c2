//! Windows events through the real ingest paths of the `mamori` binary: Fluent Bit's and
//! Winlogbeat's JSON posted to the ingest API with a source's token, NXLog's JSON lines over
//! syslog TCP from a registered address. The Sigma project's regression cases, converted into
//! each shipper's shape, raise exactly the SigmaHQ detections that `mamori scan` finds in the
//! cases' `.evtx` files, stored for their organisation only.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use crate::common::server::{send_acknowledged, start_with};
use crate::common::tenants::{org, owner_token};
use mamori_store::{Actor, NewSource, SourceIdentity, Store};
use mamori_testkit::TestDatabase;
use mamori_testkit::windows::Shipper;
use serde_json::Value;

/// `MAMORI_SIGMA_DATA`, or the shared data beside the workspace.
fn sigma_data() -> PathBuf {
    std::env::var_os("MAMORI_SIGMA_DATA").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/sigma"
            ))
        },
        PathBuf::from,
    )
}

/// Every fifteenth Windows regression case in a stable order: its `.evtx` file and the
/// events the JSON beside it renders from that file.
fn cases(data: &std::path::Path) -> Vec<(PathBuf, Vec<Value>)> {
    let mut files = Vec::new();
    let mut dirs = vec![data.join("regression_data/rules/windows")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("regression data").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .iter()
        .step_by(15)
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("case");
            let events = serde_json::Deserializer::from_str(&text)
                .into_iter::<Value>()
                .map_while(Result::ok)
                .collect();
            (f.with_extension("evtx"), events)
        })
        .collect()
}

/// The rules `mamori scan` finds in `files` with the rules of `rules`.
fn scanned(rules: &std::path::Path, files: &[&PathBuf]) -> BTreeSet<String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mamori"))
        .arg("scan")
        .arg("--rules")
        .arg(rules)
        .args(files)
        .output()
        .expect("mamori scan runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|d| d["rule_id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipped_windows_events_raise_the_detections_their_evtx_raises() {
    let data = sigma_data();
    assert!(
        data.join("regression_data").is_dir() || std::env::var_os("CI").is_none(),
        "the Sigma data is absent in CI: {}",
        data.display()
    );
    if !data.join("regression_data").is_dir() {
        eprintln!("windows flow: skipped, {} is absent", data.display());
        return;
    }
    let rules_dir = data.join("rules/windows");
    let cases = cases(&data);
    assert!(cases.len() >= 6, "{} cases", cases.len());
    let evtx: Vec<&PathBuf> = cases
        .iter()
        .map(|(f, _)| f)
        .filter(|f| f.is_file())
        .collect();
    assert_eq!(evtx.len(), cases.len(), "every case has its .evtx");
    let expected = scanned(&rules_dir, &evtx);
    assert!(expected.len() >= 6, "the cases fire {expected:?}");

    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let company = store
            .create_org(&cli, org("ウィンドウズ商会"))
            .await
            .unwrap();
        let other = store.create_org(&cli, org("となりの会社")).await.unwrap();
        let source = |name: &str, identity| NewSource {
            org_id: company.id.clone(),
            name: name.to_owned(),
            format: "windows".into(),
            json_mapping: None,
            identity,
            expected_interval_secs: 86_400,
        };
        let (_, token) = store
            .create_source(&cli, source("経理のパソコン", SourceIdentity::Token))
            .await
            .unwrap();
        let token = token.expect("a token source has a token");
        store
            .create_source(
                &cli,
                source(
                    "ファイルサーバー",
                    SourceIdentity::Address("127.0.0.1".into()),
                ),
            )
            .await
            .unwrap();
        let owner = owner_token(&store, &company.id, "owner@windows.example").await;
        let neighbour = owner_token(&store, &other.id, "owner@tonari.example").await;
        store.close().await;

        let rules = rules_dir.display().to_string();
        let mut server = start_with(&db, &["--rules", &rules]);
        let http = reqwest::Client::new();
        let mut nxlog_lines = Vec::new();
        for (i, (_, events)) in cases.iter().enumerate() {
            let shipper = Shipper::ALL[i % 3];
            let mut lines: Vec<Value> = events.iter().filter_map(|e| shipper.render(e)).collect();
            match shipper {
                Shipper::Nxlog => {
                    nxlog_lines.extend(lines.iter().map(|l| format!("{l}\n")));
                    continue;
                }
                // Fluent Bit's json_lines output adds the record's time under `date`.
                Shipper::FluentBit => {
                    for line in &mut lines {
                        line["date"] = Value::from(1_714_526_130.5);
                    }
                }
                Shipper::Winlogbeat => {}
            }
            let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
            let answer: Value = http
                .post(format!("{}/api/v1/ingest", server.web))
                .bearer_auth(&token)
                .body(body)
                .send()
                .await
                .expect("ingest")
                .json()
                .await
                .expect("json answer");
            assert_eq!(answer["rejected"], Value::Array(vec![]), "{answer}");
        }
        send_acknowledged(server.syslog, &nxlog_lines);

        let detections = |org_id: &str, token: &str| {
            let request = http
                .get(format!(
                    "{}/api/v1/orgs/{org_id}/detections?from=2000-01-01&limit=500",
                    server.web
                ))
                .bearer_auth(token);
            async move {
                let answer = request.send().await.expect("detections");
                answer.json::<Value>().await.expect("json")
            }
        };
        let mut seen = BTreeSet::new();
        for _ in 0..240 {
            let body = detections(&company.id, &owner).await;
            seen = body["detections"]
                .as_array()
                .into_iter()
                .flatten()
                // mamori's own pack may add its rules (a failed sign-in, say); only the
                // SigmaHQ rules are compared.
                .filter(|d| {
                    !d["details"]["origin"]
                        .as_str()
                        .is_some_and(|o| o.starts_with("mamori:"))
                })
                .filter_map(|d| d["rule_id"].as_str().map(str::to_owned))
                .collect();
            if seen.is_superset(&expected) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(seen, expected, "on {}", db.backend);

        // The neighbour sees none of it.
        let theirs = detections(&other.id, &neighbour).await;
        assert_eq!(theirs["total"], 0, "{theirs}");
        server.child.kill().expect("stop mamori");
        let _ = server.child.wait();
        db.cleanup().await;
    }
}
