//! pfSense / OPNsense `filterlog`: one CSV line per packet the pf firewall logged, usually
//! behind an RFC 5424 (pfSense 2.6+, OPNsense) or RFC 3164 (older pfSense) header.
//!
//! Columns: `rule,subrule,anchor,tracker,interface,reason,action,direction,ipversion,` then
//! for IPv4 `tos,ecn,ttl,id,offset,flags,protonum,protoname,length,src,dst,` and for IPv6
//! `class,flowlabel,hoplimit,protoname,protonum,length,src,dst,`, then for TCP and UDP
//! `srcport,dstport,datalen,` (TCP adds `tcpflags,seq,ack,window,urg,options`), for ICMP the
//! ICMP type and its details.
//!
//! The same firewalls' web GUI sign-ins come through here too (pfSense's `php-fpm`,
//! OPNsense's `audit`): `/index.php: webConfigurator authentication error for user 'admin'
//! from: 203.0.113.60`, `/index.php: Web GUI authentication error for 'root' from 203.0.113.61`
//! and the successful forms, with the account and the address.

use mamori_model::{Action, Category, Event, Severity};

use super::syslog::Envelope;
use super::{Format, ParseError};
use crate::normalise::{parse_ip, parse_port, protocol_name, put, sign_in, text};

envelope_parser!(
    /// pfSense / OPNsense filterlog lines.
    FilterlogParser,
    Format::Filterlog,
    parse_envelope
);

/// Whether a line is filterlog output or a web GUI sign-in of these firewalls; used by
/// auto-detection.
pub fn looks_like(app: Option<&str>, msg: &str) -> bool {
    app == Some("filterlog")
        || (msg.as_bytes().first().is_some_and(u8::is_ascii_digit)
            && (msg.contains(",block,") || msg.contains(",pass,")))
        || gui_login_kind(msg).is_some()
}

/// What a web GUI line says: a failed or a successful sign-in.
fn gui_login_kind(msg: &str) -> Option<Action> {
    let rest = msg.strip_prefix("/index.php: ")?;
    if rest.starts_with("webConfigurator authentication error")
        || rest.starts_with("Web GUI authentication error")
    {
        Some(Action::LoginFailure)
    } else if rest.starts_with("Successful login") || rest.starts_with("User logged in") {
        Some(Action::Login)
    } else {
        None
    }
}

/// A web GUI sign-in: the account in quotes, the address after `from`.
fn gui_login(envelope: &Envelope<'_>, msg: &str, action: Action) -> Event {
    let mut event = envelope.event(Format::Filterlog);
    event.message = text(msg);
    sign_in(&mut event, action);
    event.protocol = Some("https".to_owned());
    put(&mut event, "service", "webgui");
    event.user = msg
        .split_once('\'')
        .and_then(|(_, rest)| rest.split_once('\''))
        .and_then(|(user, _)| text(user));
    event.src_ip = msg
        .rsplit_once(" from")
        .map(|(_, rest)| rest.trim_start_matches(':').trim_start())
        .and_then(|rest| rest.split(' ').next())
        .and_then(parse_ip);
    event
}

/// The leading columns every filterlog line has, in order.
const COMMON: [&str; 9] = [
    "rule",
    "subrule",
    "anchor",
    "tracker",
    "interface",
    "reason",
    "action",
    "direction",
    "ip_version",
];

/// The IP columns of IPv4 lines, after the common ones.
const IPV4: [&str; 11] = [
    "tos", "ecn", "ttl", "id", "offset", "flags", "proto_id", "proto", "length", "src", "dst",
];

/// The IP columns of IPv6 lines, after the common ones.
const IPV6: [&str; 8] = [
    "class",
    "flow_label",
    "hop_limit",
    "proto",
    "proto_id",
    "length",
    "src",
    "dst",
];

/// The TCP columns after the IP ones.
const TCP: [&str; 9] = [
    "src_port",
    "dst_port",
    "data_length",
    "tcp_flags",
    "sequence",
    "ack",
    "window",
    "urg",
    "options",
];

/// The UDP columns after the IP ones.
const UDP: [&str; 3] = ["src_port", "dst_port", "data_length"];

