//! Gives every test its own empty database, so tests never share state: a SQLite file in a
//! temporary directory always, and a freshly created PostgreSQL database when
//! `MAMORI_TEST_DATABASE_URL` points at a server whose role may create databases.
//!
//! Also real loopback servers for notification tests: [`smtp::SmtpSink`] and
//! [`webhook::WebhookSink`]; [`pdf::pdf_text`] to read generated PDFs back; and
//! [`windows::Shipper`] to turn Windows events into what log shippers send; [`nats::nats_url`]
//! for the cluster tests' NATS server.

pub mod nats;
pub mod pdf;
pub mod smtp;
pub mod webhook;
pub mod windows;

use sqlx::Executor;
use sqlx::any::{AnyPoolOptions, install_default_drivers};

/// The variable naming the PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "MAMORI_TEST_DATABASE_URL";

/// One empty database for one test. Dropping it removes the SQLite directory; PostgreSQL test
/// databases are dropped by [`TestDatabase::cleanup`] (or by the next run).
pub struct TestDatabase {
    /// URL to hand to `Store::connect` or `--database-url`.
    pub url: String,
    /// Human-readable backend name for assertion messages.
    pub backend: &'static str,
    /// The data directory (always present; for PostgreSQL it holds nothing but may be used as
    /// `--data-dir`).
    pub data_dir: tempfile::TempDir,
    postgres_admin: Option<(String, String)>,
}

impl TestDatabase {
    /// Every backend this run can test: SQLite, plus PostgreSQL when configured.
    pub async fn all() -> Vec<TestDatabase> {
        let mut dbs = vec![TestDatabase::sqlite()];
        match std::env::var(POSTGRES_ENV) {
            Ok(url) if !url.is_empty() => dbs.push(TestDatabase::postgres(&url).await),
            _ => eprintln!("note: {POSTGRES_ENV} is not set; this test runs on SQLite only"),
        }
        dbs
    }

    /// A SQLite database in a new temporary directory.
    pub fn sqlite() -> TestDatabase {
        let data_dir = tempfile::tempdir().expect("temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            data_dir.path().join("mamori.sqlite3").display()
        );
        TestDatabase {
            url,
            backend: "sqlite",
            data_dir,
            postgres_admin: None,
        }
    }

    /// A new, empty PostgreSQL database on the server at `admin_url`.
    pub async fn postgres(admin_url: &str) -> TestDatabase {
        install_default_drivers();
        let name = format!("mamori_test_{}", uuid::Uuid::now_v7().simple());
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {POSTGRES_ENV}: {e}"));
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create test database");
        admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map(|(base, _)| base)
            .unwrap_or(admin_url);
        TestDatabase {
            url: format!("{base}/{name}"),
            backend: "postgres",
            data_dir: tempfile::tempdir().expect("temporary directory"),
            postgres_admin: Some((admin_url.to_owned(), name)),
        }
    }

    /// Drops the PostgreSQL database (call after every connection to it is closed).
    pub async fn cleanup(self) {
        let Some((admin_url, name)) = &self.postgres_admin else {
            return;
        };
        if let Ok(admin) = AnyPoolOptions::new()
            .max_connections(1)
            .connect(admin_url)
            .await
        {
            let _ = admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await;
            admin.close().await;
        }
    }
}
