//! The no-loss promise against the real binary: lines acknowledged over syslog TCP survive
//! `kill -9` of `mamori serve`, and after a restart every one of them is stored exactly once
//! (and nothing, acknowledged or not, is stored twice). Runs on SQLite and, when configured,
//! PostgreSQL.

use std::collections::HashMap;
use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use crate::common::server::{send_acknowledged, start, stored_markers};
use crate::common::tenants::{loopback_source, org};
use mamori_store::{Actor, Store};
use mamori_testkit::TestDatabase;

const CONNECTIONS: usize = 4;
const LINES_PER_CONNECTION: usize = 5_000;

fn line(marker: &str) -> String {
    format!("<134>1 2024-05-01T10:00:00Z edge kill-test - - - marker {marker}\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_lines_survive_kill_9_exactly_once() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let org = store.create_org(&cli, org("kill test")).await.expect("org");
        loopback_source(&store, &org.id, "loopback", "auto").await;

        let mut server = start(&db);
        let syslog = server.syslog;
        // Acknowledged: four connections, each closed by mamori after queueing.
        let acknowledged: Vec<String> = thread::scope(|scope| {
            let senders: Vec<_> = (0..CONNECTIONS)
                .map(|c| {
                    scope.spawn(move || {
                        let markers: Vec<String> = (0..LINES_PER_CONNECTION)
                            .map(|i| format!("A-{c}-{i}"))
                            .collect();
                        let lines: Vec<String> = markers.iter().map(|m| line(m)).collect();
                        send_acknowledged(syslog, &lines);
                        markers
                    })
                })
                .collect();
            senders
                .into_iter()
                .flat_map(|s| s.join().expect("sender"))
                .collect()
        });
        // Unacknowledged: a sender still writing when the server is killed.
        let streaming = thread::spawn(move || {
            let Ok(mut stream) = TcpStream::connect(syslog) else {
                return;
            };
            for i in 0..200_000 {
                if stream
                    .write_all(line(&format!("B-{i}")).as_bytes())
                    .is_err()
                {
                    return;
                }
            }
        });
        thread::sleep(Duration::from_millis(50));
        server.child.kill().expect("kill -9");
        server.child.wait().expect("reaped");
        streaming.join().expect("streaming sender");

        // Restart; a sentinel sent last is stored last, so once it is there the replay is done.
        let mut server = start(&db);
        send_acknowledged(server.syslog, &[line("sentinel")]);
        let mut counts = HashMap::new();
        for _ in 0..1200 {
            counts = stored_markers(&store, &org.id).await;
            if counts.contains_key("sentinel") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            counts.contains_key("sentinel"),
            "replay finished on {}",
            db.backend
        );
        for marker in &acknowledged {
            assert_eq!(
                counts.get(marker),
                Some(&1),
                "acknowledged line {marker} stored exactly once on {}",
                db.backend
            );
        }
        let duplicated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
        assert!(duplicated.is_empty(), "stored twice: {duplicated:?}");
        let health = reqwest::get(format!("{}/healthz", server.web))
            .await
            .expect("the restarted server answers");
        assert!(health.status().is_success());

        server.child.kill().expect("stop");
        server.child.wait().expect("reaped");
        store.close().await;
        db.cleanup().await;
    }
}
