//! The NATS server for cluster tests: `MAMORI_TEST_NATS_URL`, set by `scripts/test-nats.sh`
//! (and by CI, which runs it).

/// The variable naming the NATS server (with JetStream) for tests.
pub const NATS_ENV: &str = "MAMORI_TEST_NATS_URL";

/// The test NATS server's URL. Without one, a test that needs it fails under CI (which
/// always starts one) and is skipped with a note elsewhere.
pub fn nats_url() -> Option<String> {
    match std::env::var(NATS_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{NATS_ENV} must name a NATS server with JetStream in CI (scripts/test-nats.sh)")
        }
        _ => {
            eprintln!("note: {NATS_ENV} is not set (scripts/test-nats.sh); skipping this test");
            None
        }
    }
}
