//! Syslog headers (RFC 5424 and a lenient RFC 3164) and the two generic syslog parsers.
//!
//! Written by hand rather than with `syslog_loose`: the other parsers need the header split
//! off a borrowed line without allocating, need the text after the host *with* the tag
//! (Yamaha messages such as `LAN2: link up` look like a tag), and must accept the Yamaha
//! show-log prefix `2020/01/23 14:12:42: `; a small splitter does all three and keeps the
//! dependency tree lean.

use chrono::{DateTime, Utc};
use mamori_model::{Category, Event};
use serde_json::{Map, Value};

use super::{Format, ParseError};
use crate::normalise::{
    LOCAL_OFFSET, parse_bsd_timestamp, parse_datetime, parse_datetime_prefix, put, text,
};

/// Which RFC a header followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKind {
    /// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`.
    Rfc5424,
    /// `<PRI>TIMESTAMP HOST TAG: MSG`, any part possibly missing.
    Rfc3164,
}

/// A syslog header split off a line; every part borrows from the line.
#[derive(Debug, Clone)]
pub struct Header<'a> {
    /// Which RFC the header followed.
    pub kind: HeaderKind,
    /// Facility × 8 + severity.
    pub pri: Option<u8>,
    /// The header's time, when it had one that could be read.
    pub timestamp: Option<DateTime<Utc>>,
    /// The sending host.
    pub host: Option<&'a str>,
    /// Application name (RFC 5424) or tag (RFC 3164).
    pub app: Option<&'a str>,
    /// Process id.
    pub procid: Option<&'a str>,
    /// RFC 5424 message id.
    pub msgid: Option<&'a str>,
    /// RFC 5424 structured data, still as text.
    pub structured_data: Option<&'a str>,
    /// Everything after the host: for RFC 3164 the tag and the message.
    pub content: &'a str,
    /// The message alone.
    pub msg: &'a str,
}

/// A line with its optional syslog header: what every parser starts from.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    /// The whole line as received.
    pub line: &'a str,
    /// The header, when the line had one.
    pub header: Option<Header<'a>>,
    /// When mamori received the line.
    pub received_at: DateTime<Utc>,
}

impl<'a> Envelope<'a> {
    /// Splits `line` for parser `format`. Fails only for an empty line or an impossible PRI.
    pub fn read(
        format: Format,
        line: &'a str,
        received_at: DateTime<Utc>,
    ) -> Result<Self, ParseError> {
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.trim().is_empty() {
            return Err(ParseError::new(format, "the line is empty"));
        }
        let header = split_header(trimmed.trim_start(), received_at)
            .map_err(|reason| ParseError::new(format, reason))?;
        Ok(Self {
            line,
            header,
            received_at,
        })
    }

    /// The text after the host (tag included), or the whole line when there is no header.
    pub fn content(&self) -> &'a str {
        match &self.header {
            Some(h) => h.content,
            None => self.line.trim(),
        }
    }

    /// The message after the tag, or the whole line when there is no header.
    pub fn msg(&self) -> &'a str {
        match &self.header {
            Some(h) => h.msg,
            None => self.line.trim(),
        }
    }

    /// The application name or tag, when the header had one.
    pub fn app(&self) -> Option<&'a str> {
        self.header.as_ref().and_then(|h| h.app)
    }

    /// A bare event for this line: timestamped by the header (or the receive time), with the
    /// header's host and parts recorded in `fields`.
    pub fn event(&self, format: Format) -> Event {
        let timestamp = self
            .header
            .as_ref()
            .and_then(|h| h.timestamp)
            .unwrap_or(self.received_at);
        let mut event = Event::new(format.as_str(), self.line, timestamp);
        event.received_at = Some(self.received_at);
        if let Some(h) = &self.header {
            event.host = h.host.and_then(text);
            if let Some(pri) = h.pri {
                event.fields.insert("syslog_pri".into(), Value::from(pri));
            }
            for (key, value) in [
                ("syslog_app", h.app),
                ("syslog_procid", h.procid),
                ("syslog_msgid", h.msgid),
            ] {
                if let Some(value) = value {
                    put(&mut event, key, value);
                }
            }
            if let Some(sd) = h.structured_data {
                event.fields.insert("syslog_sd".into(), structured_data(sd));
            }
        }
        event
    }
}

/// Reads `<PRI>` at the start; `Ok(None)` when the line does not start with one.
fn split_pri(line: &str) -> Result<(Option<u8>, &str), String> {
    let Some(after) = line.strip_prefix('<') else {
        return Ok((None, line));
    };
    let digits = after.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 || after.as_bytes().get(digits) != Some(&b'>') {
        return Ok((None, line));
    }
    let value: u16 = after[..digits].parse().unwrap_or(u16::MAX);
    match u8::try_from(value) {
        Ok(pri) if pri <= 191 => Ok((Some(pri), &after[digits + 1..])),
        _ => Err(format!("syslog priority <{value}> is out of range 0-191")),
    }
}

