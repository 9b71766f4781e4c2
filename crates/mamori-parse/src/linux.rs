//! Linux servers: sshd logins, sudo and PAM failures from the auth log, and the kernel's
//! firewall `LOG` lines (iptables, nftables, ufw), normally behind an RFC 3164 or RFC 5424
//! header:
//!
//! - `sshd[812]: Failed password for invalid user admin from 203.0.113.5 port 4444 ssh2`
//!   (also `sshd-session[812]` from OpenSSH 9.8 on, and pre-authentication disconnects,
//!   time-outs and failed key negotiations, which name the address)
//! - `sshd(pam_unix)[812]: authentication failure; … rhost=203.0.113.5  user=root` (older
//!   systems) and `pam_unix(sshd:auth): authentication failure; …`
//! - `sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update`
//! - `kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.5 DST=192.0.2.10 … PROTO=TCP SPT=41523 DPT=23`
//! - `message repeated 3 times: [ Failed password for root from …]` (rsyslog folding identical
//!   lines) reads as the inner line with `repeated: 3`, so the three failures count as three.
//!
//! Other lines from these hosts are kept as `info` events with their text; only the programs
//! that authenticate people are labelled `auth`.

use mamori_model::{Action, Category, Event, Severity};
use serde_json::Value;

use super::syslog::Envelope;
use super::{Format, ParseError};
use crate::normalise::{KvPairs, parse_ip, parse_port, protocol_name, put, sign_in, text};

envelope_parser!(
    /// Linux auth log and kernel firewall lines.
    LinuxAuthParser,
    Format::LinuxAuth,
    parse_envelope
);

/// Programs that authenticate people or change accounts: their lines are `auth`.
const AUTH_APPS: [&str; 13] = [
    "sshd",
    "sshd-session",
    "sudo",
    "su",
    "login",
    "systemd-logind",
    "passwd",
    "chpasswd",
    "chage",
    "useradd",
    "usermod",
    "userdel",
    "groupadd",
];

/// A program's name without the PAM module some systems add: `sshd(pam_unix)` → `sshd`.
fn program(app: &str) -> &str {
    app.split_once('(').map_or(app, |(name, _)| name)
}

/// Whether a line comes from a Linux auth source or is a kernel firewall line; used by
/// auto-detection.
pub fn looks_like(app: Option<&str>, msg: &str) -> bool {
    app.is_some_and(|app| AUTH_APPS.contains(&program(app)) || app == "kernel")
        || firewall_start(msg).is_some()
}

/// Where the `IN=` of a kernel firewall line starts, when the line is one.
fn firewall_start(msg: &str) -> Option<usize> {
    let start = if msg.starts_with("IN=") {
        0
    } else {
        memchr::memmem::find(msg.as_bytes(), b" IN=")? + 1
    };
    memchr::memmem::find(msg.as_bytes(), b" SRC=").map(|_| start)
}

/// Reads a Linux line from an already split line.
pub fn parse_envelope(envelope: &Envelope<'_>) -> Result<Event, ParseError> {
    let mut event = envelope.event(Format::LinuxAuth);
    let whole = envelope.msg().trim();
    event.message = text(whole);
    let msg = match repeated(whole) {
        Some((times, inner)) => {
            event.fields.insert("repeated".into(), Value::from(times));
            inner
        }
        None => whole,
    };
    let app = envelope.app();
    let name = app.map(program);
    event.category = match name {
        Some(name) if AUTH_APPS.contains(&name) => Category::Auth,
        _ => Category::System,
    };
    if let Some(start) = firewall_start(msg) {
        firewall(&mut event, &msg[..start], &msg[start..]);
    } else if let Some(rest) = msg.strip_prefix("pam_unix(") {
        let (service, detail) = rest.split_once("): ").unwrap_or((rest, ""));
        pam(&mut event, service, detail);
    } else if app.is_some_and(|a| a.ends_with("(pam_unix)")) {
        pam(&mut event, name.unwrap_or_default(), msg);
    } else if name == Some("sudo") {
        sudo(&mut event, msg);
    } else if matches!(name, Some("sshd" | "sshd-session") | None) {
        sshd(&mut event, msg);
    }
    Ok(event)
}

/// `message repeated 3 times: [ Failed password for …]` → (3, the inner line).
fn repeated(msg: &str) -> Option<(u32, &str)> {
    let rest = msg.strip_prefix("message repeated ")?;
    let (times, rest) = rest.split_once(" times: [")?;
    let inner = rest.strip_suffix(']')?.trim();
    Some((times.parse().ok()?, inner))
}

