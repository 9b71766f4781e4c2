//! Small helpers every format parser shares: `key=value` splitting, address and port parsing,
//! timestamps in the many shapes devices write them, and the mapping of device words to
//! mamori's vocabulary. Each is written by hand for speed (no regex on the hot path) and
//! returns `None` instead of panicking on anything odd.

use std::borrow::Cow;
use std::net::IpAddr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use mamori_model::{Event, Severity};
use serde_json::{Map, Value};

use crate::{Format, ParseError};

/// The offset assumed for device clocks that write local time without a zone (Yamaha RTX,
/// RFC 3164 headers, FortiGate `date=`/`time=` without `tz=`): Japan Standard Time, because
/// mamori's users are Japanese companies whose devices are set to JST.
pub const LOCAL_OFFSET: FixedOffset = mamori_model::JST;

/// Iterator over `key=value` pairs separated by spaces, as FortiGate and kernel firewall lines
/// write them, or by commas, as FortiGate's log export writes them. Values may be
/// double-quoted with spaces and `\"` escapes inside; a token without `=` (kernel flags such
/// as `SYN`) comes out with no value. An unterminated quote runs to the end of the line
/// rather than failing.
pub struct KvPairs<'a> {
    rest: &'a str,
    /// Pairs are separated by commas (unquoted values may then hold spaces).
    commas: bool,
}

impl<'a> KvPairs<'a> {
    /// Starts splitting space-separated `text`.
    pub fn new(text: &'a str) -> Self {
        Self {
            rest: text,
            commas: false,
        }
    }

    /// Starts splitting `text`, separated by commas when its first pair is followed by one
    /// (`date=2024-05-01,time=10:15:30,…`), else by spaces.
    pub fn detect(text: &'a str) -> Self {
        let mut first = Self {
            rest: text,
            commas: true,
        };
        let commas = first.next().is_some_and(|(_, v)| v.is_some()) && first.rest.starts_with(',');
        Self { rest: text, commas }
    }
}

impl<'a> Iterator for KvPairs<'a> {
    type Item = (&'a str, Option<Cow<'a, str>>);

    fn next(&mut self) -> Option<Self::Item> {
        let text = if self.commas {
            self.rest.trim_start_matches([' ', '\t', ','])
        } else {
            self.rest.trim_start_matches([' ', '\t'])
        };
        if text.is_empty() {
            self.rest = text;
            return None;
        }
        let token_end = if self.commas {
            text.find([' ', '\t', '=', ','])
        } else {
            text.find([' ', '\t', '='])
        }
        .unwrap_or(text.len());
        let key = &text[..token_end];
        let after = &text[token_end..];
        let Some(value_text) = after.strip_prefix('=') else {
            self.rest = after;
            return Some((key, None));
        };
        let (value, rest) = match value_text.strip_prefix('"') {
            Some(quoted) => split_quoted(quoted),
            None => {
                let end = if self.commas {
                    value_text.find(',')
                } else {
                    value_text.find([' ', '\t'])
                }
                .unwrap_or(value_text.len());
                (Cow::Borrowed(&value_text[..end]), &value_text[end..])
            }
        };
        self.rest = rest;
        Some((key, Some(value)))
    }
}

/// Marks `event` as a sign-in, a failed sign-in or a sign-out (`action`): category `auth`,
/// and `low` for a failure (one failure is worth a record; repeated ones are for detection
/// rules), `info` otherwise.
pub fn sign_in(event: &mut Event, action: mamori_model::Action) {
    event.category = mamori_model::Category::Auth;
    event.action = action;
    event.severity = if action == mamori_model::Action::LoginFailure {
        Severity::Low
    } else {
        Severity::Info
    };
}