/// Splits the next space-separated token off `text`.
fn token(text: &str) -> (&str, &str) {
    match text.split_once(' ') {
        Some((tok, rest)) => (tok, rest),
        None => (text, ""),
    }
}

/// `-` is the RFC 5424 nil value.
fn nil(tok: &str) -> Option<&str> {
    (tok != "-" && !tok.is_empty()).then_some(tok)
}

/// Splits the header off a line; `Ok(None)` for a line with neither PRI nor timestamp.
fn split_header(line: &str, received_at: DateTime<Utc>) -> Result<Option<Header<'_>>, String> {
    let (pri, rest) = split_pri(line)?;
    if pri.is_some()
        && let Some(body) = rest.strip_prefix("1 ")
    {
        return Ok(Some(rfc5424(pri, body)));
    }
    Ok(rfc3164(pri, rest, received_at))
}

/// Reads the RFC 5424 fields after `<PRI>1 `.
fn rfc5424(pri: Option<u8>, body: &str) -> Header<'_> {
    let (ts, rest) = token(body);
    let (host, rest) = token(rest);
    let (app, rest) = token(rest);
    let (procid, rest) = token(rest);
    let (msgid, rest) = token(rest);
    let (sd, msg) = if rest.starts_with('[') {
        let end = structured_data_end(rest);
        (Some(&rest[..end]), &rest[end..])
    } else {
        let (tok, msg) = token(rest);
        (nil(tok), msg)
    };
    let msg = msg.strip_prefix(' ').unwrap_or(msg);
    let msg = msg.strip_prefix('\u{feff}').unwrap_or(msg);
    Header {
        kind: HeaderKind::Rfc5424,
        pri,
        timestamp: nil(ts).and_then(|ts| parse_datetime(ts, LOCAL_OFFSET)),
        host: nil(host),
        app: nil(app),
        procid: nil(procid),
        msgid: nil(msgid),
        structured_data: sd,
        content: msg,
        msg,
    }
}

/// The byte length of the one `[...]` element at the start of `text` (0 when there is none),
/// honouring quoted values with `\"` and `\]` escapes; an unclosed element runs to the end.
fn element_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'[') {
        return 0;
    }
    let (mut i, mut in_quotes) = (1, false);
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            b']' if !in_quotes => return i + 1,
            _ => {}
        }
        i += 1;
    }
    text.len()
}

/// The byte length of all structured-data elements at the start of `text` (`[..][..]`).
fn structured_data_end(text: &str) -> usize {
    let mut end = 0;
    loop {
        match text.get(end..).map(element_len) {
            Some(len) if len > 0 => end += len,
            _ => return end,
        }
    }
}

/// Structured data as JSON: `{"id": {"param": "value", …}, …}`.
fn structured_data(sd: &str) -> Value {
    let mut elements = Map::new();
    for element in split_elements(sd) {
        let (id, params) = token(element);
        let params = crate::normalise::KvPairs::new(params)
            .filter_map(|(k, v)| Some((k.to_owned(), Value::String(v?.into_owned()))))
            .collect();
        elements.insert(id.to_owned(), Value::Object(params));
    }
    Value::Object(elements)
}

/// The insides of each `[...]` element.
fn split_elements(sd: &str) -> impl Iterator<Item = &str> {
    let mut rest = sd;
    std::iter::from_fn(move || {
        let len = element_len(rest);
        let element = rest.get(1..len)?;
        rest = &rest[len..];
        Some(element.strip_suffix(']').unwrap_or(element))
    })
}

/// Whether a token after the timestamp cannot be a host name (it is a tag or a message).
fn not_a_host(tok: &str) -> bool {
    tok.is_empty() || tok.ends_with(':') || tok.contains(['[', '{', '=', ','])
}

/// Splits `tag[pid]: ` off an RFC 3164 content, returning (tag, pid, message).
fn split_tag(content: &str) -> (Option<&str>, Option<&str>, &str) {
    let (tok, rest) = token(content);
    let Some(tag) = tok.strip_suffix(':') else {
        return (None, None, content);
    };
    let (name, pid) = match tag.split_once('[') {
        Some((name, pid)) => match pid.strip_suffix(']') {
            Some(pid) => (name, Some(pid)),
            None => return (None, None, content),
        },
        None => (tag, None),
    };
    let valid = !name.is_empty()
        && name
            .bytes()
            // Older Linux logs name the PAM module in brackets: `sshd(pam_unix)[812]:`.
            .all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/' | b'(' | b')')
            });
    if valid {
        (Some(name), pid, rest)
    } else {
        (None, None, content)
    }
}

