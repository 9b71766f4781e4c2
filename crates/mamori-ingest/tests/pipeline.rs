//! Ingest end to end on every backend, over real sockets: syslog TCP, UDP and TLS and HTTP
//! lines go through the durable queue into the database; parse failures become dead letters,
//! unknown senders go to the quarantine, tenants see only their own events, and a restart
//! stores nothing twice.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mamori_ingest::listen::TlsSettings;
use mamori_ingest::queue::{FsyncPolicy, QueueConfig};
use mamori_ingest::source::Origin;
use mamori_ingest::{IngestSettings, RunningIngest};
use mamori_model::Scope;
use mamori_store::{
    Actor, EventFilter, NewOrganisation, NewSource, SourceIdentity, Store, StoreError,
};
use mamori_testkit::TestDatabase;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, UdpSocket};

const RTX: &str =
    "[INSPECT] LAN2[out][101100] TCP 192.168.0.5:51234 > 203.0.113.9:443 (2024/05/01 14:12:42)";
const BROKEN_RTX: &str = "PP[01] Rejected at IN(2000) filter: this is not a filter line";

fn org(name: &str) -> NewOrganisation {
    NewOrganisation {
        name: name.to_owned(),
        industry: "E".parse().expect("industry"),
        employees: "6-20".parse().expect("band"),
        contact_email: String::new(),
    }
}

fn source(org_id: &str, name: &str, format: &str, identity: SourceIdentity) -> NewSource {
    NewSource {
        org_id: org_id.to_owned(),
        name: name.to_owned(),
        format: format.to_owned(),
        json_mapping: None,
        identity,
        expected_interval_secs: 3600,
    }
}

fn settings(dir: &std::path::Path, tls: Option<TlsSettings>) -> IngestSettings {
    let any: SocketAddr = "127.0.0.1:0".parse().expect("address");
    IngestSettings {
        queue: QueueConfig {
            fsync: FsyncPolicy::Interval(Duration::from_millis(20)),
            ..QueueConfig::new(dir.join("queue"))
        },
        udp: Some(any),
        tcp: Some(any),
        tls: tls.map(|t| (any, t)),
        max_message: mamori_ingest::listen::MAX_MESSAGE,
    }
}

/// Sends `payload` over TCP from `from`, closes the sending side and waits for mamori to
/// close: its acknowledgement that everything is queued.
async fn send_tcp(from: &str, to: SocketAddr, payload: &[u8]) {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(format!("{from}:0").parse().expect("address"))
        .expect("bind");
    let mut stream = socket.connect(to).await.expect("connect");
    stream.write_all(payload).await.expect("send");
    stream.shutdown().await.expect("half-close");
    let mut rest = Vec::new();
    stream
        .read_to_end(&mut rest)
        .await
        .expect("acknowledged by close");
}

