//! Opening the database, choosing the backend, and applying migrations.

use std::path::Path;
use std::str::FromStr;

use mamori_model::Zone;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

use crate::StoreError;

/// The schema, applied automatically at start. The statements are portable, so one set of
/// migrations serves both backends.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Which database engine holds the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: one file under the data directory.
    Sqlite,
    /// A PostgreSQL server, for providers that outgrow one machine.
    Postgres,
}

impl Backend {
    /// The name reported by `/healthz`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else {
            Err(StoreError::UnsupportedUrl(redact(url)))
        }
    }
}

/// The URL of the embedded database inside `data_dir`.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("mamori.sqlite3").display()
    )
}

/// Removes a password from a URL before it is shown in an error or a log.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***{}", &url[..scheme_end], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// The handle every repository hangs off. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) zone: Zone,
}

impl Store {
    /// This store with the site's time zone, whose calendar days the roll-ups follow
    /// (Asia/Tokyo unless set). Set it before the first roll-up: days already rolled up keep
    /// the boundaries they were made with.
    pub fn with_zone(mut self, zone: Zone) -> Self {
        self.zone = zone;
        self
    }

    /// The site's time zone: the one every calendar day, month and time shown follows.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// Opens a transaction that writes. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): with a deferred start, a transaction that reads first fails
    /// with "database is locked" (SQLITE_BUSY_SNAPSHOT) when another writer committed in
    /// between, instead of queueing on the busy timeout. Ingest and the alerting stage
    /// write side by side, so this matters. PostgreSQL needs nothing special.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Connects to `url` (`sqlite://…` or `postgres://…`) and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers work while one writer commits; NORMAL sync is
                        // durable across application crashes in WAL mode.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        tracing::info!(backend = backend.as_str(), "database ready");
        Ok(Store {
            pool,
            backend,
            zone: Zone::default(),
        })
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers, for health checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection, waiting for running statements; used on shutdown.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend_and_hide_passwords() {
        assert_eq!(Backend::from_url("sqlite://x").ok(), Some(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgres://u:p@h/db").ok(),
            Some(Backend::Postgres)
        );
        let err = Backend::from_url("mysql://u:secret@h/db").unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }
}
