//! Ingest for mamori's monitoring side: reads syslog and JSON lines from SME edge devices
//! (Yamaha RTX, FortiGate, pfSense / OPNsense, Suricata, Linux servers) and stores each as a
//! normalised [`mamori_model::Event`], parsed by `mamori-parse`.
//!
//! The stages, each in its own module: [`listen`] accepts syslog over UDP, TCP and TLS;
//! [`queue`] writes every accepted line to a durable on-disk queue before anything else
//! happens to it; [`pipeline`] reads the queue, finds each line's registered [`source`],
//! parses it (`mamori-parse`) and stores it with `mamori-store` exactly once; on a
//! cluster's ingest node [`forward`] hands the queue's batches on instead.
//! [`RunningIngest`] starts and stops them together.

pub mod forward;
pub mod listen;
pub mod pipeline;
pub mod queue;
pub mod rework;
mod service;
pub mod source;

pub use service::{Drain, IngestHandle, IngestSettings, IngestStatus, RunningIngest, StartError};