/// Waits (bounded) until the pipeline has stored `events` events and quarantined `lines`.
async fn wait_stored(ingest: &RunningIngest, events: u64, lines: u64) {
    for _ in 0..2400 {
        let status = ingest.handle.status();
        if status.pipeline.stored >= events && status.pipeline.quarantined >= lines {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("pipeline did not catch up: {:?}", ingest.handle.status());
}

fn all(limit: i64) -> EventFilter {
    EventFilter {
        limit,
        ..EventFilter::default()
    }
}

#[tokio::test]
async fn syslog_and_http_lines_are_stored_once_per_tenant() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let a = store.create_org(&cli, org("alpha")).await.expect("org a");
        let b = store.create_org(&cli, org("beta")).await.expect("org b");
        let (router, _) = store
            .create_source(
                &cli,
                source(
                    &a.id,
                    "本社 RTX1210",
                    "rtx",
                    SourceIdentity::Address("127.0.0.1".into()),
                ),
            )
            .await
            .expect("address source");
        let (cloud, token) = store
            .create_source(&cli, source(&b.id, "cloud", "json", SourceIdentity::Token))
            .await
            .expect("token source");
        assert!(token.is_some_and(|t| t.starts_with("mms_")));
        assert!(matches!(
            store
                .create_source(
                    &cli,
                    source(
                        &b.id,
                        "dup",
                        "rtx",
                        SourceIdentity::Address("127.0.0.1".into())
                    )
                )
                .await,
            Err(StoreError::Invalid(mamori_store::InvalidInput::SourceTaken))
        ));

        let ingest = RunningIngest::start(store.clone(), settings(db.data_dir.path(), None), None)
            .await
            .expect("start");
        let tcp = ingest.tcp.expect("tcp bound");
        // Octet-counted and newline-framed messages on one connection, two bad lines.
        let mut payload = Vec::new();
        for i in 0..1500 {
            if i % 2 == 0 {
                payload.extend_from_slice(format!("{RTX}\n").as_bytes());
            } else {
                payload.extend_from_slice(format!("{} {RTX}", RTX.len()).as_bytes());
            }
        }
        payload.extend_from_slice(format!("{BROKEN_RTX}\n{BROKEN_RTX}").as_bytes());
        send_tcp("127.0.0.1", tcp, &payload).await;

        let udp = UdpSocket::bind("127.0.0.2:0").await.expect("udp bind");
        for _ in 0..5 {
            udp.send_to(RTX.as_bytes(), ingest.udp.expect("udp bound"))
                .await
                .expect("udp send");
        }
        let json: &[u8] =
            br#"{"timestamp":"2024-05-01T10:15:30+09:00","action":"login_failure","user":"taro"}"#;
        ingest
            .handle
            .accept(
                &Origin::Http {
                    source_id: cloud.id.clone(),
                },
                &[json, json],
            )
            .await
            .expect("http lines");
        wait_stored(&ingest, 1504, 5).await;

        let page = store
            .org_store(&Scope::AllOrganisations, &a.id)
            .await
            .unwrap()
            .events()
            .search(&all(10))
            .await
            .expect("search");
        assert_eq!(page.total, 1502, "{}", db.backend);
        assert_eq!(page.events.len(), 10);
        assert_eq!(page.events[0].source_name.as_deref(), Some("本社 RTX1210"));
        let dead = store
            .org_store(&Scope::AllOrganisations, &a.id)
            .await
            .unwrap()
            .events()
            .search(&EventFilter {
                failed_only: true,
                ..all(10)
            })
            .await
            .expect("dead letters");
        assert_eq!(dead.total, 2);
        assert_eq!(dead.events[0].event.raw, BROKEN_RTX);
        assert!(dead.events[0].parse_error.is_some());
        let text = store
            .org_store(&Scope::AllOrganisations, &a.id)
            .await
            .unwrap()
            .events()
            .search(&EventFilter {
                text: Some("REJECTED AT".into()),
                source_id: Some(router.id.clone()),
                ..all(10)
            })
            .await
            .expect("text search");
        assert_eq!(text.total, 2);

        // Tenancy: B's member sees B's HTTP events only; A's organisation is not found.
        let scope_b = Scope::Organisation(b.id.clone());
        let own = store
            .org_store(&scope_b, &b.id)
            .await
            .unwrap()
            .events()
            .search(&all(10))
            .await
            .expect("own events");
        assert_eq!(own.total, 2);
        assert_eq!(own.events[0].event.user.as_deref(), Some("taro"));
        assert!(matches!(
            store.org_store(&scope_b, &a.id).await,
            Err(StoreError::NotFound)
        ));

        let senders = store.quarantine_senders().await.expect("quarantine");
        assert_eq!(senders.len(), 1);
        assert_eq!(
            (senders[0].peer.as_str(), senders[0].lines),
            ("127.0.0.2", 5)
        );

        // Health counts what arrived, failures included.
        let health = store
            .org_store(&Scope::AllOrganisations, &a.id)
            .await
            .expect("organisation")
            .rollups()
            .source_health(mamori_store::now())
            .await
            .expect("health");
        assert_eq!(health[0].events_24h, 1502);
        assert!(health[0].failure_rate > 0.0 && !health[0].silent);

        // A restart replays nothing that was stored, and says where it stands at once.
        let delivered = ingest.handle.status().pipeline.delivered_seq;
        assert!(delivered >= 1504, "{delivered}");
        ingest.stop().await;
        let again = RunningIngest::start(store.clone(), settings(db.data_dir.path(), None), None)
            .await
            .expect("restart");
        assert_eq!(again.handle.status().pipeline.delivered_seq, delivered);
        send_tcp(
            "127.0.0.1",
            again.tcp.expect("tcp"),
            format!("{RTX}\n").as_bytes(),
        )
        .await;
        wait_stored(&again, 1, 0).await;
        let after = store
            .org_store(&Scope::AllOrganisations, &a.id)
            .await
            .unwrap()
            .events()
            .search(&all(1))
            .await
            .expect("search");
        assert_eq!(after.total, 1503);
        again.stop().await;
        store.close().await;
        db.cleanup().await;
    }
}

