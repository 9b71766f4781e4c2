//! Log line parsers for mamori's monitoring side: one small module per device format (Yamaha
//! RTX, FortiGate, pfSense / OPNsense, Suricata EVE, Linux, the systemd journal, Windows event logs, syslog, JSON), each behind the
//! [`Parser`] trait and turning one line into a normalised [`mamori_model::Event`]; the
//! [`Format`] names users pick in configuration and on the command line; the shared field
//! readers ([`normalise`]); and [`parse_stream`] for the offline `mamori parse`.
//!
//! Pure functions of the line and its receive time: no I/O but [`parse_stream`]'s reader and
//! writer, no runtime, no database, so detection's tests and benchmarks use the real parsers
//! without the ingest pipeline.
//!
//! Most formats may arrive bare or inside an RFC 5424 / RFC 3164 header (a relay or the
//! device itself adds one); every parser first splits off such a header with
//! [`syslog::Envelope`] and then reads the body.

/// Declares a unit-struct [`Parser`] for `$format` whose work is `$read`, a function over the
/// line's [`syslog::Envelope`]; auto-detection calls the same function on the envelope it
/// has already split.
macro_rules! envelope_parser {
    ($(#[$meta:meta])* $name:ident, $format:expr, $read:path) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $crate::Parser for $name {
            fn format(&self) -> $crate::Format {
                $format
            }

            fn parse(
                &self,
                line: &str,
                received_at: chrono::DateTime<chrono::Utc>,
            ) -> Result<mamori_model::Event, $crate::ParseError> {
                $read(&$crate::syslog::Envelope::read(
                    $format,
                    line,
                    received_at,
                )?)
            }
        }
    };
}

mod auto;
pub mod cef;
mod eve;
mod filterlog;
mod fortigate;
mod journald;
mod json;
mod linux;
mod rtx;
mod syslog;
mod windows;

pub mod normalise;
pub mod severity;
mod stream;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use mamori_model::Event;

pub use auto::AutoParser;
pub use eve::EveParser;
pub use filterlog::FilterlogParser;
pub use fortigate::FortigateParser;
pub use journald::JournaldParser;
pub use json::{JsonMapping, JsonParser};
pub use linux::LinuxAuthParser;
pub use rtx::RtxParser;
pub use stream::{ParseSummary, parse_stream};
pub use syslog::{Rfc3164Parser, Rfc5424Parser};
pub use windows::WindowsParser;

/// The formats mamori reads. The names (`rtx`, `linux-auth`, …) are what users write in a
/// source's configuration and in `mamori parse --format`, and what [`Event::format`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Detect the format line by line.
    Auto,
    /// Yamaha RTX routers.
    Rtx,
    /// FortiGate `key=value` logs.
    Fortigate,
    /// pfSense / OPNsense `filterlog` CSV.
    Filterlog,
    /// Suricata EVE JSON.
    Eve,
    /// RFC 5424 syslog.
    Rfc5424,
    /// RFC 3164 (BSD) syslog, read leniently.
    Rfc3164,
    /// Linux sshd, sudo and kernel firewall (iptables / nftables `LOG`) lines.
    LinuxAuth,
    /// systemd journal entries in `journalctl -o json` form, as the endpoint agent ships them.
    Journald,
    /// Windows event logs from Winlogbeat, NXLog or Fluent Bit (or an EVTX reader's JSON).
    Windows,
    /// Plain JSON objects read through a [`JsonMapping`].
    Json,
}

impl Format {
    /// Every format, in the order they are listed to users.
    pub const ALL: [Format; 11] = [
        Format::Auto,
        Format::Rtx,
        Format::Fortigate,
        Format::Filterlog,
        Format::Eve,
        Format::Rfc5424,
        Format::Rfc3164,
        Format::LinuxAuth,
        Format::Journald,
        Format::Windows,
        Format::Json,
    ];

    /// The stable name of the format.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Rtx => "rtx",
            Format::Fortigate => "fortigate",
            Format::Filterlog => "filterlog",
            Format::Eve => "eve",
            Format::Rfc5424 => "rfc5424",
            Format::Rfc3164 => "rfc3164",
            Format::LinuxAuth => "linux-auth",
            Format::Journald => "journald",
            Format::Windows => "windows",
            Format::Json => "json",
        }
    }
}

/// Whether `event`, read from a source whose format is `pinned`, was understood only as far as
/// the syslog envelope: `auto` recognised no device format in the message and fell back to
/// the bare RFC 3164/5424 reading (a time, a host and the text). Counted per source, so a
/// provider sees at once that a device sends a format mamori does not read.
pub fn envelope_only(pinned: Format, event: &mamori_model::Event) -> bool {
    pinned == Format::Auto
        && [Format::Rfc3164.as_str(), Format::Rfc5424.as_str()].contains(&event.format.as_str())
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that mamori does not know, with the names it does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown format '{0}' (known: auto, rtx, fortigate, filterlog, eve, rfc5424, rfc3164, linux-auth, journald, windows, json)"
)]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// Why a line could not be read, in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{format}: {reason}")]
pub struct ParseError {
    /// The parser that gave up.
    pub format: Format,
    /// What was wrong with the line.
    pub reason: String,
}

impl ParseError {
    /// An error of parser `format` for `reason`.
    pub fn new(format: Format, reason: impl Into<String>) -> Self {
        Self {
            format,
            reason: reason.into(),
        }
    }
}

/// One way of reading a line into an [`Event`]. Each format has one implementation; sources
/// hold the parser their configuration names.
pub trait Parser: Send + Sync {
    /// Which format this parser reads.
    fn format(&self) -> Format;

    /// Reads one line. `received_at` is when mamori got it: the event's time when the line
    /// carries none, and the reference for dates written without a year.
    fn parse(&self, line: &str, received_at: DateTime<Utc>) -> Result<Event, ParseError>;
}

/// The JSON parser with the default mapping, shared by [`parser_for`] and auto-detection.
static DEFAULT_JSON: std::sync::LazyLock<JsonParser> =
    std::sync::LazyLock::new(JsonParser::default);

/// The parser for `format`, with the default [`JsonMapping`] for `json`.
pub fn parser_for(format: Format) -> &'static dyn Parser {
    match format {
        Format::Auto => &AutoParser,
        Format::Rtx => &RtxParser,
        Format::Fortigate => &FortigateParser,
        Format::Filterlog => &FilterlogParser,
        Format::Eve => &EveParser,
        Format::Rfc5424 => &Rfc5424Parser,
        Format::Rfc3164 => &Rfc3164Parser,
        Format::LinuxAuth => &LinuxAuthParser,
        Format::Journald => &JournaldParser,
        Format::Windows => &WindowsParser,
        Format::Json => &*DEFAULT_JSON,
    }
}

/// Reads one line in `format`, received at `received_at`. The entry point for listeners and
/// the `mamori parse` command.
pub fn parse_line(
    format: Format,
    line: &str,
    received_at: DateTime<Utc>,
) -> Result<Event, ParseError> {
    parser_for(format).parse(line, received_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        let err = "syslog".parse::<Format>().expect_err("unknown");
        assert!(err.to_string().contains("linux-auth"));
    }

    #[test]
    fn empty_lines_fail_in_every_format() {
        for f in Format::ALL {
            let err = parse_line(f, "   ", Utc::now()).expect_err("empty");
            assert_eq!(err.format, f);
        }
    }
}
