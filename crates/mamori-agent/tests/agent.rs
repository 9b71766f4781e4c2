//! The agent binary against a real `mamori serve` on loopback (SQLite, and PostgreSQL when
//! configured): it enrols with an organisation's token, reports its posture, and the
//! organisation (only it) sees the machine; a wrong token and a stopped server are told
//! plainly.

use std::path::Path;
use std::process::{Command, Output};

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
        let (status, body) = list(alpha.id.clone(), own).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["agents"][0]["posture"]["checks"]
                .as_array()
                .map(Vec::len),
            Some(8)
        );
        let (status, _) = list(alpha.id.clone(), other.clone()).await;
        assert_eq!(status, 404, "another organisation's owner sees nothing");
        let (status, body) = list(beta.id.clone(), other).await;
        assert_eq!(
            (status, body["agents"].as_array().map(Vec::len)),
            (200, Some(0))
        );

        // With the server gone, a heartbeat fails and says why.
        server.stop().await.unwrap();
        let failed = agent(args(&["run", "--once"], state.path())).await;
        assert!(!failed.status.success());
        let said = String::from_utf8_lossy(&failed.stderr);
        assert!(said.contains("cannot reach the server"), "{said}");
        db.cleanup().await;
    }
}