/// A self-signed server certificate and a client certificate for the TLS test.
struct Pki {
    server_cert: String,
    client_cert_der: Vec<u8>,
    client_cert: String,
    client_key: String,
}

fn pki(dir: &std::path::Path) -> (TlsSettings, Pki) {
    let server = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("server");
    let client = rcgen::generate_simple_self_signed(vec!["rtx.example".into()]).expect("client");
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("pem");
        path
    };
    let settings = TlsSettings {
        cert: write("server.pem", server.cert.pem()),
        key: write("server.key", server.signing_key.serialize_pem()),
        client_ca: Some(write("ca.pem", client.cert.pem())),
    };
    let pki = Pki {
        server_cert: server.cert.pem(),
        client_cert_der: client.cert.der().to_vec(),
        client_cert: client.cert.pem(),
        client_key: client.signing_key.serialize_pem(),
    };
    (settings, pki)
}

#[tokio::test]
async fn a_sender_registered_behind_the_server_s_back_is_known_on_its_first_line() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let a = store.create_org(&cli, org("alpha")).await.expect("org");
        let ingest = RunningIngest::start(store.clone(), settings(db.data_dir.path(), None), None)
            .await
            .expect("start");
        let udp_to = ingest.udp.expect("udp bound");
        // An unregistered device: quarantined, and the table has just been reloaded for it.
        let stranger = UdpSocket::bind("127.0.0.2:0").await.expect("udp bind");
        stranger
            .send_to(RTX.as_bytes(), udp_to)
            .await
            .expect("send");
        wait_stored(&ingest, 0, 1).await;
        // Registered straight in the database (as the CLI or another node does), nobody tells
        // this server; its very first line must still be stored, not quarantined.
        store
            .create_source(
                &cli,
                source(
                    &a.id,
                    "new RTX",
                    "rtx",
                    SourceIdentity::Address("127.0.0.3".into()),
                ),
            )
            .await
            .expect("source");
        let newcomer = UdpSocket::bind("127.0.0.3:0").await.expect("udp bind");
        newcomer
            .send_to(RTX.as_bytes(), udp_to)
            .await
            .expect("send");
        wait_stored(&ingest, 1, 1).await;
        let status = ingest.handle.status();
        assert_eq!(
            (status.pipeline.stored, status.pipeline.quarantined),
            (1, 1),
            "{}",
            db.backend
        );
        ingest.stop().await;
    }
}

