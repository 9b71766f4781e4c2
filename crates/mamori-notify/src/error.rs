//! Why a delivery failed, in words an operator can act on, with a stable code for translation
//! and a flag telling the retry loop whether trying again can help.

/// Everything that can go wrong while checking a channel or delivering a notice.
///
/// `Display` is plain English for logs and operators; the portal translates by [`NotifyError::code`].
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The channel itself is unusable (bad address, bad URL, no recipients).
    #[error("invalid channel: {0}")]
    InvalidChannel(String),
    /// The mail server setting (URL, sender address, certificate) cannot be used.
    #[error("invalid mail server setting: {0}")]
    InvalidSmtp(String),
    /// An e-mail channel was used but mamori has no mail server configured.
    #[error("no mail server is configured, so e-mail cannot be sent")]
    NoSmtp,
    /// The server could not be reached: refused, unreachable, name not found.
    #[error("could not connect to {target}: {reason}")]
    Connect {
        /// `host:port` (or masked URL) that was tried.
        target: String,
        /// What the network layer said.
        reason: String,
    },
    /// The server was reached but did not answer in time.
    #[error("timed out waiting for {target}")]
    Timeout {
        /// `host:port` (or masked URL) that was tried.
        target: String,
    },
    /// The encrypted connection could not be set up (certificate, protocol, STARTTLS missing).
    #[error("TLS failed with {target}: {reason}")]
    Tls {
        /// `host:port` (or masked URL) that was tried.
        target: String,
        /// What the TLS layer said.
        reason: String,
    },
    /// The mail server refused the user name or password.
    #[error("the mail server {target} rejected the login: {code} {text}")]
    Auth {
        /// `host:port` of the mail server.
        target: String,
        /// SMTP reply code, e.g. 535.
        code: u16,
        /// The server's reply text.
        text: String,
    },
    /// The mail server refused the sender, a recipient or the message.
    #[error("the mail server {target} rejected the message: {code} {text}")]
    Rejected {
        /// `host:port` of the mail server.
        target: String,
        /// SMTP reply code, e.g. 550.
        code: u16,
        /// The server's reply text.
        text: String,
    },
    /// The mail conversation broke down in a way that is not one of the cases above.
    #[error("mail delivery through {target} failed: {reason}")]
    Smtp {
        /// `host:port` of the mail server.
        target: String,
        /// What lettre reported.
        reason: String,
    },
    /// The HTTP endpoint answered with a non-success status. The body is never read, so
    /// that what a tenant's URL points at cannot be shown back to the tenant.
    #[error("{target} answered HTTP {status}")]
    HttpStatus {
        /// The URL with secrets masked.
        target: String,
        /// HTTP status code.
        status: u16,
    },
    /// The HTTP request failed for another reason (protocol error, body error).
    #[error("request to {target} failed: {reason}")]
    Http {
        /// The URL with secrets masked.
        target: String,
        /// What the HTTP client said.
        reason: String,
    },
    /// The webhook's address is in a private, loopback or other internal network that the
    /// provider's administrator has not opened; nothing was sent.
    #[error(
        "{target} is in a private or internal network, where mamori does not send notifications; use a public address"
    )]
    RefusedDestination {
        /// The URL with secrets masked.
        target: String,
    },
    /// The administrator's list of internal networks webhooks may reach has a bad entry.
    #[error("invalid notify.allow_private setting: {0}")]
    InvalidPolicy(String),
    /// The message could not be built (should not happen with validated input).
    #[error("could not build the message: {0}")]
    Message(String),
}

impl NotifyError {
    /// Every value [`NotifyError::code`] can return, so that each has a translation.
    pub const CODES: &'static [&'static str] = &[
        "invalid_channel",
        "invalid_smtp",
        "no_smtp",
        "connect",
        "timeout",
        "tls",
        "auth",
        "rejected",
        "smtp",
        "http_status",
        "http",
        "refused_destination",
        "invalid_policy",
        "message",
    ];

    /// A stable snake_case name for this kind of failure, used as a translation key and in
    /// the delivery log.
    pub fn code(&self) -> &'static str {
        match self {
            NotifyError::InvalidChannel(_) => "invalid_channel",
            NotifyError::InvalidSmtp(_) => "invalid_smtp",
            NotifyError::NoSmtp => "no_smtp",
            NotifyError::Connect { .. } => "connect",
            NotifyError::Timeout { .. } => "timeout",
            NotifyError::Tls { .. } => "tls",
            NotifyError::Auth { .. } => "auth",
            NotifyError::Rejected { .. } => "rejected",
            NotifyError::Smtp { .. } => "smtp",
            NotifyError::HttpStatus { .. } => "http_status",
            NotifyError::Http { .. } => "http",
            NotifyError::RefusedDestination { .. } => "refused_destination",
            NotifyError::InvalidPolicy(_) => "invalid_policy",
            NotifyError::Message(_) => "message",
        }
    }

    /// True when sending the same notice again cannot succeed until someone changes a setting;
    /// the retry loop stops on these instead of trying again.
    ///
    /// Permanent: an invalid channel or mail setting, no mail server, a message that cannot be
    /// built, a refused destination, an SMTP 5xx answer to the login or the message, and HTTP 4xx except 408 and 429.
    pub fn is_permanent(&self) -> bool {
        match self {
            NotifyError::InvalidChannel(_)
            | NotifyError::InvalidSmtp(_)
            | NotifyError::NoSmtp
            | NotifyError::RefusedDestination { .. }
            | NotifyError::InvalidPolicy(_)
            | NotifyError::Message(_) => true,
            NotifyError::Auth { code, .. } | NotifyError::Rejected { code, .. } => {
                (500..600).contains(code)
            }
            NotifyError::HttpStatus { status, .. } => {
                (400..500).contains(status) && *status != 408 && *status != 429
            }
            NotifyError::Connect { .. }
            | NotifyError::Timeout { .. }
            | NotifyError::Tls { .. }
            | NotifyError::Smtp { .. }
            | NotifyError::Http { .. } => false,
        }
    }
}

/// True when an error of type `T` is somewhere in `error`'s chain of causes, including inside
/// an `io::Error` (whose `source()` skips the error it wraps). Used to recognise a TLS failure
/// that lettre or hyper report as a connection error, and a refused webhook address.
pub(crate) fn has_cause<T: std::error::Error + 'static>(
    error: &(dyn std::error::Error + 'static),
) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.is::<T>() {
            return true;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.get_ref().is_some_and(|inner| inner.is::<T>())
        {
            return true;
        }
        current = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed() {
        let t = || "x".to_owned();
        let all = [
            NotifyError::InvalidChannel(t()),
            NotifyError::InvalidSmtp(t()),
            NotifyError::NoSmtp,
            NotifyError::Connect {
                target: t(),
                reason: t(),
            },
            NotifyError::Timeout { target: t() },
            NotifyError::Tls {
                target: t(),
                reason: t(),
            },
            NotifyError::Auth {
                target: t(),
                code: 535,
                text: t(),
            },
            NotifyError::Rejected {
                target: t(),
                code: 550,
                text: t(),
            },
            NotifyError::Smtp {
                target: t(),
                reason: t(),
            },
            NotifyError::HttpStatus {
                target: t(),
                status: 500,
            },
            NotifyError::Http {
                target: t(),
                reason: t(),
            },
            NotifyError::RefusedDestination { target: t() },
            NotifyError::InvalidPolicy(t()),
            NotifyError::Message(t()),
        ];
        let codes: Vec<&str> = all.iter().map(NotifyError::code).collect();
        assert_eq!(codes, NotifyError::CODES);
    }
}
