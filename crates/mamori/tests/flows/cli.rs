//! The `mamori` binary as scripts use it: administration commands, `serve` with graceful
//! shutdown, and the offline tools' output and exit codes.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

use mamori_testkit::TestDatabase;
use serde_json::Value;

fn mamori() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mamori"))
}

/// Runs `mamori ARGS` with `stdin` as standard input.
fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = mamori()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mamori");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("mamori finishes")
}

fn stdout_line(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[tokio::test]
async fn admin_commands_then_serve_and_stop_gracefully() {
    for db in TestDatabase::all().await {
        let data_dir = db.data_dir.path().to_str().unwrap().to_owned();
        let storage: Vec<String> = match db.backend {
            "sqlite" => vec!["--data-dir".into(), data_dir.clone()],
            _ => vec!["--database-url".into(), db.url.clone()],
        };
        let with = |args: &[&str]| -> Vec<String> {
            args.iter()
                .map(|s| s.to_string())
                .chain(storage.iter().cloned())
                .collect()
        };
        let call = |args: &[&str], stdin: &str| {
            let full = with(args);
            run(&full.iter().map(String::as_str).collect::<Vec<_>>(), stdin)
        };

        let setup = call(
            &[
                "admin",
                "setup",
                "--provider",
                "守りサービス",
                "--email",
                "admin@mamori.example",
            ],
            "admin password 123\n",
        );
        assert!(
            setup.status.success(),
            "{}",
            String::from_utf8_lossy(&setup.stderr)
        );
        let again = call(
            &[
                "admin",
                "setup",
                "--provider",
                "x",
                "--email",
                "x@mamori.example",
            ],
            "admin password 123\n",
        );
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("already"));

        let org = stdout_line(&call(
            &[
                "admin",
                "create-org",
                "--name",
                "アルファ工業",
                "--industry",
                "E",
                "--employees",
                "6-20",
            ],
            "",
        ));
        assert_eq!(org.len(), 36, "an id on stdout, got {org}");

        // The basic policy from the command line: a missing parameter is exit 2 with its
        // name, never a document with a blank in it.
        let out_dir = tempfile::tempdir().unwrap();
        let pdf = out_dir.path().join("policy.pdf");
        let pdf_arg = pdf.to_str().unwrap();
        let missing = call(
            &[
                "docs", "generate", "--org", &org, "--kind", "policy", "--format", "pdf", "-o",
                pdf_arg,
            ],
            "",
        );
        assert_eq!(missing.status.code(), Some(2), "{missing:?}");
        let why = String::from_utf8_lossy(&missing.stderr);
        assert!(why.contains("representative_name"), "{why}");
        assert!(!pdf.exists(), "nothing written");
        let written = call(
            &[
                "docs",
                "generate",
                "--org",
                &org,
                "--kind",
                "policy",
                "--format",
                "pdf",
                "-o",
                pdf_arg,
                "--set",
                "representative_title=代表取締役",
                "--set",
                "representative_name=山田 太郎",
                "--set",
                "established_on=2026-04-01",
                "--set",
                "scope=customer",
            ],
            "",
        );
        assert!(
            written.status.success(),
            "{}",
            String::from_utf8_lossy(&written.stderr)
        );
        assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
        let params = run(&["docs", "params", "--kind", "policy"], "");
        let listed = String::from_utf8_lossy(&params.stdout);
        assert!(
            params.status.success() && listed.contains("established_on"),
            "{listed}"
        );
        let bad = call(
            &[
                "admin",
                "create-org",
                "--name",
                "x",
                "--industry",
                "Z",
                "--employees",
                "6-20",
            ],
            "",
        );
        assert_eq!(bad.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&bad.stderr).contains("A-T"));

        stdout_line(&call(
            &[
                "admin",
                "create-user",
                "--org",
                &org,
                "--role",
                "owner",
                "--email",
                "owner@alpha.example",
            ],
            "owner password 1\n",
        ));
        stdout_line(&call(
            &[
                "admin",
                "create-user",
                "--provider",
                "--role",
                "analyst",
                "--email",
                "analyst@mamori.example",
            ],
            "analyst password\n",
        ));
        let mismatch = call(
            &[
                "admin",
                "create-user",
                "--provider",
                "--role",
                "owner",
                "--email",
                "o2@mamori.example",
            ],
            "owner password 2\n",
        );
        assert!(!mismatch.status.success());
        let token = stdout_line(&call(
            &["admin", "create-token", "--email", "owner@alpha.example"],
            "",
        ));
        assert!(token.starts_with("mmr_"));

        // Serve the same database on a random port and use the token.
        let serve_args = with(&["serve", "--listen", "127.0.0.1:0"]);
        let mut server = mamori()
            .args(&serve_args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start server");
        let mut lines = BufReader::new(server.stderr.take().expect("stderr")).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("server printed its address")
                .expect("readable stderr");
            if let Some(rest) = line.strip_prefix("mamori is running at ") {
                break rest.trim_end_matches('/').to_owned();
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        let orgs: Value = reqwest::Client::new()
            .get(format!("{base}/api/v1/orgs"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(orgs["orgs"][0]["id"], org.as_str());
        assert_eq!(orgs["orgs"].as_array().unwrap().len(), 1);

        let killed = Command::new("kill")
            .args(["-TERM", &server.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = server.wait().unwrap();
        assert!(status.success(), "graceful shutdown exits 0, got {status}");
        db.cleanup().await;
    }
}

#[test]
fn diagnose_scores_an_answer_file_and_names_bad_items() {
    let dir = tempfile::tempdir().unwrap();
    let answers: String = (1..=25)
        .map(|n| format!("\"{n}\" = \"{}\"\n", if n <= 5 { "yes" } else { "partial" }))
        .collect();
    let file = dir.path().join("answers.toml");
    std::fs::write(&file, answers).unwrap();
    let output = run(
        &[
            "diagnose",
            "--answers",
            file.to_str().unwrap(),
            "--format",
            "json",
        ],
        "",
    );
    let result: Value = serde_json::from_str(&stdout_line(&output)).unwrap();
    assert_eq!(result["total"], 20 + 2 * 20);
    assert_eq!(result["parts"][0]["id"], "basic");
    assert_eq!(result["parts"][0]["score"], 20);
    assert_eq!(result["parts"][0]["max"], 20);
    assert_eq!(result["problems"].as_array().unwrap().len(), 20);
    assert!(result["unknown"].as_array().unwrap().is_empty());

    std::fs::write(&file, "\"26\" = \"yes\"\n").unwrap();
    let bad = run(&["diagnose", "--answers", file.to_str().unwrap()], "");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("26"));
}

#[test]
fn parse_reports_failures_by_line_and_exit_code() {
    let good = run(
        &["parse", "--format", "rtx"],
        "[INSPECT] LAN2[out][101100] TCP 192.168.0.5:51234 > 203.0.113.9:443 (2020/01/23 14:12:42)\n",
    );
    let event: Value = serde_json::from_str(&stdout_line(&good)).unwrap();
    assert_eq!(event["dst_port"], 443);
    let mixed = run(
        &["parse", "--format", "eve"],
        "{\"event_type\":\"dns\",\"timestamp\":\"2026-11-01T00:00:00Z\"}\nnot json\n",
    );
    assert_eq!(mixed.status.code(), Some(1));
    let said = String::from_utf8_lossy(&mixed.stderr);
    assert!(said.contains("line 2"));
    assert!(
        said.contains("lines 2, parsed 1 (envelope only 0), failed 1"),
        "{said}"
    );
    // --stats: only the summary; auto counts what it could only read as an envelope.
    let stats = run(
        &["parse", "--stats"],
        "<38>May  1 10:15:32 web01 sshd[814]: Failed password for root from 203.0.113.5 port 4444 ssh2\nhello world\n",
    );
    assert_eq!(stats.status.code(), Some(0));
    assert!(stats.stdout.is_empty(), "no events with --stats");
    assert!(
        String::from_utf8_lossy(&stats.stderr)
            .contains("lines 2, parsed 2 (envelope only 1), failed 0")
    );
    let usage = run(&["parse", "--format", "nonsense"], "");
    assert_eq!(usage.status.code(), Some(2));
}
