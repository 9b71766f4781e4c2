//! Benchmark: one tenant cannot slow the others. A real server on a real SQLite database
//! holds a large organisation (1,000,000 events by default) and a small neighbour (1,000).
//! The neighbour's event list and HTTP ingest are measured quiet, then while eight clients
//! hammer the large organisation's event search in three ways: deep pages by offset (how
//! clients paged before cursors), deep pages by cursor, and a text search that matches
//! nothing (every row of the organisation read). The per-organisation read limit answers the
//! excess with 429; those answers are counted, not failed.
//!
//! Run: `cargo bench -p mamori --bench neighbours`, or quicker in the test profile:
//! `cargo test --workspace --bench neighbours`. Optional: `MAMORI_BENCH_EVENTS` (size of the
//! large organisation), `MAMORI_BENCH_SECONDS` (per case).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use chrono::DateTime;
use common::{bench_store, env_number, measure};
use mamori_model::{Event, Role};
use mamori_store::{
    Actor, IngestBatch, ListPosition, NewEvent, NewOrganisation, NewSource, NewUser,
    SourceIdentity, Store,
};

/// Events written per transaction while filling.
const FILL_BATCH: usize = 5_000;

/// Creates an organisation with an owner, an API token for the owner and a source; returns
/// (organisation id, owner's API token, source id, HTTP ingest token).
async fn tenant(store: &Store, name: &str, address: &str) -> (String, String, String, String) {
    let cli = Actor::cli();
    let org = store
        .create_org(
            &cli,
            NewOrganisation {
                name: name.to_owned(),
                industry: "E".parse().expect("letter"),
                employees: "6-20".parse().expect("band"),
                contact_email: format!("it@{name}.example"),
            },
        )
        .await
        .expect("organisation");
    let owner = store
        .create_user(
            &cli,
            NewUser {
                email: format!("owner@{name}.example"),
                display_name: String::new(),
                role: Role::Owner,
                org_id: Some(org.id.clone()),
                password: Some("bench password 1".into()),
            },
        )
        .await
        .expect("owner");
    let (_, token) = store
        .create_token(&cli, &owner, "bench")
        .await
        .expect("token");
    let new_source = |identity| NewSource {
        org_id: org.id.clone(),
        name: format!("{name} UTM"),
        format: "auto".into(),
        json_mapping: None,
        identity,
        expected_interval_secs: 3600,
    };
    let (syslog, _) = store
        .create_source(
            &cli,
            new_source(SourceIdentity::Address(address.to_owned())),
        )
        .await
        .expect("syslog source");
    let (_, ingest_token) = store
        .create_source(&cli, new_source(SourceIdentity::Token))
        .await
        .expect("HTTP source");
    (
        org.id,
        token,
        syslog.id,
        ingest_token.expect("HTTP ingest token"),
    )
}

/// The event with sequence number `i` of organisation `org_id`: one a second from `first_ts`.
fn event(org_id: &str, source_id: &str, prefix: &str, first_ts: i64, i: usize) -> NewEvent {
    let at = DateTime::from_timestamp(first_ts + i as i64, 0).expect("time");
    let raw = format!(
        "<134>1 - fw{} filterlog - - - allow tcp 198.51.100.{} port {}",
        i % 7,
        i % 250,
        1024 + i % 60_000
    );
    let mut e = Event::new("rfc5424", &raw, at);
    e.org_id = Some(org_id.to_owned());
    e.source_id = Some(source_id.to_owned());
    e.received_at = Some(at);
    e.action = if i.is_multiple_of(3) { "deny" } else { "allow" }
        .parse()
        .expect("action");
    NewEvent {
        id: format!("{prefix}-{i:08}"),
        event: e,
        parse_error: None,
        envelope_only: false,
    }
}

