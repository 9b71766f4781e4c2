//! Watching the watchers against a real database and a real HTTP listener: a source that
//! stops sending raises one alert per silence, only to its own organisation's channels;
//! when its logs come back mamori resolves the alert and says so; an alert an analyst
//! resolved is not raised again for the same silence; a retired machine's alert is resolved
//! with the reason.

use std::sync::Arc;
use std::time::Duration;

use chrono::DateTime;
use mamori_alerts::{AlertSettings, Outcome, SOURCE_SILENT_RULE, deliver_one, watch_sources};
use mamori_model::{AlertStatus, Event, Scope, Severity};
use mamori_notify::{DestinationPolicy, Notifier};
use mamori_store::{
    Actor, AlertChange, AlertFilter, IngestBatch, NewChannel, NewEvent, NewOrganisation, NewSource,
    Resolution, SourceIdentity, Store, now, now_ms,
};
use mamori_testkit::TestDatabase;
use mamori_testkit::webhook::WebhookSink;
use serde_json::json;

/// アルファ工業 and ベータ商事, each with a webhook channel into one sink (`/alpha`,
/// `/beta`).
pub(crate) async fn two_companies(store: &Store) -> (String, String, WebhookSink) {
    let alpha = org(store, "アルファ工業").await;
    let beta = org(store, "ベータ商事").await;
    let sink = WebhookSink::start().await;
    for (org_id, path) in [(&alpha, "/alpha"), (&beta, "/beta")] {
        store
            .create_channel(
                &Actor::cli(),
                &Scope::AllOrganisations,
                webhook(org_id, &sink.url(path)),
            )
            .await
            .unwrap();
    }
    (alpha, beta, sink)
}

async fn org(store: &Store, name: &str) -> String {
    let org = NewOrganisation {
        name: name.into(),
        industry: "E".parse().unwrap(),
        employees: "6-20".parse().unwrap(),
        contact_email: String::new(),
    };
    store.create_org(&Actor::cli(), org).await.unwrap().id
}

pub(crate) fn webhook(org_id: &str, url: &str) -> NewChannel {
    NewChannel {
        org_id: Some(org_id.to_owned()),
        kind: "webhook".into(),
        config: json!({"kind": "webhook", "url": url}),
        min_severity: Severity::Info,
        quiet_hours: None,
        digest: false,
        lang: "ja".into(),
    }
}

/// One line from `source_id` of `org_id`, received at `at` (Unix seconds).
fn line(org_id: &str, source_id: &str, at: i64, seq: i64) -> IngestBatch {
    let received = DateTime::from_timestamp(at, 0).unwrap();
    let mut event = Event::new("rtx", "PP[01] PPPoE Connect", received);
    event.org_id = Some(org_id.to_owned());
    event.source_id = Some(source_id.to_owned());
    event.received_at = Some(received);
    IngestBatch {
        node_id: "watch".into(),
        last_seq: seq,
        events: vec![NewEvent {
            id: format!("line-{seq}"),
            event,
            parse_error: None,
            envelope_only: false,
        }],
        quarantined: Vec::new(),
        detections: Vec::new(),
    }
}

/// Sends every due notification and returns the webhook bodies received so far.
pub(crate) async fn deliver_all(
    store: &Store,
    notifier: &Notifier,
    settings: &AlertSettings,
    sink: &WebhookSink,
    expected: usize,
) -> Vec<serde_json::Value> {
    for delivery in store.due_deliveries(now_ms() + 1, 10).await.unwrap() {
        let outcome = deliver_one(store, notifier, settings, &delivery)
            .await
            .unwrap();
        assert_eq!(outcome, Outcome::Delivered);
    }
    sink.wait_for(expected, Duration::from_secs(10))
        .await
        .iter()
        .map(|r| r.json())
        .collect()
}