/// Reads a lenient RFC 3164 header after the optional PRI: a BSD or ISO timestamp (optionally
/// followed by a colon, as Yamaha's own log writes it), a host only when a timestamp came
/// first, then a tag. `None` when there is neither PRI nor timestamp.
fn rfc3164(pri: Option<u8>, rest: &str, received_at: DateTime<Utc>) -> Option<Header<'_>> {
    let (timestamp, after_ts) = match parse_bsd_timestamp(rest, LOCAL_OFFSET, received_at) {
        Some((at, len)) => (Some(at), &rest[len..]),
        None => match parse_datetime_prefix(rest, LOCAL_OFFSET) {
            Some((at, len)) => (Some(Some(at)), &rest[len..]),
            None => (None, rest),
        },
    };
    if pri.is_none() && timestamp.is_none() {
        return None;
    }
    let after_ts = after_ts.strip_prefix(':').unwrap_or(after_ts).trim_start();
    let (host, content) = match timestamp {
        Some(_) => {
            let (tok, after_host) = token(after_ts);
            if not_a_host(tok) || after_host.is_empty() {
                (None, after_ts)
            } else {
                (Some(tok), after_host.trim_start())
            }
        }
        None => (None, after_ts),
    };
    let (app, procid, msg) = split_tag(content);
    Some(Header {
        kind: HeaderKind::Rfc3164,
        pri,
        timestamp: timestamp.flatten(),
        host,
        app,
        procid,
        msgid: None,
        structured_data: None,
        content,
        msg,
    })
}

/// Reads a line as generic syslog: category `system`, severity from PRI, the message as is.
fn generic(format: Format, envelope: &Envelope<'_>) -> Event {
    let mut event = envelope.event(format);
    event.category = Category::System;
    if let Some(pri) = envelope.header.as_ref().and_then(|h| h.pri) {
        event.severity = crate::severity::from_pri(pri);
    }
    event.message = text(envelope.msg());
    event
}

/// Reads an RFC 5424 line from an already split line; other headers are refused.
pub fn parse_rfc5424(envelope: &Envelope<'_>) -> Result<Event, ParseError> {
    match envelope.header.as_ref().map(|h| h.kind) {
        Some(HeaderKind::Rfc5424) => Ok(generic(Format::Rfc5424, envelope)),
        _ => Err(ParseError::new(
            Format::Rfc5424,
            "expected an RFC 5424 header '<PRI>1 TIMESTAMP HOST APP PROCID MSGID'",
        )),
    }
}

/// Reads any line as lenient RFC 3164 from an already split line.
pub fn parse_rfc3164(envelope: &Envelope<'_>) -> Result<Event, ParseError> {
    Ok(generic(Format::Rfc3164, envelope))
}

envelope_parser!(
    /// RFC 5424 syslog from any application.
    Rfc5424Parser,
    Format::Rfc5424,
    parse_rfc5424
);

envelope_parser!(
    /// RFC 3164 (BSD) syslog from any application, accepting missing PRI, timestamp or host.
    Rfc3164Parser,
    Format::Rfc3164,
    parse_rfc3164
);

#[cfg(test)]
mod tests {
    use super::*;

    fn received() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .expect("test time")
            .to_utc()
    }

    fn header(line: &str) -> Header<'_> {
        split_header(line, received())
            .expect("valid")
            .expect("has a header")
    }

    #[test]
    fn rfc3164_without_host() {
        let h = header("<38>May  1 10:15:30 sshd[812]: Accepted password for alice");
        assert_eq!((h.host, h.app, h.procid), (None, Some("sshd"), Some("812")));
        assert_eq!(h.msg, "Accepted password for alice");
        assert_eq!(
            h.timestamp.map(|t| t.to_rfc3339()),
            Some("2024-05-01T01:15:30+00:00".into())
        );
    }

    #[test]
    fn rfc3164_with_host_keeps_tag_in_content() {
        let h = header("<190>May  1 10:15:30 rtx1210 LAN2: link up");
        assert_eq!(h.host, Some("rtx1210"));
        assert_eq!(h.content, "LAN2: link up");
        assert_eq!((h.app, h.msg), (Some("LAN2"), "link up"));
        let h = header("<190>May  1 10:15:30 PP[01] Rejected at IN(2000) filter");
        assert_eq!(
            (h.host, h.content),
            (None, "PP[01] Rejected at IN(2000) filter")
        );
    }

    #[test]
    fn pri_only_takes_no_host() {
        let h = header("<134>[INSPECT] LAN2[out][101100] TCP");
        assert_eq!(
            (h.host, h.timestamp, h.content),
            (None, None, "[INSPECT] LAN2[out][101100] TCP")
        );
    }

    #[test]
    fn rfc5424_with_structured_data() {
        let h = header(
            r#"<165>1 2024-05-01T10:15:30.5+09:00 web01 app 77 ID47 [ex@32473 iut="3" note="a \"b\" ]c"][x@1 y="z"] hello"#,
        );
        assert_eq!(
            (h.host, h.app, h.procid, h.msgid),
            (Some("web01"), Some("app"), Some("77"), Some("ID47"))
        );
        assert_eq!(h.msg, "hello");
        let sd = structured_data(h.structured_data.expect("has sd"));
        assert_eq!(sd["ex@32473"]["note"], r#"a "b" ]c"#);
        assert_eq!(sd["x@1"]["y"], "z");
    }

    #[test]
    fn bad_pri_is_an_error_and_no_header_is_none() {
        assert!(split_header("<999>hi", received()).is_err());
        assert!(split_header("just text", received()).expect("ok").is_none());
    }
}