/// Splits the inside of a double-quoted value (opening quote already removed) into the value,
/// with `\"`, `\\` and `\]` unescaped, and the text after the closing quote.
fn split_quoted(text: &str) -> (Cow<'_, str>, &str) {
    let bytes = text.as_bytes();
    let mut owned: Option<String> = None;
    let mut start = 0;
    let mut i = 0;
    while let Some(offset) = memchr::memchr2(b'"', b'\\', &bytes[i..]) {
        let at = i + offset;
        if bytes[at] == b'"' {
            let value = match owned {
                Some(mut s) => {
                    s.push_str(&text[start..at]);
                    Cow::Owned(s)
                }
                None => Cow::Borrowed(&text[..at]),
            };
            return (value, &text[at + 1..]);
        }
        // A backslash: keep the next character literally when it is a quote, a backslash or
        // (in RFC 5424 structured data) a closing bracket.
        match bytes.get(at + 1) {
            Some(b'"' | b'\\' | b']') => {
                let s = owned.get_or_insert_with(String::new);
                s.push_str(&text[start..at]);
                start = at + 1;
                i = at + 2;
            }
            _ => i = at + 1,
        }
    }
    let value = match owned {
        Some(mut s) => {
            s.push_str(&text[start..]);
            Cow::Owned(s)
        }
        None => Cow::Borrowed(text),
    };
    (value, "")
}

/// Parses `address:port`, `[v6-address]:port`, a bare IPv4 or IPv6 address, or, with
/// `dotted_port`, the `address.port` form Yamaha NAT logs use.
pub fn parse_endpoint(text: &str, dotted_port: bool) -> Option<(IpAddr, Option<u16>)> {
    if let Some(inner) = text.strip_prefix('[') {
        let (addr, rest) = inner.split_once(']')?;
        let ip = addr.parse().ok()?;
        return match rest.strip_prefix(':') {
            Some(port) => Some((ip, Some(port.parse().ok()?))),
            None if rest.is_empty() => Some((ip, None)),
            None => None,
        };
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some((ip, None));
    }
    let sep = if dotted_port { '.' } else { ':' };
    let (addr, port) = text.rsplit_once(sep)?;
    Some((addr.parse().ok()?, Some(port.parse().ok()?)))
}

/// Parses an address, ignoring surrounding spaces; `None` for empty or invalid text.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    text.trim().parse().ok()
}

/// Parses a port number; `None` for empty or invalid text.
pub fn parse_port(text: &str) -> Option<u16> {
    text.trim().parse().ok()
}

/// A protocol name in lower case; IANA numbers of the common protocols become their names.
pub fn protocol_name(text: &str) -> Option<String> {
    let name = match text.trim() {
        "" => return None,
        "1" => "icmp",
        "6" => "tcp",
        "17" => "udp",
        "47" => "gre",
        "50" => "esp",
        "58" => "ipv6-icmp",
        other => return Some(other.to_ascii_lowercase()),
    };
    Some(name.to_owned())
}

