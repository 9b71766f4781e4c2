//! Yamaha RTX routers. They send bare messages without an RFC 3164 timestamp or host (a
//! relay may add one), for example:
//!
//! - `[INSPECT] LAN2[out][101100] TCP 192.168.0.5:51234 > 203.0.113.9:443 (2020/01/23 14:12:42)`
//! - `PP[01] Rejected at IN(2000) filter: TCP 198.51.100.7:41523 > 192.0.2.1:23`
//! - `[NAT(1000):LAN2] Released UDP 192.168.0.10.5353 <-> 203.0.113.1.20001 ==> 198.51.100.5.53`
//! - `LAN2: link up (1000BASE-T Full Duplex)`, `PP[01] PPPoE Connect`
//! - `Login succeeded for TELNET: 192.168.0.10`, `Logout from SSH: 192.168.0.10`
//! - `'save' succeeded for SSH: 192.168.0.10`, `[SSHD] ip filter 2000 reject * * * * *`
//!
//! Messages the parser does not know become `system`/`info` events with the text kept:
//! RTX logs many informational lines and none of them should be lost. A known message whose
//! addresses cannot be read is an error, because it would otherwise hide a block or login.

use chrono::{DateTime, Utc};
use mamori_model::{Action, Category, Event, Severity};

use super::syslog::Envelope;
use super::{Format, ParseError};
use crate::normalise::{
    LOCAL_OFFSET, parse_datetime, parse_endpoint, parse_month_day_time, protocol_name, put,
    sign_in, text,
};

envelope_parser!(
    /// Yamaha RTX router logs.
    RtxParser,
    Format::Rtx,
    parse_envelope
);

/// Whether `content` looks like an RTX message; used by auto-detection.
pub fn looks_like(content: &str) -> bool {
    bracket_tag(content)
        || content.starts_with("[INSPECT]")
        || content.starts_with("[NAT(")
        || content.starts_with("PP[")
        || content.starts_with("TUNNEL[")
        || content.starts_with("IP Tunnel[")
        || content.starts_with("Login succeeded")
        || content.starts_with("Login failed")
        || content.starts_with("Logout ")
        || content.starts_with("'save'")
        || content.contains(" Rejected at ")
        || content.contains(" Passed at ")
        || content.contains(": link up")
        || content.contains(": link down")
}

/// Whether `content` starts with an RTX function tag: `[SSHD]`, `[DHCPD]`, `[NAT(1000)]` —
/// capitals, digits, `_` and brackets, never a space (a kernel's `[ 12.345]` uptime or a
/// firewall prefix such as `[UFW BLOCK]` is not one).
fn bracket_tag(content: &str) -> bool {
    let Some(rest) = content.strip_prefix('[') else {
        return false;
    };
    let Some((tag, _)) = rest.split_once(']') else {
        return false;
    };
    (2..=16).contains(&tag.len())
        && tag.as_bytes()[0].is_ascii_uppercase()
        && tag.bytes().all(|b| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'_' | b'(' | b')')
        })
}

/// Reads an RTX message from an already split line.
pub fn parse_envelope(envelope: &Envelope<'_>) -> Result<Event, ParseError> {
    let mut event = envelope.event(Format::Rtx);
    event.category = Category::System;
    let content = strip_trailing_time(envelope.content(), &mut event, envelope.received_at);
    event.message = text(content);
    let fail = |reason: &str| ParseError::new(Format::Rtx, reason.to_owned());

    let (tag, body) = match content.strip_prefix('[').and_then(|t| t.split_once(']')) {
        Some((tag, body)) => (Some(tag), body.trim_start()),
        None => (None, content),
    };
    if let Some(tag) = tag {
        put(&mut event, "tag", tag);
    }
    match tag {
        Some("INSPECT") => inspect(&mut event, body)
            .ok_or_else(|| fail("[INSPECT] line without 'IF[dir][filter] PROTO src > dst'"))?,
        Some(tag) if tag.starts_with("NAT(") => nat(&mut event, tag, body),
        _ => {
            let understood = message(&mut event, body)?;
            if understood {
                // The message said what it is.
            } else if tag.is_some_and(is_command_channel) {
                event.category = Category::Config;
                event.action = Action::Execute;
                event.severity = Severity::Low;
                put(&mut event, "command", body);
            } else if tag.is_some_and(|t| matches!(t, "IKE" | "L2TP" | "DHCPD")) {
                event.category = Category::Network;
                event.src_ip = first_address(body);
                if let Some(mac) = body.split(' ').find(|w| is_mac(w)) {
                    put(&mut event, "src_mac", mac);
                }
            }
        }
    }
    Ok(event)
}