#[tokio::test]
async fn a_silent_source_raises_one_alert_per_silence_and_mamori_resolves_it_when_logs_return() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let all = Scope::AllOrganisations;
        let (alpha, beta, sink) = two_companies(&store).await;
        let (source, _) = store
            .create_source(
                &cli,
                NewSource {
                    org_id: alpha.clone(),
                    name: "本社 RTX830".into(),
                    format: "rtx".into(),
                    json_mapping: None,
                    identity: SourceIdentity::Token,
                    expected_interval_secs: 600,
                },
            )
            .await
            .unwrap();
        let settings = AlertSettings::default();
        let notifier =
            Notifier::new(None, DestinationPolicy::from_list(&["127.0.0.1"]).unwrap()).unwrap();
        let notifier = Arc::new(notifier);
        let start = now();

        // Never heard, but within the allowed ten minutes: nothing.
        let quiet = watch_sources(&store, &settings, start + 300).await.unwrap();
        assert_eq!((quiet.opened, quiet.queued), (0, 0), "{}", db.backend);

        // Past it: one alert, to Alpha's channel only, and only once.
        let silent = watch_sources(&store, &settings, start + 700).await.unwrap();
        assert_eq!((silent.opened, silent.queued), (1, 1), "{}", db.backend);
        let again = watch_sources(&store, &settings, start + 800).await.unwrap();
        assert_eq!(
            (again.opened, again.queued),
            (0, 0),
            "one alert per silence"
        );
        let bodies = deliver_all(&store, &notifier, &settings, &sink, 1).await;
        let sent = sink.wait_for(1, Duration::from_secs(1)).await;
        assert_eq!(
            sent[0].path, "/alpha",
            "only the silent source's company hears"
        );
        assert_eq!(bodies[0]["type"], "alert");
        assert_eq!(bodies[0]["alert"]["rule_id"], SOURCE_SILENT_RULE);
        assert_eq!(
            bodies[0]["alert"]["title"],
            "監視対象機器からログが届いていません"
        );
        assert_eq!(
            bodies[0]["alert"]["seen"],
            "本社 RTX830から、決めた間隔（10分）を過ぎてもログが届いていません。"
        );
        let alert_id = bodies[0]["alert"]["id"].as_str().unwrap().to_owned();

        // Logs come back: mamori resolves the alert itself and tells the same channel.
        store
            .write_ingest_batch(&line(&alpha, &source.id, start + 900, 1))
            .await
            .unwrap();
        let back = watch_sources(&store, &settings, start + 950).await.unwrap();
        assert_eq!((back.opened, back.resolved, back.queued), (0, 1, 1));
        let alert = store.alert(&all, &alert_id).await.unwrap().unwrap();
        assert_eq!(alert.status, AlertStatus::Resolved);
        let history = store.alert_history(&all, &alert_id).await.unwrap();
        assert!(
            history.iter().any(|h| h.action == "recovered"),
            "{history:?}"
        );
        let bodies = deliver_all(&store, &notifier, &settings, &sink, 2).await;
        assert_eq!(bodies[1]["type"], "resolved", "{}", bodies[1]);
        assert_eq!(bodies[1]["alert"]["id"], alert_id.as_str());
        assert_eq!(
            bodies[1]["alert"]["seen"],
            "本社 RTX830からログが再び届いています。"
        );
        assert!(
            bodies[1]["text"]
                .as_str()
                .unwrap()
                .starts_with("解決しました")
        );
        let calm = watch_sources(&store, &settings, start + 1000)
            .await
            .unwrap();
        assert_eq!((calm.opened, calm.resolved), (0, 0));

        // Silent again: a new alert. An analyst resolves it while the source stays silent;
        // mamori does not raise it again for that silence.
        let second = watch_sources(&store, &settings, start + 1600)
            .await
            .unwrap();
        assert_eq!(second.opened, 1, "a new silence is a new alert");
        let open = store
            .alerts(&all, &AlertFilter::default())
            .await
            .unwrap()
            .alerts
            .into_iter()
            .find(|a| a.status.is_open())
            .expect("the second alert");
        store
            .change_alert(
                &cli,
                &all,
                &open.id,
                AlertChange::Resolve(Resolution::Benign, Some("機器の入れ替え中".into())),
            )
            .await
            .unwrap();
        let still = watch_sources(&store, &settings, start + 1700)
            .await
            .unwrap();
        assert_eq!((still.opened, still.resolved), (0, 0), "{}", db.backend);
        let beta_filter = AlertFilter {
            org_id: Some(beta.clone()),
            ..AlertFilter::default()
        };
        let beta_alerts = store.alerts(&all, &beta_filter).await.unwrap();
        assert!(beta_alerts.alerts.is_empty(), "Beta has no silent source");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn retiring_a_silent_agent_resolves_its_alert_and_says_why() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let all = Scope::AllOrganisations;
        let (alpha, _beta, sink) = two_companies(&store).await;
        let org = store.org_store(&all, &alpha).await.unwrap();
        let (token, _) = org.create_enrolment_token(&cli, 3600).await.unwrap();
        let enrolled = store
            .enrol_agent(
                &token,
                &mamori_store::Enrolment {
                    hostname: "keiri-pc".into(),
                    os: "Ubuntu".into(),
                    os_version: "24.04".into(),
                    kind: mamori_model::DeviceKind::Server,
                },
            )
            .await
            .unwrap();
        let settings = AlertSettings::default();
        let notifier =
            Notifier::new(None, DestinationPolicy::from_list(&["127.0.0.1"]).unwrap()).unwrap();
        let start = now();

        // A server unheard for over an hour: one alert.
        let silent = watch_sources(&store, &settings, start + 4000)
            .await
            .unwrap();
        assert_eq!(silent.opened, 1, "{}", db.backend);
        deliver_all(&store, &notifier, &settings, &sink, 1).await;

        // The machine is retired: the next watch resolves the alert, saying why.
        org.retire_agent(&cli, &enrolled.agent.id).await.unwrap();
        let gone = watch_sources(&store, &settings, start + 4100)
            .await
            .unwrap();
        assert_eq!((gone.opened, gone.resolved, gone.queued), (0, 1, 1));
        let bodies = deliver_all(&store, &notifier, &settings, &sink, 2).await;
        assert_eq!(bodies[1]["type"], "resolved", "{}", bodies[1]);
        assert_eq!(
            bodies[1]["alert"]["seen"],
            "keiri-pcの見守りを終えたため、このアラートは解決になりました。"
        );
        let calm = watch_sources(&store, &settings, start + 9000)
            .await
            .unwrap();
        assert_eq!(
            (calm.opened, calm.resolved),
            (0, 0),
            "retired means unwatched"
        );
        db.cleanup().await;
    }
}