/// Reads `digits` ASCII digits at the start of `text`.
fn number(text: &str, digits: usize) -> Option<u32> {
    let part = text.get(..digits)?;
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

/// Reads `HH:MM:SS` with an optional `.fraction`, returning the time as a naive time
/// and the length consumed.
fn clock(text: &str) -> Option<(chrono::NaiveTime, usize)> {
    let (h, m, s) = (
        number(text, 2)?,
        number(text.get(3..)?, 2)?,
        number(text.get(6..)?, 2)?,
    );
    if text.as_bytes().get(2) != Some(&b':') || text.as_bytes().get(5) != Some(&b':') {
        return None;
    }
    let mut len = 8;
    let mut nanos = 0u32;
    if text.as_bytes().get(8) == Some(&b'.') {
        let digits = text
            .get(9..)?
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let frac = text.get(9..9 + digits.min(9))?;
        nanos = frac.parse::<u32>().ok()? * 10u32.pow(9 - frac.len() as u32);
        len = 9 + digits;
    }
    Some((chrono::NaiveTime::from_hms_nano_opt(h, m, s, nanos)?, len))
}

/// Reads a zone suffix: `Z`, `+09:00`, `+0900` or `+09`; `None` when there is none.
fn zone(text: &str) -> Option<(FixedOffset, usize)> {
    let bytes = text.as_bytes();
    match bytes.first()? {
        b'Z' | b'z' => Some((FixedOffset::east_opt(0)?, 1)),
        sign @ (b'+' | b'-') => {
            let hours = number(text.get(1..)?, 2)? as i32;
            let (minutes, len) = match bytes.get(3) {
                Some(b':') => (number(text.get(4..)?, 2)?, 6),
                Some(b) if b.is_ascii_digit() => (number(text.get(3..)?, 2)?, 5),
                _ => (0, 3),
            };
            let seconds = hours * 3600 + minutes as i32 * 60;
            let offset = FixedOffset::east_opt(if *sign == b'-' { -seconds } else { seconds })?;
            Some((offset, len))
        }
        _ => None,
    }
}

/// Parses a zone text as FortiGate's `tz=` writes it (`+0900`, `-0500`, `+09:00`).
pub fn parse_zone(text: &str) -> Option<FixedOffset> {
    match zone(text.trim())? {
        (offset, len) if len == text.trim().len() => Some(offset),
        _ => None,
    }
}

/// Parses `YYYY-MM-DD`, `YYYY/MM/DD` followed by `T` or a space and a clock, then an
/// optional zone (`Z`, `+09:00`, `+0900`); a time without a zone is read in `default_zone`.
/// Returns the instant and the number of bytes consumed. Covers RFC 3339, Suricata's
/// `+0900` offsets and Yamaha's `2020/01/23 14:12:42`.
pub fn parse_datetime_prefix(
    text: &str,
    default_zone: FixedOffset,
) -> Option<(DateTime<Utc>, usize)> {
    let bytes = text.as_bytes();
    let sep = *bytes.get(4)?;
    if !(sep == b'-' || sep == b'/') || bytes.get(7) != Some(&sep) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        number(text, 4)? as i32,
        number(text.get(5..)?, 2)?,
        number(text.get(8..)?, 2)?,
    )?;
    if !matches!(bytes.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let (time, clock_len) = clock(text.get(11..)?)?;
    let mut len = 11 + clock_len;
    let offset = match text.get(len..).and_then(zone) {
        Some((offset, zone_len)) => {
            len += zone_len;
            offset
        }
        None => default_zone,
    };
    let local = NaiveDateTime::new(date, time);
    Some((offset.from_local_datetime(&local).single()?.to_utc(), len))
}

/// Parses a whole text as a date-time (see [`parse_datetime_prefix`]); trailing text fails.
pub fn parse_datetime(text: &str, default_zone: FixedOffset) -> Option<DateTime<Utc>> {
    let text = text.trim();
    match parse_datetime_prefix(text, default_zone)? {
        (at, len) if len == text.len() => Some(at),
        _ => None,
    }
}

/// Places a month, day and time that came without a year (RFC 3164 `Jan 23 14:12:42`, Yamaha
/// `01/23 14:12:42`) in the year that puts them closest before `received_at`: the received
/// year, or the year before when that would be more than a day in the future (a December
/// line received in January). `None` for impossible dates such as 29 February in a
/// non-leap year.
pub fn place_in_year(
    month: u32,
    day: u32,
    time: chrono::NaiveTime,
    zone: FixedOffset,
    received_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let received_local = received_at.with_timezone(&zone);
    let at = |year: i32| -> Option<DateTime<Utc>> {
        let date = NaiveDate::from_ymd_opt(year, month, day)?;
        Some(
            zone.from_local_datetime(&date.and_time(time))
                .single()?
                .to_utc(),
        )
    };
    let year = received_local.year();
    match at(year) {
        Some(candidate) if candidate <= received_at + chrono::Duration::days(1) => Some(candidate),
        _ => at(year - 1),
    }
}

/// Reads `MM/DD HH:MM:SS` (a Yamaha time without year), placing it with [`place_in_year`].
pub fn parse_month_day_time(
    text: &str,
    zone: FixedOffset,
    received_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.as_bytes().get(2) != Some(&b'/') || text.as_bytes().get(5) != Some(&b' ') {
        return None;
    }
    let (time, len) = clock(text.get(6..)?)?;
    if 6 + len != text.len() {
        return None;
    }
    place_in_year(
        number(text, 2)?,
        number(text.get(3..)?, 2)?,
        time,
        zone,
        received_at,
    )
}

/// The month number of an English three-letter abbreviation (`Jan` → 1), any case.
fn month_number(abbrev: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(abbrev))
        .map(|i| i as u32 + 1)
}

