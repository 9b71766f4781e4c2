//! The agent binary against a real `mamori serve` on loopback (SQLite, and PostgreSQL when
//! configured): it enrols with an organisation's token, reports its posture, and the
//! organisation (only it) sees the machine; a wrong token and a stopped server are told
//! plainly. Log lines it ships become events and alerts, and lines written while the server
//! is down reach it once it is back, each exactly once.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use mamori_model::{CheckId, Role, Scope};
use mamori_store::{Actor, NewOrganisation, NewUser, Store};
use mamori_testkit::TestDatabase;

/// Runs the agent binary with `args` off the async runtime, so the server keeps answering.
async fn agent(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_mamori-agent"))
            .args(&args)
            .output()
            .expect("the agent binary runs")
    })
    .await
    .expect("the agent finished")
}

fn args(list: &[&str], state: &Path) -> Vec<String> {
    list.iter()
        .map(|a| (*a).to_owned())
        .chain(["--state-dir".to_owned(), state.display().to_string()])
        .collect()
}

fn organisation(name: &str) -> NewOrganisation {
    NewOrganisation {
        name: name.to_owned(),
        industry: "E".parse().expect("industry"),
        employees: "6-20".parse().expect("band"),
        contact_email: String::new(),
    }
}

/// An owner of `org_id` and their API token.
async fn owner_token(store: &Store, org_id: &str, email: &str) -> String {
    let cli = Actor::cli();
    let user = store
        .create_user(
            &cli,
            NewUser {
                email: email.to_owned(),
                display_name: String::new(),
                role: Role::Owner,
                org_id: Some(org_id.to_owned()),
                password: Some("a long enough password".into()),
            },
        )
        .await
        .expect("owner");
    store
        .create_token(&cli, &user, "test")
        .await
        .expect("token")
        .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_enrols_reports_its_posture_and_only_its_organisation_sees_it() {
    for db in TestDatabase::all().await {
        let data_dir = db.data_dir.path().display().to_string();
        let server = mamori::serve::start_from(vec![
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &db.url,
            "--data-dir",
            &data_dir,
        ])
        .await
        .expect("start the server");
        let base = format!("http://{}", server.address);
        let store = server.store.clone();
        let cli = Actor::cli();
        let alpha = store
            .create_org(&cli, organisation("アルファ工業"))
            .await
            .unwrap();
        let beta = store
            .create_org(&cli, organisation("ベータ商事"))
            .await
            .unwrap();
        let alpha_store = store
            .org_store(&Scope::AllOrganisations, &alpha.id)
            .await
            .unwrap();
        let (token, _) = alpha_store
            .create_enrolment_token(&cli, 3600)
            .await
            .unwrap();
        let state = tempfile::tempdir().unwrap();

        // A wrong token is refused with the server's own words, and nothing is kept.
        let refused = agent(args(
            &[
                "enroll",
                "--server",
                &base,
                "--token",
                "mme_wrong",
                "--kind",
                "server",
            ],
            state.path(),
        ))
        .await;
        assert!(!refused.status.success());
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(said.contains("登録用トークンが正しくないか"), "{said}");
        assert!(!state.path().join("agent.json").exists());

        let enrolled = agent(args(
            &[
                "enroll", "--server", &base, "--token", &token, "--kind", "server",
            ],
            state.path(),
        ))
        .await;
        assert!(
            enrolled.status.success(),
            "on {}: {}",
            db.backend,
            String::from_utf8_lossy(&enrolled.stderr)
        );
        let once = agent(args(&["run", "--once"], state.path())).await;
        assert!(
            once.status.success(),
            "{}",
            String::from_utf8_lossy(&once.stderr)
        );

        // The organisation sees the machine, its posture and its inventory entry.
        let agents = alpha_store.agents().await.unwrap();
        assert_eq!(agents.len(), 1);
        let posture = agents[0].posture.as_ref().expect("a posture report");
        assert_eq!(posture.checks.len(), CheckId::ALL.len());
        assert!(posture.reporter.starts_with("mamori-agent "));
        assert!(agents[0].posture_at.is_some());
        let device = alpha_store
            .devices()
            .get(&agents[0].device_id)
            .await
            .unwrap()
            .expect("in the inventory");
        assert_eq!(device.name, agents[0].hostname);

        let http = reqwest::Client::new();
        let list = |org: String, token: String| {
            let http = http.clone();
            let url = format!("{base}/api/v1/orgs/{org}/agents");
            async move {
                let response = http.get(url).bearer_auth(token).send().await.unwrap();
                let status = response.status().as_u16();
                (
                    status,
                    response
                        .json::<serde_json::Value>()
                        .await
                        .unwrap_or_default(),
                )
            }
        };
        let own = owner_token(&store, &alpha.id, "owner@alpha.example").await;
        let other = owner_token(&store, &beta.id, "owner@beta.example").await;
        let (status, body) = list(alpha.id.clone(), own.clone()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["agents"][0]["posture"]["checks"]
                .as_array()
                .map(Vec::len),
            Some(8)
        );
        let (status, _) = list(alpha.id.clone(), other.clone()).await;
        assert_eq!(status, 404, "another organisation's owner sees nothing");
        let (status, body) = list(beta.id.clone(), other.clone()).await;
        assert_eq!(
            (status, body["agents"].as_array().map(Vec::len)),
            (200, Some(0))
        );

        // Retired over the API (only by its own organisation), the machine's heartbeats are
        // refused and it leaves the list.
        let retire = |org: String, token: String| {
            let http = http.clone();
            let url = format!("{base}/api/v1/orgs/{org}/agents/{}/retire", agents[0].id);
            async move {
                let response = http.post(url).bearer_auth(token).send().await.unwrap();
                response.status().as_u16()
            }
        };
        assert_eq!(retire(alpha.id.clone(), other.clone()).await, 404);
        assert_eq!(retire(alpha.id.clone(), own.clone()).await, 204);
        assert_eq!(
            retire(alpha.id.clone(), own.clone()).await,
            404,
            "retired once"
        );
        let (_, body) = list(alpha.id.clone(), own).await;
        assert_eq!(body["agents"].as_array().map(Vec::len), Some(0));
        let refused = agent(args(&["run", "--once"], state.path())).await;
        assert!(!refused.status.success());
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(said.contains("401"), "{said}");

        // With the server gone, a heartbeat fails and says why.
        server.stop().await.unwrap();
        let failed = agent(args(&["run", "--once"], state.path())).await;
        assert!(!failed.status.success());
        let said = String::from_utf8_lossy(&failed.stderr);
        assert!(said.contains("cannot reach the server"), "{said}");
        db.cleanup().await;
    }
}

/// Starts `mamori serve` on `listen` with the test database.
async fn serve(db: &TestDatabase, listen: &str) -> mamori::serve::Running {
    let data_dir = db.data_dir.path().display().to_string();
    mamori::serve::start_from(vec![
        "--listen",
        listen,
        "--database-url",
        &db.url,
        "--data-dir",
        &data_dir,
    ])
    .await
    .expect("start the server")
}

/// The agent running as a service would, until dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An sshd line as rsyslog writes it to the auth log, stamped now in Japan's time.
fn sshd_line(verb: &str, port: u16) -> String {
    let now = chrono::Utc::now().with_timezone(&mamori_model::JST);
    format!(
        "{} pc-07 sshd[{port}]: {verb} password for root from 203.0.113.9 port {port} ssh2\n",
        now.format("%b %e %H:%M:%S")
    )
}

fn append(path: &Path, lines: &[String]) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .expect("auth log");
    file.write_all(lines.concat().as_bytes()).expect("write");
}

