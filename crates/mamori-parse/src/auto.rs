//! Per-line format detection for sources that send mixed formats (or whose format is not
//! configured yet). Detection looks only at cheap markers: the header's application name and
//! the first bytes or fixed substrings of the message; the chosen parser's name is recorded
//! in the event's `format`.

use chrono::{DateTime, Utc};
use mamori_model::Event;

use super::syslog::{self, Envelope, HeaderKind};
use super::{
    DEFAULT_JSON, Format, ParseError, Parser, eve, filterlog, fortigate, journald, linux, rtx,
    windows,
};

/// Detects the format of each line, then reads it with that format's parser.
#[derive(Debug, Clone, Copy, Default)]
pub struct AutoParser;

impl Parser for AutoParser {
    fn format(&self) -> Format {
        Format::Auto
    }

    fn parse(&self, line: &str, received_at: DateTime<Utc>) -> Result<Event, ParseError> {
        let envelope = Envelope::read(Format::Auto, line, received_at)?;
        match detect(&envelope) {
            Format::Rtx => rtx::parse_envelope(&envelope),
            Format::Fortigate => fortigate::parse_envelope(&envelope),
            Format::Filterlog => filterlog::parse_envelope(&envelope),
            Format::Eve => eve::parse_envelope(&envelope),
            Format::LinuxAuth => linux::parse_envelope(&envelope),
            Format::Journald => journald::parse_envelope(&envelope),
            Format::Windows => windows::parse_envelope(&envelope),
            Format::Json => DEFAULT_JSON.parse_envelope(&envelope),
            Format::Rfc5424 => syslog::parse_rfc5424(&envelope),
            // `detect` never answers `Auto`; lenient RFC 3164 reads anything.
            Format::Rfc3164 | Format::Auto => syslog::parse_rfc3164(&envelope),
        }
    }
}

/// The format a line most likely has. Lines no specific parser claims fall back to the
/// generic syslog format of their header, or JSON, or lenient RFC 3164.
pub fn detect(envelope: &Envelope<'_>) -> Format {
    let msg = envelope.msg();
    let content = envelope.content();
    if msg.starts_with('{') {
        return if eve::looks_like(msg) {
            Format::Eve
        } else if journald::looks_like(msg) {
            Format::Journald
        } else if windows::looks_like(msg) {
            Format::Windows
        } else {
            Format::Json
        };
    }
    if fortigate::looks_like(content) {
        Format::Fortigate
    } else if filterlog::looks_like(envelope.app(), msg) {
        Format::Filterlog
    } else if linux::looks_like(envelope.app(), msg) {
        Format::LinuxAuth
    } else if rtx::looks_like(content) {
        Format::Rtx
    } else if envelope.header.as_ref().map(|h| h.kind) == Some(HeaderKind::Rfc5424) {
        Format::Rfc5424
    } else {
        Format::Rfc3164
    }
}