/// Tags under which RTX logs the commands an administrator runs (`syslog execute command on`).
fn is_command_channel(tag: &str) -> bool {
    matches!(tag, "CONSOLE" | "TELNETD" | "SSHD" | "SERIAL" | "REMOTE")
}

/// Removes a trailing `(2020/01/23 14:12:42)` or `(01/23 14:12:42)` and takes it as the
/// event's time.
fn strip_trailing_time<'a>(
    content: &'a str,
    event: &mut Event,
    received_at: DateTime<Utc>,
) -> &'a str {
    let trimmed = content.trim_end();
    let Some(inner_start) = trimmed.strip_suffix(')').and_then(|t| t.rfind('(')) else {
        return trimmed;
    };
    let inner = &trimmed[inner_start + 1..trimmed.len() - 1];
    let at = parse_datetime(inner, LOCAL_OFFSET)
        .or_else(|| parse_month_day_time(inner, LOCAL_OFFSET, received_at));
    match at {
        Some(at) => {
            event.timestamp = at;
            trimmed[..inner_start].trim_end()
        }
        None => trimmed,
    }
}

/// Reads the message kinds that appear with or without a tag. `Ok(false)` when the message
/// is none of them (it stays a `system`/`info` event).
fn message(event: &mut Event, body: &str) -> Result<bool, ParseError> {
    for (marker, action) in [
        (" Rejected at ", Action::Deny),
        (" Passed at ", Action::Allow),
    ] {
        if let Some((iface, rest)) = body.split_once(marker) {
            return filter(event, iface, rest, action)
                .map(|()| true)
                .ok_or_else(|| {
                    ParseError::new(
                        Format::Rtx,
                        "filter line without 'IN(n) filter: PROTO src > dst'",
                    )
                });
        }
    }
    for (prefix, action, user) in [
        ("Login succeeded", Action::Login, None),
        ("Login failed", Action::LoginFailure, None),
        (
            "Administrator succeeded",
            Action::Login,
            Some("administrator"),
        ),
        (
            "Administrator failed",
            Action::LoginFailure,
            Some("administrator"),
        ),
        ("Logout", Action::Logout, None),
    ] {
        if let Some(rest) = body.strip_prefix(prefix) {
            sign_in(event, action);
            event.user = user.map(str::to_owned);
            access_channel(event, rest);
            return Ok(true);
        }
    }
    if body.starts_with("'save'")
        || body.starts_with("\"save\"")
        || body.contains("Configuration saved")
    {
        event.category = Category::Config;
        event.action = if body.contains("failed") {
            Action::Info
        } else {
            Action::ConfigChange
        };
        event.severity = Severity::Low;
        access_channel(event, body);
        return Ok(true);
    }
    // `IP Tunnel[1] Up` names its interface in two words.
    let (iface, rest) = match body.strip_prefix("IP Tunnel[") {
        Some(after) => match after.split_once(']') {
            Some((n, rest)) => (&body[..10 + n.len() + 1], rest.trim_start()),
            None => (body, ""),
        },
        None => body.split_once(' ').unwrap_or((body, "")),
    };
    let iface = iface.strip_suffix(':').unwrap_or(iface);
    let rest_lower = rest.to_ascii_lowercase();
    let link = if rest.starts_with("link up") || rest_lower == "up" {
        Some(Action::LinkUp)
    } else if rest.starts_with("link down") || rest.contains("Disconnect") || rest_lower == "down" {
        Some(Action::LinkDown)
    } else if rest.contains("Connect") {
        Some(Action::LinkUp)
    } else {
        None
    };
    if let Some(action) = link {
        event.action = action;
        event.severity = if action == Action::LinkDown {
            Severity::Low
        } else {
            Severity::Info
        };
        put(event, "interface", iface);
        return Ok(true);
    }
    Ok(false)
}