/// Polls `probe` every quarter second until it answers `Some`, for at most `secs`.
async fn wait_for<T, F, Fut>(secs: u64, mut probe: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..secs * 4 {
        if let Some(found) = probe().await {
            return Some(found);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipped_lines_become_alerts_and_survive_a_server_outage() {
    for db in TestDatabase::all().await {
        let server = serve(&db, "127.0.0.1:0").await;
        let address = server.address.to_string();
        let base = format!("http://{address}");
        let store = server.store.clone();
        let cli = Actor::cli();
        let org = store
            .create_org(&cli, organisation("ガンマ製作所"))
            .await
            .unwrap();
        let org_store = store
            .org_store(&Scope::AllOrganisations, &org.id)
            .await
            .unwrap();
        let (token, _) = org_store.create_enrolment_token(&cli, 3600).await.unwrap();
        let owner = owner_token(&store, &org.id, "owner@gamma.example").await;
        let state = tempfile::tempdir().unwrap();
        let enrolled = agent(args(
            &[
                "enroll", "--server", &base, "--token", &token, "--kind", "pc",
            ],
            state.path(),
        ))
        .await;
        assert!(enrolled.status.success(), "{enrolled:?}");
        let auth_log = state.path().join("auth.log");
        std::fs::write(&auth_log, "an old line the agent must not ship\n").unwrap();
        let stderr = std::fs::File::create(state.path().join("agent.stderr")).unwrap();
        let mut run_args = args(&["run", "--logs"], state.path());
        run_args.insert(2, auth_log.display().to_string());
        let _agent = Running(
            Command::new(env!("CARGO_BIN_EXE_mamori-agent"))
                .args(&run_args)
                .stdout(Stdio::null())
                .stderr(stderr)
                .spawn()
                .expect("the agent runs"),
        );
        let said =
            || std::fs::read_to_string(state.path().join("agent.stderr")).unwrap_or_default();

        let http = reqwest::Client::new();
        let total = |query: &'static str| {
            let (http, owner) = (http.clone(), owner.clone());
            let url = format!(
                "{base}/api/v1/orgs/{}/events?from=0&limit=1&{query}",
                org.id
            );
            async move {
                let response = http.get(url).bearer_auth(owner).send().await.ok()?;
                let body: serde_json::Value = response.json().await.ok()?;
                body["total"].as_i64()
            }
        };

        // The agent reads the log from its end once it is running, so wait for its first
        // heartbeat (which names what it follows) before writing.
        let following = wait_for(60, || async {
            let agents = org_store.agents().await.ok()?;
            agents.first()?.logs.clone()
        })
        .await
        .unwrap_or_else(|| panic!("no heartbeat on {}: {}", db.backend, said()));
        assert_eq!(following.source, auth_log.display().to_string());

        // Ten failed sign-ins from one address within a minute: an SSH brute force.
        let failures: Vec<String> = (0..10).map(|i| sshd_line("Failed", 41000 + i)).collect();
        append(&auth_log, &failures);
        let stored = wait_for(60, || async { (total("").await? >= 10).then_some(()) }).await;
        assert!(
            stored.is_some(),
            "on {}: {:?} events; agent said: {}",
            db.backend,
            total("").await,
            said()
        );
        let failed = total("action=login_failure").await;
        let alert = wait_for(60, || async {
            let url = format!("{base}/api/v1/orgs/{}/alerts", org.id);
            let response = http.get(url).bearer_auth(&owner).send().await.ok()?;
            let body: serde_json::Value = response.json().await.ok()?;
            body["alerts"]
                .as_array()?
                .iter()
                .find(|a| a["rule_title"] == "SSH brute force")
                .cloned()
        })
        .await
        .unwrap_or_else(|| panic!("no alert on {}: {failed:?} failures stored", db.backend));
        assert_eq!(alert["org_id"], org.id.as_str());
        assert_eq!(alert["title"], "SSHへのパスワード総当たり攻撃");
        assert_eq!(alert["events"], 10);
        assert_eq!(total("").await, Some(10), "only the new lines were shipped");

        // The server goes away; what is written meanwhile waits on the machine.
        server.stop().await.unwrap();
        let later: Vec<String> = (0..5).map(|i| sshd_line("Accepted", 42000 + i)).collect();
        append(&auth_log, &later);
        let log_len = std::fs::metadata(&auth_log).unwrap().len();
        let buffered = wait_for(30, || async {
            let kept = std::fs::read(state.path().join("auth.log.position")).ok()?;
            let kept: serde_json::Value = serde_json::from_slice(&kept).ok()?;
            (kept["offset"].as_u64() == Some(log_len)).then_some(())
        })
        .await;
        assert!(
            buffered.is_some(),
            "the agent did not take the lines: {}",
            said()
        );
        assert!(said().contains("cannot ship logs"), "{}", said());

        // Back on the same address: every line arrives, none twice.
        let server = serve(&db, &address).await;
        let arrived = wait_for(120, || async { (total("").await? == 15).then_some(()) }).await;
        assert!(
            arrived.is_some(),
            "on {}: {:?} events; agent said: {}",
            db.backend,
            total("").await,
            said()
        );
        assert_eq!(total("action=login").await, Some(5));
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(total("").await, Some(15), "no line was sent twice");
        server.stop().await.unwrap();
        db.cleanup().await;
    }
}
