//! Sends one notice through one channel and reports exactly what happened: the server's
//! answer on success, the precise reason on failure. No queue, no retries: the caller owns those.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use http_body_util::Full;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rustls_platform_verifier::BuilderVerifierExt;
use serde::{Deserialize, Serialize};

use crate::channel::{check_literal, mask_url, parse_address, parse_http_url};
use crate::destination::{GuardedResolver, Refused};
use crate::error::has_cause;
use crate::{Channel, DestinationPolicy, Notice, NotifyError, SmtpSettings, render, sign};

/// How long to wait for an HTTP endpoint to accept the connection.
const HTTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole HTTP delivery may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The HTTP client: hyper with rustls (ring) configured here, not reqwest, so that the
/// TLS choice of this crate never changes how other crates' reqwest clients are built, and
/// with a resolver that refuses internal addresses (see [`crate::destination`]).
type Https = HttpClient<hyper_rustls::HttpsConnector<HttpConnector<GuardedResolver>>, Full<Bytes>>;

/// Proof of delivery: what the receiving server answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The SMTP reply (`250 2.0.0 Ok: queued as …`) or the HTTP status line (`200 OK`).
    pub response: String,
}

/// An e-mail other than an alert notice: plain text and HTML, optionally with one file.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
    /// A file to attach.
    pub attachment: Option<MailAttachment>,
}

/// A file attached to a [`Mail`].
#[derive(Debug, Clone)]
pub struct MailAttachment {
    /// The file name the recipient sees.
    pub filename: String,
    /// Its MIME type (`application/pdf`).
    pub content_type: String,
    /// The contents.
    pub bytes: Vec<u8>,
}

/// Delivers notices. Build one at start-up and share it: it keeps the SMTP connection pool and
/// the HTTP client.
pub struct Notifier {
    smtp: Option<(SmtpSettings, AsyncSmtpTransport<Tokio1Executor>)>,
    http: Https,
    destinations: Arc<DestinationPolicy>,
}

impl Notifier {
    /// Prepares the mail transport (when a mail server is configured) and the HTTP client;
    /// both use rustls with the ring provider and the system's trusted certificates.
    /// Webhooks reach public addresses and the internal networks `destinations` opens.
    pub fn new(
        smtp: Option<SmtpSettings>,
        destinations: DestinationPolicy,
    ) -> Result<Self, NotifyError> {
        let destinations = Arc::new(destinations);
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
        let mut connector =
            HttpConnector::new_with_resolver(GuardedResolver::new(destinations.clone()));
        connector.set_connect_timeout(Some(HTTP_CONNECT_TIMEOUT));
        connector.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let http = HttpClient::builder(TokioExecutor::new()).build(https);
        Ok(Notifier {
            smtp,
            http,
            destinations,
        })
    }

    /// Where this notifier's webhooks may go; pages check new channels against it.
    pub fn destinations(&self) -> &DestinationPolicy {
        &self.destinations
    }

    /// Sends `notice` through `channel`; Ok carries the server's answer (SMTP "250 …" reply
    /// text, HTTP "200 OK" and a short body), Err the exact reason.
    pub async fn deliver(
        &self,
        channel: &Channel,
        notice: &Notice,
    ) -> Result<Receipt, NotifyError> {
        channel.check(&self.destinations)?;
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
        let rendered = render::email(notice, Utc::now());
        self.send_mail(
            to,
            &Mail {
                subject: rendered.subject,
                text: rendered.text,
                html: rendered.html,
                attachment: None,
            },
        )
        .await
    }

    /// Sends one e-mail that is not an alert notice (a monthly report, say) to `to`
    /// through the configured mail server; Ok carries the server's "250 …" reply.
    pub async fn send_mail(&self, to: &[String], mail: &Mail) -> Result<Receipt, NotifyError> {
        let (settings, transport) = self.smtp.as_ref().ok_or(NotifyError::NoSmtp)?;
        let mut builder = Message::builder()
            .from(settings.from().clone())
            .subject(mail.subject.clone());
        let mut any = false;
        for address in Channel::recipients(to) {
            builder = builder.to(Mailbox::new(None, parse_address(address)?));
            any = true;
        }
        if !any {
            return Err(NotifyError::Message("no recipient address".into()));
        }
        let body = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
        let message = match &mail.attachment {
            None => builder.multipart(body),
            Some(file) => {
                let content_type = ContentType::parse(&file.content_type)
                    .map_err(|e| NotifyError::Message(format!("{}: {e}", file.content_type)))?;
                builder.multipart(MultiPart::mixed().multipart(body).singlepart(
                    Attachment::new(file.filename.clone()).body(file.bytes.clone(), content_type),
                ))
            }
        }
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
        check_literal(&self.destinations, &url)?;
        let target = mask_url(url.as_str());
        let mut request = http::Request::post(url.as_str())
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, concat!("mamori/", env!("CARGO_PKG_VERSION")));
        if let Some(all) = request.headers_mut() {
            all.extend(headers);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| NotifyError::Message(e.to_string()))?;
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| classify_http(&target, e))?;
            // The body is never read: whatever the URL points at stays unseen by the tenant.
            Ok::<_, NotifyError>(response.status())
        };
        let status = tokio::time::timeout(HTTP_TIMEOUT, exchange)
            .await
            .map_err(|_| NotifyError::Timeout {
                target: target.clone(),
            })??;
        let status_line = match status.canonical_reason() {
            Some(reason) => format!("{} {reason}", status.as_u16()),
            None => status.as_u16().to_string(),
        };
        if status.is_success() {
            Ok(Receipt {
                response: status_line,
            })
        } else {
            Err(NotifyError::HttpStatus {
                target,
                status: status.as_u16(),
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

/// Says whether an HTTP failure was a TLS or connection problem. The URL is left out of the
/// message because Slack and Teams URLs are secrets.
fn classify_http(target: &str, error: hyper_util::client::legacy::Error) -> NotifyError {
    let target = target.to_string();
    if has_cause::<Refused>(&error) {
        return NotifyError::RefusedDestination { target };
    }
    let reason = error_chain(&error);
    if error.is_connect() {
        if has_cause::<rustls::Error>(&error) {
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
