//! What the server benchmarks share: numbers from the environment and a load generator that
//! prints throughput and latency percentiles.

use std::time::{Duration, Instant};

use mamori_model::{Role, User};
use mamori_store::{Actor, NewUser, Store};

/// `name` from the environment as a number, or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Sends requests from `clients` concurrent tasks for `seconds`; prints throughput and
/// latency. Every answer must be a success.
pub async fn measure(
    label: &str,
    seconds: u64,
    clients: usize,
    make: impl Fn() -> reqwest::RequestBuilder + Clone + Send + 'static,
) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                let response = make().send().await.expect("request");
                assert!(response.status().is_success(), "{}", response.status());
                response.bytes().await.expect("body");
                latencies.push(started.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("client task"));
    }
    all.sort();
    let pick = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "{label:<40} {:>9.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} requests, {clients} clients)",
        all.len() as f64 / seconds as f64,
        pick(0.50).as_secs_f64() * 1e3,
        pick(0.99).as_secs_f64() * 1e3,
        all.len()
    );
}

/// A fresh embedded database in `dir`, set up with a provider and its administrator
/// (`admin@bench.example`).
pub async fn bench_store(dir: &std::path::Path) -> (Store, User) {
    let store = Store::connect(&mamori_store::sqlite_url(dir))
        .await
        .expect("database");
    let admin = NewUser {
        email: "admin@bench.example".into(),
        display_name: String::new(),
        role: Role::Admin,
        org_id: None,
        password: Some("bench password 1".into()),
    };
    let (_, admin) = store
        .setup(&Actor::cli(), "bench", admin)
        .await
        .expect("setup");
    (store, admin)
}
