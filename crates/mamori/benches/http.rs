//! Benchmark of the web layer's hot paths on a real server and a real SQLite database:
//! bearer-token API reads (`GET /api/v1/orgs` for a provider with many client organisations),
//! a rendered console page, and the health check. Prints requests/s and latency percentiles.
//!
//! Run: `cargo bench -p mamori --bench http` (optional: `MAMORI_BENCH_SECONDS`, `MAMORI_BENCH_ORGS`).

mod common;

use std::time::Instant;

use common::{bench_store, env_number, measure};

use mamori_store::{Actor, NewOrganisation};

#[tokio::main]
async fn main() {
    let seconds = env_number("MAMORI_BENCH_SECONDS", 5);
    let orgs = env_number("MAMORI_BENCH_ORGS", 200);
    let dir = tempfile::tempdir().expect("temporary directory");
    let (store, admin) = bench_store(dir.path()).await;
    let cli = Actor::cli();
    for n in 0..orgs {
        let org = NewOrganisation {
            name: format!("会社{n:04}"),
            industry: "E".parse().expect("letter"),
            employees: "6-20".parse().expect("band"),
            contact_email: format!("it{n}@bench.example"),
        };
        store.create_org(&cli, org).await.expect("org");
    }
    let (_, token) = store
        .create_token(&cli, &admin, "bench")
        .await
        .expect("token");
    let (cookie, _) = store
        .create_session(&admin.id, 3600)
        .await
        .expect("session");

    // The server as `mamori serve` runs it, on the database prepared above.
    let data_dir = dir.path().display().to_string();
    let server = mamori::serve::start_from(["--listen", "127.0.0.1:0", "--data-dir", &data_dir])
        .await
        .expect("start the server");
    let base = format!("http://{}", server.address);

    println!("mamori web benchmark: SQLite, {orgs} organisations, {seconds} s per case");
    let client = reqwest::Client::new();
    let (c, b) = (client.clone(), base.clone());
    measure("GET /healthz", seconds, 8, move || {
        c.get(format!("{b}/healthz"))
    })
    .await;
    let (c, b, t) = (client.clone(), base.clone(), token.clone());
    measure("GET /api/v1/orgs (bearer)", seconds, 8, move || {
        c.get(format!("{b}/api/v1/orgs")).bearer_auth(&t)
    })
    .await;
    let (c, b) = (client.clone(), base.clone());
    measure("GET /console/orgs (page, session)", seconds, 8, move || {
        c.get(format!("{b}/console/orgs"))
            .header("Cookie", format!("mamori_session={cookie}"))
    })
    .await;
    let started = Instant::now();
    let ok = store
        .authenticate("admin@bench.example", "bench password 1")
        .await
        .expect("auth")
        .is_some();
    println!(
        "password check (argon2id)          {:>9.2} ms   (matched: {ok})",
        started.elapsed().as_secs_f64() * 1e3
    );
}