/// A kernel firewall line: `prefix` is the rule's log prefix (after any `[uptime]`), `kv` the
/// `IN= OUT= SRC= …` part.
fn firewall(event: &mut Event, prefix: &str, kv: &str) {
    // The kernel's uptime stamp `[ 1234.567890]` may come before the rule's prefix (the
    // journal strips it, so `[UFW BLOCK]` can be the first bracket too).
    let prefix = prefix.trim();
    let prefix = match prefix.strip_prefix('[').and_then(|s| s.split_once(']')) {
        Some((stamp, rest))
            if stamp
                .trim()
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.') =>
        {
            rest
        }
        _ => prefix,
    }
    .trim();
    event.category = Category::Network;
    let lower = prefix.to_ascii_lowercase();
    (event.action, event.severity) = if ["block", "drop", "reject", "deny"]
        .iter()
        .any(|w| lower.contains(w))
    {
        (Action::Deny, Severity::Low)
    } else if ["accept", "allow", "pass"]
        .iter()
        .any(|w| lower.contains(w))
    {
        (Action::Allow, Severity::Info)
    } else {
        (Action::Info, Severity::Info)
    };
    event.signature = text(prefix);
    let mut flags = Vec::new();
    for (key, value) in KvPairs::new(kv) {
        match value {
            Some(value) => {
                match key {
                    "SRC" => event.src_ip = parse_ip(&value),
                    "DST" => event.dst_ip = parse_ip(&value),
                    "SPT" => event.src_port = parse_port(&value),
                    "DPT" => event.dst_port = parse_port(&value),
                    "PROTO" => event.protocol = protocol_name(&value),
                    _ => {}
                }
                put(event, key, &value);
            }
            None => flags.push(key),
        }
    }
    if !flags.is_empty() {
        put(event, "flags", &flags.join(" "));
    }
}

/// `authentication failure; logname= … rhost=203.0.113.5  user=root` and the session opened
/// / closed lines of PAM's unix module for `service` (`sshd:auth`, or the program's name in the
/// older `sshd(pam_unix)` form).
fn pam(event: &mut Event, service: &str, detail: &str) {
    put(event, "pam_service", service);
    event.category = Category::Auth;
    if let Some(kv) = detail.strip_prefix("authentication failure;") {
        event.action = Action::LoginFailure;
        event.severity = Severity::Low;
        for (key, value) in KvPairs::new(kv) {
            let Some(value) = value else { continue };
            match key {
                "rhost" => event.src_ip = parse_ip(&value),
                "user" => event.user = text(&value),
                _ => {}
            }
            put(event, key, &value);
        }
    } else if detail.starts_with("check pass; user unknown") {
        event.action = Action::LoginFailure;
        event.severity = Severity::Low;
        event
            .fields
            .insert("invalid_user".into(), Value::Bool(true));
    } else if let Some(user) = detail.strip_prefix("session opened for user ") {
        event.user = text(user.split(['(', ' ']).next().unwrap_or(""));
    } else if let Some(user) = detail.strip_prefix("session closed for user ") {
        event.action = Action::Logout;
        event.user = text(user);
    }
}

/// `alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update`, with an
/// optional note first (`3 incorrect password attempts`, `user NOT in sudoers`).
fn sudo(event: &mut Event, msg: &str) {
    let Some((user, rest)) = msg.split_once(" : ") else {
        return;
    };
    event.user = text(user);
    event.action = Action::Execute;
    for item in rest.split(" ; ") {
        match item.split_once('=') {
            Some(("USER", target)) => put(event, "target_user", target),
            Some((key, value)) => put(event, &key.to_ascii_lowercase(), value),
            None => {
                put(event, "note", item.trim());
                (event.action, event.severity) = if item.contains("incorrect password") {
                    (Action::LoginFailure, Severity::Low)
                } else {
                    (Action::Deny, Severity::Medium)
                };
            }
        }
    }
}

/// sshd messages about a connection before anyone logged in: who it came from and, where
/// sshd names one, the account being tried. `(action, rest)` where `rest` starts at the
/// account (`user_first`) or at the address.
fn sshd_connection(msg: &str) -> Option<(Action, bool, &str)> {
    const SHAPES: [(&str, Action, bool); 10] = [
        ("Received disconnect from ", Action::Info, false),
        ("Unable to negotiate with ", Action::Deny, false),
        ("Timeout before authentication for ", Action::Info, false),
        ("Disconnected from authenticating user ", Action::Info, true),
        ("Disconnected from invalid user ", Action::Info, true),
        (
            "Connection closed by authenticating user ",
            Action::Info,
            true,
        ),
        ("Connection closed by invalid user ", Action::Info, true),
        ("Connection closed by ", Action::Info, false),
        ("Connection reset by ", Action::Info, false),
        ("Disconnected from ", Action::Info, false),
    ];
    SHAPES.iter().find_map(|(prefix, action, user_first)| {
        msg.strip_prefix(prefix)
            .map(|rest| (*action, *user_first, rest))
    })
}