/// The ICMP columns after the IP ones (their meaning beyond the type depends on the type).
const ICMP: [&str; 4] = ["icmp_type", "icmp_detail1", "icmp_detail2", "icmp_detail3"];

/// Reads a filterlog line from an already split line. Empty columns are left out of
/// `fields`.
pub fn parse_envelope(envelope: &Envelope<'_>) -> Result<Event, ParseError> {
    let fail = |reason: String| ParseError::new(Format::Filterlog, reason);
    let missing = |name: &str| {
        fail(format!(
            "only part of the CSV: the '{name}' column is missing"
        ))
    };
    let msg = envelope.msg().trim();
    if let Some(action) = gui_login_kind(msg) {
        return Ok(gui_login(envelope, msg, action));
    }
    let columns: Vec<&str> = msg.split(',').collect();
    let ip_names: &[&str] = match columns.get(COMMON.len() - 1) {
        Some(&"4") => &IPV4,
        Some(&"6") => &IPV6,
        Some(other) => return Err(fail(format!("IP version '{other}' is neither 4 nor 6"))),
        None => return Err(missing(COMMON.get(columns.len()).unwrap_or(&"ip_version"))),
    };
    let ip_end = COMMON.len() + ip_names.len();
    if columns.len() < ip_end {
        let name = ip_names.get(columns.len() - COMMON.len()).unwrap_or(&"dst");
        return Err(missing(name));
    }
    let proto_at = COMMON.len() + ip_names.iter().position(|n| *n == "proto").unwrap_or(0);
    let proto = columns
        .get(proto_at)
        .copied()
        .unwrap_or("")
        .to_ascii_lowercase();
    let transport: &[&str] = match proto.as_str() {
        "tcp" => &TCP,
        "udp" => &UDP,
        "icmp" | "ipv6-icmp" | "icmpv6" => &ICMP,
        _ => &[],
    };

    let mut event = envelope.event(Format::Filterlog);
    let (mut action, mut tracker, mut rule) = ("", "", "");
    let names = COMMON.iter().chain(ip_names).chain(transport);
    for (name, value) in names.zip(&columns) {
        match *name {
            "action" => action = value,
            "tracker" => tracker = value,
            "rule" => rule = value,
            "src" => event.src_ip = parse_ip(value),
            "dst" => event.dst_ip = parse_ip(value),
            "src_port" => event.src_port = parse_port(value),
            "dst_port" => event.dst_port = parse_port(value),
            _ => {}
        }
        if !value.is_empty() {
            put(&mut event, name, value);
        }
    }
    if let Some(extra) = columns
        .get(ip_end + transport.len()..)
        .filter(|e| !e.is_empty())
    {
        put(&mut event, "extra", &extra.join(","));
    }

    event.category = Category::Network;
    (event.action, event.severity) = match action {
        "pass" => (Action::Allow, Severity::Info),
        "block" | "reject" => (Action::Deny, Severity::Low),
        other => return Err(fail(format!("action '{other}' is neither pass nor block"))),
    };
    if event.src_ip.is_none() || event.dst_ip.is_none() {
        return Err(fail(
            "source or destination is not an IP address".to_owned(),
        ));
    }
    event.protocol = protocol_name(&proto);
    event.signature = text(tracker).or_else(|| text(rule));
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Parser;
    use chrono::Utc;

    #[test]
    fn ipv6_udp_pass() {
        let e = FilterlogParser
            .parse(
                "80,,,1000006862,em0,match,pass,out,6,0x00,0x00000,64,udp,17,48,2001:db8::10,2001:db8:1::53,51515,53,48",
                Utc::now(),
            )
            .expect("parses");
        assert_eq!(e.src_ip, "2001:db8::10".parse().ok());
        assert_eq!((e.src_port, e.dst_port), (Some(51515), Some(53)));
        assert_eq!(
            (e.action, e.protocol.as_deref()),
            (Action::Allow, Some("udp"))
        );
    }

    #[test]
    fn short_lines_say_which_column_is_missing() {
        let err = FilterlogParser
            .parse("5,,,1000000103,igb0,match", Utc::now())
            .expect_err("too short");
        assert!(err.reason.contains("'action'"), "{err}");
    }
}
