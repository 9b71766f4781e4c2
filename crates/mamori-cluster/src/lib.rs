//! mamori past one machine. A single `mamori serve` keeps every accepted line in its own
//! durable queue and stores it itself; in a cluster the nodes share PostgreSQL and a NATS
//! JetStream stream instead:
//!
//! - an **ingest node** accepts syslog and HTTP lines into its durable queue as a single
//!   node does, and its queue is drained by [`StreamForward`], which publishes each batch to
//!   the stream and waits for JetStream to have it before the queue lets the batch go;
//! - a **detect node** runs [`run_detect`]: it owns its fair share of the stream's
//!   [`PARTITIONS`] (each organisation's lines are in one; so adding a node spreads the
//!   work, and an organisation's correlations see all of its lines on one node), takes
//!   batches from them, routes, parses and inspects them, stores them, and only then
//!   acknowledges them. What a node took but did not acknowledge (it died) is delivered again
//!   to the node that takes its partition over, after [`BusConfig::ack_wait`]; lines keep the
//!   identifiers their ingest node gave them, so a redelivery stores nothing twice
//!   (`Store::write_delivered_batch`).
//!
//! [`Bus`] connects and makes sure the stream and the consumer exist. Parts that must run on
//! one node at a time (alerting, the report schedule) run where [`lead`] holds their lock.

mod bus;
mod consume;
mod error;
mod leader;
mod publish;

pub use bus::{Bus, BusConfig, PARTITIONS};
pub use consume::{DetectStats, run_detect};
pub use error::ClusterError;
pub use leader::{CHECK, Duty, lead};
pub use publish::StreamForward;