#[tokio::test]
async fn tls_senders_are_known_by_their_client_certificate() {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto::ring};

    let db = TestDatabase::sqlite();
    let store = Store::connect(&db.url).await.expect("store");
    let cli = Actor::cli();
    let a = store.create_org(&cli, org("alpha")).await.expect("org");
    let (tls, pki) = pki(db.data_dir.path());
    let fingerprint = mamori_ingest::listen::fingerprint(&pki.client_cert_der);
    store
        .create_source(
            &cli,
            source(
                &a.id,
                "支店 UTM",
                "rtx",
                SourceIdentity::Certificate(fingerprint),
            ),
        )
        .await
        .expect("certificate source");
    let ingest = RunningIngest::start(store.clone(), settings(db.data_dir.path(), Some(tls)), None)
        .await
        .expect("start");

    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pki.server_cert.as_bytes()).expect("server cert"))
        .expect("root");
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_client_auth_cert(
            vec![CertificateDer::from_pem_slice(pki.client_cert.as_bytes()).expect("client cert")],
            PrivateKeyDer::from_pem_slice(pki.client_key.as_bytes()).expect("client key"),
        )
        .expect("client auth");
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(ingest.tls.expect("tls bound"))
        .await
        .expect("connect");
    let mut stream = connector
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("handshake");
    stream
        .write_all(format!("{} {RTX}{} {RTX}", RTX.len(), RTX.len()).as_bytes())
        .await
        .expect("send");
    stream.shutdown().await.expect("close_notify");
    let mut rest = Vec::new();
    // mamori closes after queueing; a missing close_notify is not an error for this test.
    let _ = stream.read_to_end(&mut rest).await;
    wait_stored(&ingest, 2, 0).await;
    let page = store
        .org_store(&Scope::AllOrganisations, &a.id)
        .await
        .unwrap()
        .events()
        .search(&all(5))
        .await
        .expect("search");
    assert_eq!(page.total, 2);
    assert_eq!(page.events[0].event.device_kind.as_deref(), Some("rtx"));
    ingest.stop().await;
    store.close().await;
}

#[tokio::test]
async fn quarantined_senders_can_be_assigned_and_dead_letters_reparsed() {
    use mamori_ingest::rework::{assign_quarantine, reparse};
    use mamori_store::{IngestBatch, NewEvent, QuarantineLine};

    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let a = store.create_org(&cli, org("alpha")).await.expect("org");
        let unknown = |i: usize| QuarantineLine {
            id: format!("q{i}"),
            peer: "192.0.2.9".into(),
            transport: "udp".into(),
            received_at: 1_714_540_000,
            raw: RTX.into(),
        };
        store
            .write_ingest_batch(&IngestBatch {
                node_id: "test".into(),
                last_seq: 3,
                events: Vec::new(),
                quarantined: (0..3).map(unknown).collect(),
                detections: Vec::new(),
            })
            .await
            .expect("quarantine");
        let (source, added) = assign_quarantine(
            &store,
            &cli,
            "192.0.2.9",
            source(&a.id, "倉庫 RTX", "rtx", SourceIdentity::Token),
        )
        .await
        .expect("assign");
        assert_eq!((added, source.address.as_deref()), (3, Some("192.0.2.9")));
        assert!(
            store
                .quarantine_senders()
                .await
                .expect("senders")
                .is_empty()
        );

        // A line an older parser could not read is re-parsed in place.
        let mut dead = mamori_model::Event::new("rtx", RTX, chrono::Utc::now());
        dead.org_id = Some(a.id.clone());
        dead.source_id = Some(source.id.clone());
        store
            .write_ingest_batch(&IngestBatch {
                node_id: "test".into(),
                last_seq: 4,
                events: vec![NewEvent {
                    id: "dead-1".into(),
                    event: dead,
                    parse_error: Some("rtx: old parser".into()),
                    envelope_only: false,
                }],
                quarantined: Vec::new(),
                detections: Vec::new(),
            })
            .await
            .expect("dead letter");
        let summary = reparse(&store, Some(&a.id), None).await.expect("reparse");
        assert_eq!((summary.examined, summary.fixed), (1, 1), "{}", db.backend);
        let page = store
            .org_store(&Scope::AllOrganisations, &a.id)
            .await
            .unwrap()
            .events()
            .search(&all(10))
            .await
            .expect("search");
        assert_eq!(page.total, 4);
        assert!(page.events.iter().all(|e| e.parse_error.is_none()));
        assert!(
            page.events
                .iter()
                .any(|e| e.id == "dead-1" && e.event.dst_port == Some(443))
        );

        // Daily roll-up and retention.
        let received = page.events[0].event.received_at.expect("received time");
        let day = store.zone().day_start(received.timestamp());
        store.roll_up_day(day).await.expect("roll-up");
        let (rows, talkers) = store
            .org_store(&Scope::AllOrganisations, &a.id)
            .await
            .expect("organisation")
            .rollups()
            .days(day, day)
            .await
            .expect("rollups");
        assert!(rows.iter().any(|r| r.category == "network"));
        assert_eq!(
            talkers.first().map(|t| t.src_ip.as_str()),
            Some("192.168.0.5")
        );
        store
            .org_store(&mamori_model::Scope::AllOrganisations, &a.id)
            .await
            .unwrap()
            .events()
            .set_retention(&cli, 1)
            .await
            .expect("retention");
        let deleted = store
            .apply_retention(mamori_store::now() + 2 * 86_400)
            .await
            .expect("apply");
        assert_eq!(deleted, 4);
        store.close().await;
        db.cleanup().await;
    }
}

