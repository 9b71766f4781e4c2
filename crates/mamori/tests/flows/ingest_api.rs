//! HTTP ingest and event search through the real web server on every backend: a source's
//! token sends gzip NDJSON, bad lines are reported, accepted ones are stored, and each
//! organisation's token sees its own events only.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use crate::common::tenants::{org, owner_token};
use mamori_ingest::queue::QueueConfig;
use mamori_ingest::{IngestSettings, RunningIngest};
use mamori_model::Role;
use mamori_store::{Actor, NewSource, NewUser, SourceIdentity, Store};
use mamori_testkit::TestDatabase;
use serde_json::Value;

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(text.as_bytes()).expect("compress");
    encoder.finish().expect("compress")
}

#[tokio::test]
async fn http_ingest_and_tenant_scoped_search() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let a = store.create_org(&cli, org("alpha")).await.expect("org a");
        let b = store.create_org(&cli, org("beta")).await.expect("org b");
        let (_, source_token) = store
            .create_source(
                &cli,
                NewSource {
                    org_id: a.id.clone(),
                    name: "Microsoft 365".into(),
                    format: "json".into(),
                    json_mapping: None,
                    identity: SourceIdentity::Token,
                    expected_interval_secs: 3600,
                },
            )
            .await
            .expect("source");
        let source_token = source_token.expect("token shown once");
        let token_a = owner_token(&store, &a.id, "owner@alpha.example").await;
        let token_b = owner_token(&store, &b.id, "owner@beta.example").await;

        let ingest = RunningIngest::start(
            store.clone(),
            IngestSettings {
                queue: QueueConfig::new(db.data_dir.path().join("queue")),
                udp: None,
                tcp: None,
                tls: None,
                max_message: mamori_ingest::listen::MAX_MESSAGE,
            },
            None,
        )
        .await
        .expect("ingest");
        let state = mamori_web::AppState::new(store.clone(), mamori_web::WebSettings::default())
            .expect("templates")
            .with_ingest(ingest.handle.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(mamori_web::serve(listener, state, async {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::new();

        let body = "{\"timestamp\":\"2024-05-01T10:15:30+09:00\",\"action\":\"login_failure\",\"user\":\"taro\",\"src_ip\":\"203.0.113.5\"}\nnot json\n{\"message\":\"sign-in ok\",\"action\":\"login\"}\n";
        let answer: Value = http
            .post(format!("{base}/api/v1/ingest"))
            .bearer_auth(&source_token)
            .header("content-encoding", "gzip")
            .body(gzip(body))
            .send()
            .await
            .expect("ingest request")
            .json()
            .await
            .expect("json");
        assert_eq!(answer["accepted"], 2, "{answer} on {}", db.backend);
        assert_eq!(answer["rejected"][0]["line"], 2);
        let forged = http
            .post(format!("{base}/api/v1/ingest"))
            .bearer_auth("mms_forged")
            .body("{}")
            .send()
            .await
            .expect("request");
        assert_eq!(forged.status(), 401);
        // An encoding mamori cannot read is refused as such, in the caller's language.
        let brotli = http
            .post(format!("{base}/api/v1/ingest"))
            .bearer_auth(&source_token)
            .header("content-encoding", "br")
            .header("accept-language", "ja")
            .body("{}")
            .send()
            .await
            .expect("request");
        assert_eq!(brotli.status(), 415);
        // An empty body is a mistake of the sender's, said as such.
        let empty = http
            .post(format!("{base}/api/v1/ingest"))
            .bearer_auth(&source_token)
            .body(" \n")
            .send()
            .await
            .expect("request");
        assert_eq!(empty.status(), 400);
        let empty: Value = empty.json().await.expect("json error");
        assert_eq!(empty["error"]["code"], "empty", "{empty}");
        let error: Value = brotli.json().await.expect("json error");
        assert_eq!(error["error"]["code"], "unsupported_encoding");
        assert!(
            error["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("gzip") && m.contains("対応")),
            "{error}"
        );

        for _ in 0..400 {
            if ingest.handle.status().pipeline.stored >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let events = |token: &str, org_id: &str, query: &str| {
            http.get(format!("{base}/api/v1/orgs/{org_id}/events?{query}"))
                .bearer_auth(token.to_owned())
                .send()
        };
        let found: Value = events(&token_a, &a.id, "q=TARO&from=2024-05-01&limit=1")
            .await
            .expect("search")
            .json()
            .await
            .expect("json");
        assert_eq!(found["total"], 1, "{found}");
        let event = &found["events"][0];
        assert_eq!(event["action"], "login_failure");
        assert_eq!(event["src_ip"], "203.0.113.5");
        assert_eq!(event["timestamp"], "2024-05-01T01:15:30Z");
        assert_eq!(event["format"], "json");
        assert_eq!(event["source_name"], "Microsoft 365");
        assert!(event["raw"].as_str().is_some_and(|r| r.contains("taro")));
        assert!(event["fields"].is_object());
        let page: Value = events(&token_a, &a.id, "from=0&limit=1&offset=1")
            .await
            .expect("page")
            .json()
            .await
            .expect("json");
        assert_eq!(
            (
                page["total"].as_i64(),
                page["events"].as_array().map(Vec::len)
            ),
            (Some(3), Some(1))
        );
        // The refused line is kept as a dead letter with the reason the answer gave.
        let dead: Value = events(&token_a, &a.id, "failed=true")
            .await
            .expect("dead letters")
            .json()
            .await
            .expect("json");
        assert_eq!(dead["total"], 1, "{dead}");
        assert_eq!(dead["events"][0]["raw"], "not json");
        assert!(
            dead["events"][0]["parse_error"]
                .as_str()
                .is_some_and(|e| e.starts_with("not JSON")),
            "{dead}"
        );

        // Another tenant gets 404, and bad filters are explained.
        assert_eq!(
            events(&token_b, &a.id, "").await.expect("other").status(),
            404
        );
        assert_eq!(
            events(&token_a, &a.id, "from=soon")
                .await
                .expect("bad")
                .status(),
            422
        );
        // Without `from` the API searches the last 30 days (the 2024 line is older) and says
        // so; `from=0` reaches back to the start.
        let recent: Value = events(&token_a, &a.id, "")
            .await
            .expect("recent")
            .json()
            .await
            .expect("json");
        assert_eq!(recent["total"], 2, "{recent}");
        let window_start = chrono::DateTime::parse_from_rfc3339(recent["from"].as_str().unwrap())
            .expect("from is RFC 3339");
        let days = (chrono::Utc::now() - window_start.to_utc()).num_days();
        assert!((29..=30).contains(&days), "{days} days back");
        // Paging by cursor: one event a page, every one once, newest first.
        let mut seen: Vec<String> = Vec::new();
        let mut cursor = String::new();
        loop {
            let page: Value = events(&token_a, &a.id, &format!("from=0&limit=1&cursor={cursor}"))
                .await
                .expect("page")
                .json()
                .await
                .expect("json");
            assert_eq!(page["total"], 3, "{page}");
            seen.push(page["events"][0]["id"].as_str().expect("id").to_owned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        assert_eq!(seen.len(), 3, "{seen:?}");
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 3, "no event twice: {seen:?}");
        let bad = events(&token_a, &a.id, "cursor=page-two")
            .await
            .expect("bad cursor");
        assert_eq!(bad.status(), 422);
        let bad: Value = bad.json().await.expect("json error");
        assert_eq!(bad["error"]["code"], "invalid_input.cursor", "{bad}");
        // Pages outside the documented bounds are refused, not quietly clamped.
        for query in ["limit=0", "limit=1001", "offset=-1", "offset=100001"] {
            let answer = events(&token_a, &a.id, query).await.expect("bounds");
            assert_eq!(answer.status(), 422, "{query}");
        }
        // A query string that cannot be read gets the documented error shape, not plain text.
        let unreadable = events(&token_a, &a.id, "limit=many")
            .await
            .expect("bad query");
        assert_eq!(unreadable.status(), 400);
        let error: Value = unreadable.json().await.expect("json error");
        assert_eq!(error["error"]["code"], "invalid_query", "{error}");
        let sources: Value = http
            .get(format!("{base}/api/v1/orgs/{}/sources", a.id))
            .bearer_auth(&token_a)
            .send()
            .await
            .expect("sources")
            .json()
            .await
            .expect("json");
        // Two events and the dead letter.
        assert_eq!(sources["sources"][0]["events_24h"], 3);

        // The search page renders for the organisation's owner, in both languages.
        let owner = store
            .user_by_email("owner@alpha.example")
            .await
            .expect("lookup")
            .expect("owner");
        let (cookie, _) = store
            .create_session(&owner.id, 3600)
            .await
            .expect("session");
        for (lang, expected) in [("ja", "ログ検索"), ("en", "Log search")] {
            let html = http
                .get(format!("{base}/orgs/{}/events?q=taro&category=auth", a.id))
                .header(
                    "cookie",
                    format!("mamori_session={cookie}; mamori_lang={lang}"),
                )
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("html");
            assert!(html.contains(expected), "{html}");
            assert!(
                html.contains("Microsoft 365") && html.contains("taro"),
                "{html}"
            );
        }

        // The provider's page lists the source and an unregistered sender's kept lines.
        store
            .write_ingest_batch(&mamori_store::IngestBatch {
                node_id: "test".into(),
                last_seq: 1,
                events: Vec::new(),
                quarantined: vec![mamori_store::QuarantineLine {
                    id: "q1".into(),
                    peer: "192.0.2.50".into(),
                    transport: "udp".into(),
                    received_at: 1_714_540_000,
                    raw: "<13>unknown device says hello".into(),
                }],
                detections: Vec::new(),
            })
            .await
            .expect("quarantine");
        let admin = store
            .create_user(
                &cli,
                NewUser {
                    email: "admin@provider.example".into(),
                    display_name: String::new(),
                    role: Role::Admin,
                    org_id: None,
                    password: Some("a long enough password".into()),
                },
            )
            .await
            .expect("admin");
        let (cookie, _) = store
            .create_session(&admin.id, 3600)
            .await
            .expect("session");
        let html = http
            .get(format!("{base}/console/sources"))
            .header("cookie", format!("mamori_session={cookie}"))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(
            html.contains("Microsoft 365") && html.contains("alpha"),
            "{html}"
        );
        assert!(
            html.contains("192.0.2.50") && html.contains("unknown device says hello"),
            "{html}"
        );

        let _ = stop.send(());
        let _ = server.await;
        ingest.stop().await;
        store.close().await;
        db.cleanup().await;
    }
}
