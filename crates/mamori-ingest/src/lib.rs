//! Ingest for mamori's monitoring side: reads syslog and JSON lines from SME edge devices
//! (Yamaha RTX, FortiGate, pfSense / OPNsense, Suricata, Linux servers) and turns each into a
//! normalised [`mamori_model::Event`].
//!
//! This crate holds the parse-and-normalise stage only: [`parse_line`] for one line, and
//! [`parse_stream`] for the offline `mamori parse` command. Listeners and the durable queue
//! come later and call the same functions.

pub mod normalise;
pub mod parse;
mod stream;

pub use parse::{
    Format, JsonMapping, JsonParser, ParseError, Parser, UnknownFormat, parse_line, parser_for,
};
pub use stream::{ParseSummary, parse_stream};