/// A BSD syslog timestamp (`Jan 23 14:12:42`, `Jan  3 14:12:42`, with an optional year
/// `Jan 23 2020 14:12:42` as Cisco-like devices write) at the start of `text`. Returns the
/// instant (`None` inside when the shape matched but the date is impossible) and the bytes
/// consumed; the outer `None` means the text does not start with such a timestamp.
pub fn parse_bsd_timestamp(
    text: &str,
    zone: FixedOffset,
    received_at: DateTime<Utc>,
) -> Option<(Option<DateTime<Utc>>, usize)> {
    let month = month_number(text.get(..3)?)?;
    if text.as_bytes().get(3) != Some(&b' ') {
        return None;
    }
    let after_month = text.get(4..)?.trim_start_matches(' ');
    let mut pos = text.len() - after_month.len();
    let day_len = after_month.bytes().take_while(u8::is_ascii_digit).count();
    if day_len == 0 || day_len > 2 || after_month.as_bytes().get(day_len) != Some(&b' ') {
        return None;
    }
    let day: u32 = after_month.get(..day_len)?.parse().ok()?;
    pos += day_len + 1;
    let mut year = None;
    if let Some(y) = text.get(pos..).and_then(|t| number(t, 4))
        && text.as_bytes().get(pos + 4) == Some(&b' ')
    {
        year = Some(y as i32);
        pos += 5;
    }
    let (time, clock_len) = clock(text.get(pos..)?)?;
    pos += clock_len;
    let at = match year {
        Some(y) => NaiveDate::from_ymd_opt(y, month, day)
            .and_then(|d| zone.from_local_datetime(&d.and_time(time)).single())
            .map(|t| t.to_utc()),
        None => place_in_year(month, day, time, zone, received_at),
    };
    Some((at, pos))
}

/// An instant from a Unix epoch number in seconds, milliseconds, microseconds or
/// nanoseconds, told apart by magnitude (FortiGate's `eventtime` changed unit between
/// FortiOS versions).
pub fn from_epoch(value: i64) -> Option<DateTime<Utc>> {
    let magnitude = value.unsigned_abs();
    if magnitude >= 100_000_000_000_000_000 {
        Some(DateTime::from_timestamp_nanos(value))
    } else if magnitude >= 100_000_000_000_000 {
        DateTime::from_timestamp_micros(value)
    } else if magnitude >= 100_000_000_000 {
        DateTime::from_timestamp_millis(value)
    } else {
        DateTime::from_timestamp(value, 0)
    }
}

/// Sets `event.fields[key]` to a JSON string.
pub fn put(event: &mut Event, key: &str, value: &str) {
    event
        .fields
        .insert(key.to_owned(), Value::String(value.to_owned()));
}

/// Sets an optional string field from borrowed text, leaving it `None` for empty text.
pub fn text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Parses a JSON object body, as both EVE and the plain JSON parser need.
pub fn json_object(format: Format, body: &str) -> Result<Map<String, Value>, ParseError> {
    serde_json::from_str(body.trim())
        .map_err(|err| ParseError::new(format, format!("not a JSON object: {err}")))
}

/// A string at a dotted path (`alert.signature`); see [`value_at`].
pub fn str_at<'v>(object: &'v Map<String, Value>, path: &str) -> Option<&'v str> {
    value_at(object, path).and_then(Value::as_str)
}

/// The value at a dotted path: a top-level key spelled exactly so (`source.ip` as one key)
/// wins, else the path walks nested objects (`{"source": {"ip": …}}`).
pub fn value_at<'v>(object: &'v Map<String, Value>, path: &str) -> Option<&'v Value> {
    if let Some(value) = object.get(path) {
        return Some(value);
    }
    let (parents, last) = path.rsplit_once('.')?;
    let mut current = object;
    for key in parents.split('.') {
        current = current.get(key)?.as_object()?;
    }
    current.get(last)
}