/// Reads `… for TELNET: 192.168.0.10 (user)` or `… from SSH: 192.168.0.10`: the access
/// protocol, the client address and an optional user in parentheses.
fn access_channel(event: &mut Event, text_after: &str) {
    let Some(at) = text_after
        .find(" for ")
        .or_else(|| text_after.find(" from "))
    else {
        return;
    };
    let channel = &text_after[at + 5..].trim_start();
    let (proto, rest) = channel.split_once(':').unwrap_or((channel, ""));
    event.protocol = protocol_name(proto);
    let (addr, rest) = rest
        .trim_start()
        .split_once(' ')
        .unwrap_or((rest.trim(), ""));
    if let Some((ip, _)) = parse_endpoint(addr, false) {
        event.src_ip = Some(ip);
    }
    if let Some(user) = rest
        .trim()
        .strip_prefix('(')
        .and_then(|u| u.strip_suffix(')'))
    {
        event.user = text(user);
    }
}

/// Reads `PROTO src > dst [rest]` into the event, returning the rest (ICMP type and the like).
fn flow<'a>(event: &mut Event, text_in: &'a str) -> Option<&'a str> {
    let mut parts = text_in.trim().splitn(5, ' ');
    let proto = parts.next()?;
    let src = parts.next()?;
    if parts.next()? != ">" {
        return None;
    }
    let dst = parts.next()?;
    let dst = dst.trim_end_matches([',', ':']);
    let (src_ip, src_port) = endpoint(src)?;
    let (dst_ip, dst_port) = endpoint(dst)?;
    event.src_ip = Some(src_ip);
    event.src_port = src_port;
    event.dst_ip = Some(dst_ip);
    event.dst_port = dst_port;
    event.protocol = protocol_name(proto);
    event.category = Category::Network;
    Some(parts.next().unwrap_or("").trim_start_matches([':', ' ']))
}

/// A MAC filter's `[MAC] 00:a0:de:01:02:03 > 00:a0:de:04:05:06 [rest]`: the two hardware
/// addresses, kept as `src_mac` and `dst_mac`.
fn mac_flow<'a>(event: &mut Event, text_in: &'a str) -> Option<&'a str> {
    let text_in = text_in.trim();
    let text_in = text_in.strip_prefix("MAC ").unwrap_or(text_in);
    let mut parts = text_in.splitn(4, ' ');
    let src = parts.next()?;
    if parts.next()? != ">" {
        return None;
    }
    let dst = parts.next()?.trim_end_matches([',', ':']);
    if !is_mac(src) || !is_mac(dst) {
        return None;
    }
    put(event, "src_mac", src);
    put(event, "dst_mac", dst);
    event.category = Category::Network;
    Some(parts.next().unwrap_or("").trim_start_matches([':', ' ']))
}