/// `ADDRESS port N…` or `ADDRESS: …` (older sshd without a port).
fn address_and_port(event: &mut Event, rest: &str) {
    let mut words = rest.split(' ');
    event.src_ip = words
        .next()
        .map(|w| w.trim_end_matches(':'))
        .and_then(parse_ip);
    if words.next() == Some("port") {
        event.src_port = words
            .next()
            .map(|p| p.split(':').next().unwrap_or(p))
            .and_then(parse_port);
    }
}

/// sshd messages: accepted and failed logins, invalid users, disconnects.
fn sshd(event: &mut Event, msg: &str) {
    let msg = msg.strip_prefix("error: ").unwrap_or(msg);
    if !msg.starts_with("Disconnected from user ")
        && let Some((action, user_first, rest)) = sshd_connection(msg)
    {
        event.category = Category::Auth;
        event.action = action;
        event.protocol = Some("ssh".to_owned());
        event.severity = if action == Action::Deny {
            Severity::Low
        } else {
            Severity::Info
        };
        let rest = if user_first {
            if msg.contains(" invalid user ") {
                event
                    .fields
                    .insert("invalid_user".into(), Value::Bool(true));
            }
            let (user, addr) = rest.split_once(' ').unwrap_or((rest, ""));
            event.user = text(user);
            addr
        } else {
            rest
        };
        address_and_port(event, rest);
        if msg.ends_with("[preauth]") {
            event.fields.insert("preauth".into(), Value::Bool(true));
        }
        return;
    }
    let (action, rest) = if let Some(rest) = msg.strip_prefix("Accepted ") {
        (Action::Login, rest)
    } else if let Some(rest) = msg.strip_prefix("Failed ") {
        (Action::LoginFailure, rest)
    } else if let Some(rest) = msg.strip_prefix("Invalid user ") {
        (Action::LoginFailure, rest)
    } else if let Some(rest) = msg.strip_prefix("maximum authentication attempts exceeded ") {
        (Action::LoginFailure, rest)
    } else if let Some(rest) = msg.strip_prefix("Disconnected from user ") {
        (Action::Logout, rest)
    } else {
        return;
    };
    sign_in(event, action);
    event.protocol = Some("ssh".to_owned());

    // `METHOD for [invalid user ]USER from IP port N`, `USER from IP port N` (Invalid user)
    // or `USER IP port N` (Disconnected).
    let (method, who) = match rest.split_once(" for ") {
        Some((method, who)) if !method.contains(' ') => (Some(method), who),
        _ => (None, rest),
    };
    if let Some(method) = method {
        put(event, "method", method);
    }
    let who = who.strip_prefix("for ").unwrap_or(who);
    let invalid = msg.starts_with("Invalid user ") || who.starts_with("invalid user ");
    let who = who.strip_prefix("invalid user ").unwrap_or(who);
    if invalid {
        event
            .fields
            .insert("invalid_user".into(), Value::Bool(true));
    }
    let (user, addr) = match who.rsplit_once(" from ") {
        Some((user, addr)) => (user, addr),
        None => who.split_once(' ').unwrap_or((who, "")),
    };
    event.user = text(user);
    address_and_port(event, addr);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Parser;
    use chrono::Utc;

    fn parse(line: &str) -> Event {
        LinuxAuthParser.parse(line, Utc::now()).expect("parses")
    }

    #[test]
    fn failed_password_for_invalid_user() {
        let e = parse(
            "<38>May  1 10:15:30 web01 sshd[812]: Failed password for invalid user admin from 2001:db8::66 port 4444 ssh2",
        );
        assert_eq!(
            (e.action, e.user.as_deref()),
            (Action::LoginFailure, Some("admin"))
        );
        assert_eq!(
            (e.src_ip, e.src_port),
            ("2001:db8::66".parse().ok(), Some(4444))
        );
        assert_eq!(e.fields["invalid_user"], true);
    }

    #[test]
    fn kernel_firewall_with_uptime_and_prefix() {
        let e = parse(
            "May  1 10:15:30 gw kernel: [ 1234.567890] [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.5 DST=192.0.2.10 LEN=60 PROTO=TCP SPT=41523 DPT=23 SYN URGP=0",
        );
        assert_eq!((e.category, e.action), (Category::Network, Action::Deny));
        assert_eq!(e.signature.as_deref(), Some("[UFW BLOCK]"));
        assert_eq!((e.dst_port, e.protocol.as_deref()), (Some(23), Some("tcp")));
        assert_eq!(e.fields["flags"], "SYN");
        assert_eq!(e.fields["OUT"], "");
    }

    #[test]
    fn sudo_not_in_sudoers() {
        let e = parse(
            "May  1 10:15:30 web01 sudo: bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/cat /etc/shadow",
        );
        assert_eq!((e.action, e.user.as_deref()), (Action::Deny, Some("bob")));
        assert_eq!(e.fields["command"], "/bin/cat /etc/shadow");
    }
}