/// A port number at a dotted path, whether written as a number or a string.
pub fn port_at(object: &Map<String, Value>, path: &str) -> Option<u16> {
    match value_at(object, path)? {
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test time")
            .to_utc()
    }

    #[test]
    fn kv_pairs_handle_quotes_escapes_and_flags() {
        let pairs: Vec<_> =
            KvPairs::new(r#"a=1 msg="two words" esc="say \"hi\"" SYN b= c="open"#).collect();
        assert_eq!(
            pairs,
            vec![
                ("a", Some(Cow::Borrowed("1"))),
                ("msg", Some(Cow::Borrowed("two words"))),
                ("esc", Some(Cow::Owned(r#"say "hi""#.to_owned()))),
                ("SYN", None),
                ("b", Some(Cow::Borrowed(""))),
                ("c", Some(Cow::Borrowed("open"))),
            ]
        );
    }

    #[test]
    fn endpoints_in_every_shape() {
        let v4 = "192.0.2.1".parse().ok();
        assert_eq!(
            parse_endpoint("192.0.2.1:80", false),
            v4.map(|ip| (ip, Some(80)))
        );
        assert_eq!(parse_endpoint("192.0.2.1", false), v4.map(|ip| (ip, None)));
        assert_eq!(
            parse_endpoint("192.0.2.1.80", true),
            v4.map(|ip| (ip, Some(80)))
        );
        let v6 = "2001:db8::1".parse().ok();
        assert_eq!(
            parse_endpoint("[2001:db8::1]:443", false),
            v6.map(|ip| (ip, Some(443)))
        );
        assert_eq!(
            parse_endpoint("2001:db8::1", false),
            v6.map(|ip| (ip, None))
        );
        assert_eq!(
            parse_endpoint("2001:db8::1.443", true),
            v6.map(|ip| (ip, Some(443)))
        );
        assert_eq!(parse_endpoint("nonsense:1", false), None);
        assert_eq!(parse_endpoint("[::1", false), None);
    }

    #[test]
    fn datetimes_with_and_without_zones() {
        let jst = LOCAL_OFFSET;
        assert_eq!(
            parse_datetime("2020-01-23T14:12:42.5+09:00", jst),
            Some(at("2020-01-23T05:12:42.5Z"))
        );
        assert_eq!(
            parse_datetime("2020-01-23T14:12:42.123456+0900", jst),
            Some(at("2020-01-23T05:12:42.123456Z"))
        );
        assert_eq!(
            parse_datetime("2020/01/23 14:12:42", jst),
            Some(at("2020-01-23T05:12:42Z"))
        );
        assert_eq!(
            parse_datetime("2020-01-23T05:12:42Z", jst),
            Some(at("2020-01-23T05:12:42Z"))
        );
        assert_eq!(parse_datetime("2020-02-30T05:12:42Z", jst), None);
        assert_eq!(parse_datetime("2020-01-23T05:12:42Zjunk", jst), None);
    }

    #[test]
    fn dates_without_year_take_the_closest_past_year() {
        let jst = LOCAL_OFFSET;
        let received = at("2021-01-02T00:00:00Z");
        assert_eq!(
            parse_month_day_time("12/31 23:59:00", jst, received),
            Some(at("2020-12-31T14:59:00Z"))
        );
        assert_eq!(
            parse_month_day_time("01/02 08:30:00", jst, received),
            Some(at("2021-01-01T23:30:00Z"))
        );
        let (when, len) =
            parse_bsd_timestamp("Feb 29 10:00:00 host", jst, received).expect("shape matches");
        assert_eq!((when, len), (Some(at("2020-02-29T01:00:00Z")), 15));
        let (when, _) =
            parse_bsd_timestamp("Feb 29 10:00:00 host", jst, at("2023-03-01T00:00:00Z"))
                .expect("shape matches");
        assert_eq!(when, None, "2022 and 2023 have no 29 February");
        let (when, len) =
            parse_bsd_timestamp("Jan  3 2020 01:02:03 x", jst, received).expect("shape with year");
        assert_eq!((when, len), (Some(at("2020-01-02T16:02:03Z")), 20));
    }

    #[test]
    fn epoch_units_by_magnitude() {
        let expected = Some(at("2024-05-01T01:15:30Z"));
        assert_eq!(from_epoch(1_714_526_130), expected);
        assert_eq!(from_epoch(1_714_526_130_000), expected);
        assert_eq!(from_epoch(1_714_526_130_000_000), expected);
        assert_eq!(from_epoch(1_714_526_130_000_000_000), expected);
    }
}
