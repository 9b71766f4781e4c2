//! Ingest for mamori's monitoring side: reads syslog and JSON lines from SME edge devices
//! (Yamaha RTX, FortiGate, pfSense / OPNsense, Suricata, Linux servers) and turns each into a
//! normalised [`mamori_model::Event`].
//!
//! The stages, each in its own module: [`listen`] accepts syslog over UDP, TCP and TLS;
//! [`queue`] writes every accepted line to a durable on-disk queue before anything else
//! happens to it; [`pipeline`] reads the queue, finds each line's registered [`source`],
//! parses it ([`parse`], [`normalise`]) and stores it with `mamori-store` exactly once.
//! [`RunningIngest`] starts and stops them together.
//! [`parse_stream`] serves the offline `mamori parse` command.

pub mod listen;
pub mod normalise;
pub mod parse;
pub mod pipeline;
pub mod queue;
pub mod rework;
mod service;
pub mod source;
mod stream;

pub use parse::{
    Format, JsonMapping, JsonParser, ParseError, Parser, UnknownFormat, parse_line, parser_for,
};
pub use service::{IngestHandle, IngestSettings, IngestStatus, RunningIngest, StartError};
pub use stream::{ParseSummary, parse_stream};
