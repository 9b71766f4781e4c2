//! What can go wrong talking to NATS.

/// A failure of the bus, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The NATS server could not be reached.
    #[error("cannot connect to NATS at {url}: {reason}")]
    Connect {
        /// The server's address as configured.
        url: String,
        /// Why.
        reason: String,
    },
    /// The stream or the consumer could not be made or read.
    #[error("cannot set up the JetStream {what}: {reason}")]
    Setup {
        /// `stream` or `consumer`.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The locks that share work between nodes could not be taken or read.
    #[error("cannot take the cluster's locks in PostgreSQL: {0}")]
    Lock(String),
    /// Taking messages from the stream failed.
    #[error("cannot read from the JetStream stream: {0}")]
    Fetch(String),
}