/// The injection the limit exists for: 65,536 bytes of one line, then a syslog header with
/// another host name on the same line. It must give one truncated event, marked with the
/// line's real length, and nothing from the forged host; the next line is unaffected.
#[tokio::test]
async fn an_overlong_line_is_one_truncated_event_and_forges_nothing() {
    overlong_line(mamori_ingest::listen::MAX_MESSAGE).await;
}

/// The same with the limit configured lower (`--syslog-max-line-kib 4`).
#[tokio::test]
async fn a_configured_line_limit_cuts_there() {
    overlong_line(4 << 10).await;
}

/// Sends `limit` bytes of one line followed by a forged header, with ingest keeping at most
/// `limit` bytes of a message.
async fn overlong_line(limit: usize) {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let a = store.create_org(&cli, org("alpha")).await.expect("org");
        store
            .create_source(
                &cli,
                source(
                    &a.id,
                    "UTM",
                    "rfc5424",
                    SourceIdentity::Address("127.0.0.3".into()),
                ),
            )
            .await
            .expect("source");
        let configured = IngestSettings {
            max_message: limit,
            ..settings(db.data_dir.path(), None)
        };
        let ingest = RunningIngest::start(store.clone(), configured, None)
            .await
            .expect("start");
        let mut line = b"<13>1 2026-12-06T10:00:00Z real-host app 1 - - padding ".to_vec();
        line.resize(limit, b'x');
        line.extend_from_slice(
            b"<13>1 2026-12-06T10:00:01Z forged-host sshd 2 - - Accepted password for root from 203.0.113.66 port 22 ssh2",
        );
        let original = line.len();
        let mut payload = line;
        payload.extend_from_slice(b"\n<13>1 2026-12-06T10:00:02Z real-host app 3 - - after\n");
        send_tcp("127.0.0.3", ingest.tcp.expect("tcp"), &payload).await;
        wait_stored(&ingest, 2, 0).await;

        let page = store
            .org_store(&Scope::AllOrganisations, &a.id)
            .await
            .unwrap()
            .events()
            .search(&all(10))
            .await
            .expect("search");
        assert_eq!(page.total, 2, "one cut line and the next on {}", db.backend);
        let cut = page
            .events
            .iter()
            .find(|e| e.event.fields.get("truncated") == Some(&serde_json::json!(true)))
            .expect("the cut line is marked");
        assert_eq!(
            cut.event.fields.get("original_length"),
            Some(&serde_json::json!(original))
        );
        assert_eq!(cut.event.raw.len(), limit);
        assert_eq!(cut.event.host.as_deref(), Some("real-host"));
        for stored in &page.events {
            assert_ne!(stored.event.host.as_deref(), Some("forged-host"));
            assert!(!stored.event.raw.contains("forged-host"));
        }
        let after = page
            .events
            .iter()
            .find(|e| e.event.raw.ends_with("after"))
            .expect("the next line");
        assert!(after.event.fields.get("truncated").is_none());
        ingest.stop().await;
    }
}
