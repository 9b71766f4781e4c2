//! Sends one notice through one channel and reports exactly what happened: the server's
//! answer on success, the precise reason on failure. No queue, no retries: the caller owns those.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use rustls_platform_verifier::BuilderVerifierExt;
use serde::{Deserialize, Serialize};

use crate::channel::{mask_url, parse_address, parse_http_url};
use crate::{Channel, Notice, NotifyError, SmtpSettings, render, sign};

/// How long to wait for an HTTP endpoint to accept the connection.
const HTTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole HTTP delivery may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of an error response body is kept for the delivery log.
const BODY_EXCERPT: usize = 300;

/// Proof of delivery: what the receiving server answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The SMTP reply (`250 2.0.0 Ok: queued as …`) or HTTP status with a short body.
    pub response: String,
}

/// Delivers notices. Build one at start-up and share it: it keeps the SMTP connection pool and
/// the HTTP client.
pub struct Notifier {
    smtp: Option<(SmtpSettings, AsyncSmtpTransport<Tokio1Executor>)>,
    http: reqwest::Client,
}

impl Notifier {
    /// Prepares the mail transport (when a mail server is configured) and the HTTP client;
    /// both use rustls with the ring provider and the system's trusted certificates.
    pub fn new(smtp: Option<SmtpSettings>) -> Result<Self, NotifyError> {
        let smtp = match smtp {
            Some(settings) => {
                let transport = settings.transport()?;
                Some((settings, transport))
            }
            None => None,
        };
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| NotifyError::Http {
            target: "(HTTP client)".into(),
            reason: format!("TLS cannot be set up: {e}"),
        })?
        .with_no_client_auth();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(HTTP_CONNECT_TIMEOUT)
            .timeout(HTTP_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mamori/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NotifyError::Http {
                target: "(HTTP client)".into(),
                reason: error_chain(&e),
            })?;
        Ok(Notifier { smtp, http })
    }

    /// Sends `notice` through `channel`; Ok carries the server's answer (SMTP "250 …" reply
    /// text, HTTP "200 OK" and a short body), Err the exact reason.
    pub async fn deliver(
        &self,
        channel: &Channel,
        notice: &Notice,
    ) -> Result<Receipt, NotifyError> {
        channel.validate()?;
        match channel {
            Channel::Email { to } => self.send_email(to, notice).await,
            Channel::Webhook { url, secret } => {
                let sent_at = Utc::now();
                let body = to_json(&render::webhook_json(notice, sent_at))?;
                let mut headers = HeaderMap::new();
                headers.insert("x-mamori-event", header(notice.kind.as_str())?);
                if let Some(secret) = secret.as_deref().filter(|s| !s.is_empty()) {
                    let timestamp = sent_at.timestamp();
                    headers.insert("x-mamori-timestamp", header(&timestamp.to_string())?);
                    headers.insert(
                        "x-mamori-signature",
                        header(&sign(secret, timestamp, &body))?,
                    );
                }
                self.post(url, body, headers).await
            }
            Channel::Slack { url } => {
                let body = to_json(&render::slack_json(notice, Utc::now()))?;
                self.post(url, body, HeaderMap::new()).await
            }
            Channel::Teams { url } => {
                let body = to_json(&render::teams_json(notice, Utc::now()))?;
                self.post(url, body, HeaderMap::new()).await
            }
        }
    }

    /// Builds the e-mail and hands it to the mail server.
    async fn send_email(&self, to: &[String], notice: &Notice) -> Result<Receipt, NotifyError> {
        let (settings, transport) = self.smtp.as_ref().ok_or(NotifyError::NoSmtp)?;
        let rendered = render::email(notice, Utc::now());
        let mut builder = Message::builder()
            .from(settings.from().clone())
            .subject(rendered.subject);
        for address in Channel::recipients(to) {
            builder = builder.to(Mailbox::new(None, parse_address(address)?));
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| NotifyError::Message(e.to_string()))?;
        let response = transport
            .send(message)
            .await
            .map_err(|e| settings.classify(&e))?;
        let text = response.message().collect::<Vec<_>>().join(" ");
        Ok(Receipt {
            response: format!("{} {text}", response.code()).trim().to_string(),
        })
    }

    /// POSTs a JSON body and turns the answer into a receipt or an error.
    async fn post(
        &self,
        url: &str,
        body: Vec<u8>,
        headers: HeaderMap,
    ) -> Result<Receipt, NotifyError> {
        let url = parse_http_url(url)?;
        let target = mask_url(url.as_str());
        let response = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|e| classify_http(&target, e))?;
        let status = response.status();
        // The body is only for the log; a body that cannot be read is not the failure.
        let text = response.text().await.unwrap_or_default();
        let excerpt = excerpt(&text);
        if status.is_success() {
            Ok(Receipt {
                response: format!("{status} {excerpt}").trim().to_string(),
            })
        } else {
            Err(NotifyError::HttpStatus {
                target,
                status: status.as_u16(),
                body: excerpt,
            })
        }
    }
}

/// Serialises a payload (cannot fail for `serde_json::Value`, but is not unwrapped).
fn to_json(value: &serde_json::Value) -> Result<Vec<u8>, NotifyError> {
    serde_json::to_vec(value).map_err(|e| NotifyError::Message(e.to_string()))
}

/// A header value from text we produced ourselves.
fn header(value: &str) -> Result<HeaderValue, NotifyError> {
    HeaderValue::from_str(value).map_err(|e| NotifyError::Message(e.to_string()))
}

/// The first ~300 characters of a response body, on one line.
fn excerpt(body: &str) -> String {
    let one_line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > BODY_EXCERPT {
        let mut cut: String = one_line.chars().take(BODY_EXCERPT).collect();
        cut.push('…');
        cut
    } else {
        one_line
    }
}

/// Says whether an HTTP failure was a timeout, TLS, or connection problem. The URL is left out
/// of the message because Slack and Teams URLs are secrets.
fn classify_http(target: &str, error: reqwest::Error) -> NotifyError {
    let target = target.to_string();
    let error = error.without_url();
    if error.is_timeout() {
        return NotifyError::Timeout { target };
    }
    let reason = error_chain(&error);
    if error.is_connect() {
        if crate::smtp::has_tls_cause(&error) {
            return NotifyError::Tls { target, reason };
        }
        return NotifyError::Connect { target, reason };
    }
    NotifyError::Http { target, reason }
}

/// An error and all its causes, joined with ": ", without repeats.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}