/// Stores `count` events for `org_id`, one a second up to an hour ago (recent enough that
/// retention keeps them), printing progress every tenth.
async fn fill(store: &Store, org_id: &str, source_id: &str, prefix: &str, count: usize) -> i64 {
    let first_ts = mamori_store::now() - 3600 - count as i64;
    let started = Instant::now();
    for (batch, chunk_start) in (0..count).step_by(FILL_BATCH).enumerate() {
        let end = (chunk_start + FILL_BATCH).min(count);
        store
            .write_ingest_batch(&IngestBatch {
                node_id: format!("fill-{prefix}"),
                last_seq: batch as i64 + 1,
                events: (chunk_start..end)
                    .map(|i| event(org_id, source_id, prefix, first_ts, i))
                    .collect(),
                quarantined: Vec::new(),
                detections: Vec::new(),
            })
            .await
            .expect("fill");
        if count >= 100_000 && end % (count / 10) < FILL_BATCH {
            eprintln!("  filled {end} of {count} events for {prefix}");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "filled {prefix:<9} {count:>9} events in {seconds:>6.1} s ({:>7.0} events/s)",
        count as f64 / seconds
    );
    first_ts
}

/// Hammers `url` from `clients` tasks until stopped; returns (successes, refusals with 429).
fn hammer(
    client: &reqwest::Client,
    url: String,
    token: &str,
    clients: usize,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<(u64, u64)>> {
    (0..clients)
        .map(|_| {
            let (client, url, token, stop) =
                (client.clone(), url.clone(), token.to_owned(), stop.clone());
            tokio::spawn(async move {
                let (ok, busy) = (AtomicU64::new(0), AtomicU64::new(0));
                while !stop.load(Ordering::Relaxed) {
                    let response = client.get(&url).bearer_auth(&token).send().await;
                    match response.map(|r| r.status().as_u16()) {
                        Ok(200) => ok.fetch_add(1, Ordering::Relaxed),
                        Ok(429) => {
                            // A polite client waits as Retry-After asks; a hostile one does
                            // not, and this one is hostile, but not a busy loop.
                            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                            busy.fetch_add(1, Ordering::Relaxed)
                        }
                        other => panic!("hammer got {other:?}"),
                    };
                }
                (ok.into_inner(), busy.into_inner())
            })
        })
        .collect()
}

/// Measures the neighbour's event list and HTTP ingest for `seconds`.
async fn neighbour(
    label: &str,
    client: &reqwest::Client,
    base: &str,
    small: &(String, String, String, String),
    seconds: u64,
) {
    let (c, url, t) = (
        client.clone(),
        format!("{base}/api/v1/orgs/{}/events?limit=50", small.0),
        small.1.clone(),
    );
    println!("{label}");
    measure("  neighbour's event list", seconds, 2, move || {
        c.get(&url).bearer_auth(&t)
    })
    .await;
    let lines: String = (0..100)
        .map(|i| format!("{{\"message\":\"bench line {i}\",\"action\":\"allow\"}}\n"))
        .collect();
    let (c, url, t) = (
        client.clone(),
        format!("{base}/api/v1/ingest"),
        small.3.clone(),
    );
    // Each answer waits for its lines to reach the disk (grouped every 100 ms by default), so
    // ingest is measured with enough senders to fill those groups: lines/s is 100 x req/s.
    measure(
        "  neighbour's ingest, 100 lines a request",
        seconds,
        16,
        move || c.post(&url).bearer_auth(&t).body(lines.clone()),
    )
    .await;
}

#[tokio::main]
async fn main() {
    let seconds = env_number("MAMORI_BENCH_SECONDS", 5);
    let big_count = env_number("MAMORI_BENCH_EVENTS", 1_000_000) as usize;
    let dir = tempfile::tempdir().expect("temporary directory");
    let (store, _) = bench_store(dir.path()).await;
    let big = tenant(&store, "big", "192.0.2.1").await;
    let small = tenant(&store, "small", "192.0.2.2").await;
    println!(
        "mamori neighbours benchmark: SQLite, {big_count} + 1,000 events, {seconds} s per case"
    );
    let first_ts = fill(&store, &big.0, &big.2, "big", big_count).await;
    fill(&store, &small.0, &small.2, "small", 1_000).await;
    store.close().await;

    let data_dir = dir.path().display().to_string();
    let server = mamori::serve::start_from(["--listen", "127.0.0.1:0", "--data-dir", &data_dir])
        .await
        .expect("start the server");
    let base = format!("http://{}", server.address);
    let client = reqwest::Client::new();

    neighbour("quiet:", &client, &base, &small, seconds).await;
    // The position 100,000 rows from the newest, as a previous page would have handed it out.
    let depth = big_count.saturating_sub(100_001);
    let deep = ListPosition {
        ts_us: (first_ts + depth as i64) * 1_000_000,
        id: format!("big-{depth:08}"),
    };
    // `from=0`: all of the big organisation's history, not only the default 30 days.
    let big_events = format!("{base}/api/v1/orgs/{}/events?from=0", big.0);
    for (label, url) in [
        (
            "offset 100000",
            format!("{big_events}&limit=50&offset=100000"),
        ),
        (
            "cursor at 100000",
            format!("{big_events}&limit=50&cursor={deep}"),
        ),
        (
            "text matching nothing",
            format!("{big_events}&limit=50&q=no-such-text"),
        ),
    ] {
        let started = Instant::now();
        let once = client
            .get(&url)
            .bearer_auth(&big.1)
            .send()
            .await
            .expect("search");
        assert!(once.status().is_success(), "{}", once.status());
        once.bytes().await.expect("body");
        println!(
            "one search of the big organisation alone, {label}: {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = hammer(&client, url, &big.1, 8, &stop);
        let started = Instant::now();
        neighbour(
            &format!("the big organisation hammered, {label}:"),
            &client,
            &base,
            &small,
            seconds,
        )
        .await;
        stop.store(true, Ordering::Relaxed);
        let (mut ok, mut busy) = (0, 0);
        for task in tasks {
            let (o, b) = task.await.expect("hammer");
            ok += o;
            busy += b;
        }
        println!(
            "  the big organisation's searches:        {:>9.1} answered/s, {busy} refused with 429",
            ok as f64 / started.elapsed().as_secs_f64()
        );
    }
}