/// `00:a0:de:01:02:03` (six hex pairs, colons or hyphens).
fn is_mac(text_in: &str) -> bool {
    let pairs: Vec<&str> = text_in.split([':', '-']).collect();
    pairs.len() == 6
        && pairs
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The first IP address in `body` (after words such as `to`, `from`, `Allocates`), with a
/// trailing `:` or `,` ignored: the peer of an IKE or L2TP line, the client a DHCP server
/// answered.
fn first_address(body: &str) -> Option<std::net::IpAddr> {
    body.split(' ')
        .map(|w| w.trim_end_matches([':', ',', '.']))
        .find_map(|w| w.parse().ok())
}

/// An RTX endpoint: `a.b.c.d:port`, `[v6]:port`, a bare address, or NAT's `a.b.c.d.port`.
fn endpoint(text_in: &str) -> Option<(std::net::IpAddr, Option<u16>)> {
    parse_endpoint(text_in, false).or_else(|| parse_endpoint(text_in, true))
}

/// Records the interface, direction and filter number of a filter or inspection line; the
/// filter number is also the event's signature.
fn record_rule(event: &mut Event, iface: &str, direction: &str, number: &str, extra: &str) {
    event.signature = text(number);
    put(event, "interface", iface);
    put(event, "direction", direction);
    put(event, "filter", number);
    if !extra.is_empty() {
        put(event, "detail", extra);
    }
}

/// `IN(2000) filter: TCP src > dst` after `Rejected at` / `Passed at`.
fn filter(event: &mut Event, iface: &str, rest: &str, action: Action) -> Option<()> {
    let (direction, after_dir) = rest.split_once('(')?;
    let (number, after_number) = after_dir.split_once(')')?;
    let flow_text = after_number.trim_start().strip_prefix("filter:")?;
    let extra = flow(event, flow_text).or_else(|| mac_flow(event, flow_text))?;
    event.action = action;
    event.severity = if action == Action::Deny {
        Severity::Low
    } else {
        Severity::Info
    };
    record_rule(
        event,
        iface.trim(),
        &direction.trim().to_ascii_lowercase(),
        number,
        extra,
    );
    Some(())
}

/// `LAN2[out][101100] TCP src > dst` after `[INSPECT]`: a session the stateful inspection let
/// through.
fn inspect(event: &mut Event, body: &str) -> Option<()> {
    let (spec, flow_text) = body.split_once(' ')?;
    let (rest, number) = spec.strip_suffix(']')?.rsplit_once('[')?;
    let (iface, direction) = rest.strip_suffix(']')?.rsplit_once('[')?;
    let extra = flow(event, flow_text)?;
    event.action = Action::Allow;
    record_rule(event, iface, direction, number, extra);
    Some(())
}

/// `[NAT(1000):LAN2] Released UDP inner <-> outer ==> remote`: a NAT or masquerade
/// translation. A NAT message without addresses (table full and the like) keeps only its
/// text.
fn nat(event: &mut Event, tag: &str, body: &str) {
    event.category = Category::Network;
    let inside = tag.strip_prefix("NAT(").unwrap_or(tag);
    if let Some((descriptor, iface)) = inside.split_once(')') {
        put(event, "nat_descriptor", descriptor);
        put(event, "interface", iface.trim_start_matches(':'));
    }
    let mut parts = body.split(' ');
    let (Some(verb), Some(proto), Some(inner), Some("<->"), Some(outer), Some("==>"), Some(remote)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return;
    };
    let (Some(src), Some(dst)) = (endpoint(inner), endpoint(remote)) else {
        return;
    };
    (event.src_ip, event.src_port) = (Some(src.0), src.1);
    (event.dst_ip, event.dst_port) = (Some(dst.0), dst.1);
    event.protocol = protocol_name(proto);
    put(event, "nat_event", verb);
    if let Some((ip, port)) = endpoint(outer) {
        let translated = match port {
            Some(port) => std::net::SocketAddr::new(ip, port).to_string(),
            None => ip.to_string(),
        };
        put(event, "translated", &translated);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Parser;

    fn parse(line: &str) -> Event {
        let received = DateTime::parse_from_rfc3339("2020-02-01T00:00:00Z")
            .expect("time")
            .to_utc();
        RtxParser.parse(line, received).expect("parses")
    }

    #[test]
    fn inspect_with_full_date() {
        let e = parse(
            "[INSPECT] PP[01][out][200080] TCP 192.168.0.5:51234 > 203.0.113.9:443 (2020/01/23 14:12:42)",
        );
        assert_eq!(e.timestamp.to_rfc3339(), "2020-01-23T05:12:42+00:00");
        assert_eq!(e.fields["interface"], "PP[01]");
        assert_eq!((e.src_port, e.dst_port), (Some(51234), Some(443)));
        assert_eq!(
            e.message.as_deref(),
            Some("[INSPECT] PP[01][out][200080] TCP 192.168.0.5:51234 > 203.0.113.9:443")
        );
    }

    #[test]
    fn date_without_year_is_placed_before_receipt() {
        let e = parse(
            "[INSPECT] LAN2[in][101099] UDP 198.51.100.3:53 > 192.168.0.5:40000 (12/31 23:59:59)",
        );
        assert_eq!(e.timestamp.to_rfc3339(), "2019-12-31T14:59:59+00:00");
    }

    #[test]
    fn broken_filter_line_is_an_error() {
        let received = Utc::now();
        let err = RtxParser
            .parse("PP[01] Rejected at IN(2000) filter: TCP garbage", received)
            .expect_err("no addresses");
        assert!(err.to_string().starts_with("rtx: filter line"));
    }
}
