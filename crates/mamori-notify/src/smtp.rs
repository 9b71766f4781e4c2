//! The mail server mamori sends through: parsed from one URL, turned into a lettre transport,
//! and lettre's errors turned into [`NotifyError`]s that say which step failed.

use std::error::Error as _;
use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use percent_encoding::percent_decode_str;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::NotifyError;

/// How long one SMTP conversation step may take before it counts as a timeout.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Never encrypt (`smtp://…?tls=none`); only for a relay on the same host or network.
    None,
    /// Use STARTTLS when the server offers it, else send in the clear (`smtp://…`).
    Opportunistic,
    /// Insist on STARTTLS (`smtp://…?tls=required`).
    Required,
    /// TLS from the first byte (`smtps://…`, usually port 465).
    Implicit,
}

/// Where and how to send e-mail. Built from a URL so it fits in one setting.
#[derive(Clone)]
pub struct SmtpSettings {
    host: String,
    port: u16,
    tls: SmtpTls,
    credentials: Option<(String, String)>,
    from: Mailbox,
    root_certificates: Vec<Certificate>,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl SmtpSettings {
    /// Parses `smtp://[user[:pass]@]host[:port][?tls=required|none]` (port 25, STARTTLS when
    /// offered unless `tls` says otherwise) or `smtps://[user[:pass]@]host[:port]` (implicit
    /// TLS, port 465). `from` is the sender, e.g. `mamori <alerts@example.jp>`.
    pub fn from_url(url: &str, from: &str) -> Result<Self, NotifyError> {
        let invalid = |why: String| NotifyError::InvalidSmtp(why);
        let parsed = url::Url::parse(url.trim())
            .map_err(|e| invalid(format!("the mail server URL cannot be read ({e})")))?;
        let (mut tls, default_port) = match parsed.scheme() {
            "smtp" => (SmtpTls::Opportunistic, 25),
            "smtps" => (SmtpTls::Implicit, 465),
            other => {
                return Err(invalid(format!(
                    "the mail server URL must start with smtp:// or smtps://, not {other}://"
                )));
            }
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| invalid("the mail server URL has no host name".into()))?
            .trim_matches(['[', ']'])
            .to_string();
        if !matches!(parsed.path(), "" | "/") {
            return Err(invalid(format!(
                "the mail server URL must not have a path ({})",
                parsed.path()
            )));
        }
        for (key, value) in parsed.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "none") if tls == SmtpTls::Opportunistic => tls = SmtpTls::None,
                ("tls", "required") if tls == SmtpTls::Opportunistic => tls = SmtpTls::Required,
                ("tls", "opportunistic") if tls == SmtpTls::Opportunistic => {}
                ("tls", _) if tls == SmtpTls::Implicit => {
                    return Err(invalid(
                        "smtps:// always uses TLS; drop the tls= option or use smtp://".into(),
                    ));
                }
                ("tls", other) => {
                    return Err(invalid(format!(
                        "tls={other} is not known; use tls=required, tls=opportunistic or tls=none"
                    )));
                }
                (other, _) => {
                    return Err(invalid(format!(
                        "the mail server URL option \"{other}\" is not known; only tls= is"
                    )));
                }
            }
        }
        let credentials = if parsed.username().is_empty() {
            None
        } else {
            let decode = |s: &str| {
                percent_decode_str(s)
                    .decode_utf8()
                    .map(|c| c.into_owned())
                    .map_err(|_| invalid("the user name or password is not valid UTF-8".into()))
            };
            Some((
                decode(parsed.username())?,
                decode(parsed.password().unwrap_or(""))?,
            ))
        };
        let from = from.trim().parse::<Mailbox>().map_err(|e| {
            invalid(format!(
                "the sender address \"{}\" is not valid ({e})",
                from.trim()
            ))
        })?;
        Ok(SmtpSettings {
            host,
            port: parsed.port().unwrap_or(default_port),
            tls,
            credentials,
            from,
            root_certificates: Vec::new(),
        })
    }

    /// Sets the login separately from the URL (a password kept in its own secret setting);
    /// overrides any credentials in the URL.
    pub fn with_credentials(mut self, user: String, pass: String) -> Self {
        self.credentials = Some((user, pass));
        self
    }

    /// Trusts one more certificate authority (PEM), for private mail servers whose
    /// certificate is not signed by a public CA.
    pub fn with_root_certificate(mut self, pem: &[u8]) -> Result<Self, NotifyError> {
        // lettre accepts input without any certificate in it; insist on at least one.
        let found = CertificateDer::pem_slice_iter(pem).collect::<Result<Vec<_>, _>>();
        if !found.is_ok_and(|certs| !certs.is_empty()) {
            return Err(NotifyError::InvalidSmtp(
                "the CA certificate must be PEM text starting with -----BEGIN CERTIFICATE-----"
                    .into(),
            ));
        }
        let cert = Certificate::from_pem(pem).map_err(|e| {
            NotifyError::InvalidSmtp(format!("the CA certificate cannot be read ({e})"))
        })?;
        self.root_certificates.push(cert);
        Ok(self)
    }

    /// `host:port`, the TLS mode and the user name, for the settings page and logs; never the
    /// password.
    pub fn describe(&self) -> String {
        let tls = match self.tls {
            SmtpTls::None => "no TLS",
            SmtpTls::Opportunistic => "STARTTLS when offered",
            SmtpTls::Required => "STARTTLS required",
            SmtpTls::Implicit => "TLS",
        };
        match &self.credentials {
            Some((user, _)) => format!("{} ({tls}, login as {user})", self.target()),
            None => format!("{} ({tls})", self.target()),
        }
    }

    /// The mail server's host name or address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The mail server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How the connection is protected.
    pub fn tls(&self) -> SmtpTls {
        self.tls
    }

    /// The login user name, if any.
    pub fn user(&self) -> Option<&str> {
        self.credentials.as_ref().map(|(user, _)| user.as_str())
    }

    /// The sender of every e-mail.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// `host:port`, as used in error messages.
    pub(crate) fn target(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Builds the lettre transport (with its connection pool) for these settings.
    pub(crate) fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, NotifyError> {
        let tls_parameters = || {
            self.root_certificates
                .iter()
                .fold(TlsParameters::builder(self.host.clone()), |b, cert| {
                    b.add_root_certificate(cert.clone())
                })
                .build_rustls()
                .map_err(|e| NotifyError::InvalidSmtp(format!("TLS cannot be set up ({e})")))
        };
        let tls = match self.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Opportunistic => Tls::Opportunistic(tls_parameters()?),
            SmtpTls::Required => Tls::Required(tls_parameters()?),
            SmtpTls::Implicit => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some((user, pass)) = &self.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        Ok(builder.build())
    }

    /// Says which step of the conversation failed and what the server or network answered.
    pub(crate) fn classify(&self, error: &lettre::transport::smtp::Error) -> NotifyError {
        let target = self.target();
        let reason = error
            .source()
            .map(|s| s.to_string())
            .unwrap_or_else(|| error.to_string());
        if let Some(code) = error.status() {
            let code = code.to_string().parse::<u16>().unwrap_or(0);
            // 530 auth required, 534 mechanism too weak, 535 bad credentials, 538 encryption
            // required for the mechanism, 454 temporary auth failure.
            return if matches!(code, 454 | 530 | 534 | 535 | 538) {
                NotifyError::Auth {
                    target,
                    code,
                    text: reason,
                }
            } else {
                NotifyError::Rejected {
                    target,
                    code,
                    text: reason,
                }
            };
        }
        if error.is_timeout() {
            return NotifyError::Timeout { target };
        }
        if error.is_tls()
            || crate::error::has_cause::<rustls::Error>(error)
            || reason.contains("STARTTLS")
        {
            return NotifyError::Tls { target, reason };
        }
        if reason.contains("No compatible authentication mechanism") {
            return NotifyError::Auth {
                target,
                code: 0,
                text: reason,
            };
        }
        if error.to_string().starts_with("Connection error") {
            return NotifyError::Connect { target, reason };
        }
        NotifyError::Smtp {
            target,
            reason: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FROM: &str = "mamori <alerts@example.jp>";

    #[test]
    fn smtp_defaults_to_port_25_and_opportunistic_starttls() {
        let s = SmtpSettings::from_url("smtp://mail.example.jp", FROM).expect("valid");
        assert_eq!(
            (s.host(), s.port(), s.tls()),
            ("mail.example.jp", 25, SmtpTls::Opportunistic)
        );
        assert_eq!(s.user(), None);
        assert_eq!(s.from().email.to_string(), "alerts@example.jp");
    }

    #[test]
    fn smtps_defaults_to_465_implicit_tls() {
        let s = SmtpSettings::from_url("smtps://mail.example.jp", FROM).expect("valid");
        assert_eq!((s.port(), s.tls()), (465, SmtpTls::Implicit));
        let s = SmtpSettings::from_url("smtps://mail.example.jp:2465", FROM).expect("valid");
        assert_eq!(s.port(), 2465);
        assert!(SmtpSettings::from_url("smtps://mail.example.jp?tls=none", FROM).is_err());
    }

    #[test]
    fn tls_option() {
        let tls = |url: &str| SmtpSettings::from_url(url, FROM).map(|s| s.tls());
        assert_eq!(
            tls("smtp://h:587?tls=required").expect("ok"),
            SmtpTls::Required
        );
        assert_eq!(tls("smtp://h:2525?tls=none").expect("ok"), SmtpTls::None);
        assert_eq!(
            tls("smtp://h?tls=opportunistic").expect("ok"),
            SmtpTls::Opportunistic
        );
        let err = tls("smtp://h?tls=maybe").unwrap_err();
        assert_eq!(err.code(), "invalid_smtp");
        assert!(err.to_string().contains("tls=maybe"), "{err}");
        assert!(tls("smtp://h?timeout=3").is_err());
    }

    #[test]
    fn credentials_are_percent_decoded_and_can_be_overridden() {
        let s = SmtpSettings::from_url("smtp://user%40example.jp:p%40ss%3Aw%2Fd@h:587", FROM)
            .expect("valid");
        assert_eq!(
            s.credentials,
            Some(("user@example.jp".into(), "p@ss:w/d".into()))
        );
        assert!(!s.describe().contains("p@ss"), "{}", s.describe());
        assert!(!format!("{s:?}").contains("p@ss"));
        assert_eq!(
            s.describe(),
            "h:587 (STARTTLS when offered, login as user@example.jp)"
        );
        let s = s.with_credentials("other".into(), "secret".into());
        assert_eq!(s.credentials, Some(("other".into(), "secret".into())));
        assert!(!s.describe().contains("secret"));
    }

    #[test]
    fn bad_urls_and_senders_are_explained() {
        for (url, needle) in [
            ("http://mail.example.jp", "smtp://"),
            ("mail.example.jp:25", "smtp://"),
            ("smtp://", "host"),
            ("smtp://h/path", "path"),
            ("not a url", "cannot be read"),
        ] {
            let err = SmtpSettings::from_url(url, FROM).unwrap_err();
            assert_eq!(err.code(), "invalid_smtp", "{url}");
            assert!(err.to_string().contains(needle), "{url}: {err}");
            assert!(err.is_permanent());
        }
        let err = SmtpSettings::from_url("smtp://h", "nobody").unwrap_err();
        assert!(err.to_string().contains("sender"), "{err}");
    }

    #[test]
    fn root_certificate_must_be_pem() {
        let s = SmtpSettings::from_url("smtp://h", FROM).expect("valid");
        let err = s.with_root_certificate(b"not a certificate").unwrap_err();
        assert_eq!(err.code(), "invalid_smtp");
    }
}
