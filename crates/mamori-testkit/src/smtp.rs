//! A real SMTP server on 127.0.0.1 that records every message, for testing e-mail delivery
//! end to end: it speaks the actual dialogue (EHLO, AUTH, MAIL, RCPT, DATA…), can demand a
//! login, reject chosen recipients, and offer STARTTLS or implicit TLS with a self-signed
//! certificate.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The envelope sender (MAIL FROM).
    pub from: String,
    /// The accepted envelope recipients (RCPT TO).
    pub to: Vec<String>,
    /// The raw RFC 5322 message, headers included, dot-unstuffed.
    pub data: String,
    /// The user that logged in on this connection, if any.
    pub authenticated_as: Option<String>,
    /// Whether the connection was encrypted when the message was sent.
    pub encrypted: bool,
}

impl ReceivedMail {
    /// The decoded subject; panics when the message cannot be parsed.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_string()
    }

    /// The decoded plain-text body.
    pub fn text_body(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|b| b.into_owned())
            .unwrap_or_default()
    }

    /// The decoded HTML body.
    pub fn html_body(&self) -> String {
        self.parsed()
            .body_html(0)
            .map(|b| b.into_owned())
            .unwrap_or_default()
    }

    /// The attached files: (file name, contents).
    pub fn attachments(&self) -> Vec<(String, Vec<u8>)> {
        use mail_parser::MimeHeaders;
        self.parsed()
            .attachments()
            .map(|a| {
                (
                    a.attachment_name().unwrap_or_default().to_string(),
                    a.contents().to_vec(),
                )
            })
            .collect()
    }

    /// One raw header value by name (as sent, not decoded).
    pub fn header(&self, name: &str) -> Option<String> {
        self.parsed().header_raw(name).map(|v| v.trim().to_string())
    }

    fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(self.data.as_bytes())
            .unwrap_or_else(|| panic!("SMTP sink: cannot parse message:\n{}", self.data))
    }
}

/// How the sink protects connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TlsMode {
    None,
    StartTls,
    Implicit,
}

/// Options for [`SmtpSink`]; start with [`SmtpSink::builder`].
pub struct SmtpSinkBuilder {
    auth: Option<(String, String)>,
    reject: Vec<String>,
    tls: TlsMode,
}

impl SmtpSinkBuilder {
    /// Refuses MAIL until the client logs in with exactly these credentials (others get 535).
    pub fn require_auth(mut self, user: &str, pass: &str) -> Self {
        self.auth = Some((user.to_string(), pass.to_string()));
        self
    }

    /// Answers `550 5.1.1` to RCPT TO for this address.
    pub fn reject_recipient(mut self, address: &str) -> Self {
        self.reject.push(address.to_ascii_lowercase());
        self
    }

    /// Offers STARTTLS with a self-signed certificate for 127.0.0.1 (see [`SmtpSink::ca_pem`]).
    pub fn starttls(mut self) -> Self {
        self.tls = TlsMode::StartTls;
        self
    }

    /// Speaks TLS from the first byte (like port 465).
    pub fn implicit_tls(mut self) -> Self {
        self.tls = TlsMode::Implicit;
        self
    }

    /// Starts listening on a free port.
    pub async fn start(self) -> SmtpSink {
        let (acceptor, ca_pem) = match self.tls {
            TlsMode::None => (None, None),
            TlsMode::StartTls | TlsMode::Implicit => {
                let (acceptor, pem) = self_signed_acceptor();
                (Some(acceptor), Some(pem))
            }
        };
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the SMTP sink");
        let addr = listener.local_addr().expect("SMTP sink address");
        let config = Arc::new(Config {
            auth: self.auth,
            reject: self.reject,
            tls: self.tls,
            acceptor,
            messages: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
        });
        let shared = config.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let config = shared.clone();
                tokio::spawn(async move {
                    let result = match (config.tls, &config.acceptor) {
                        (TlsMode::Implicit, Some(acceptor)) => {
                            match acceptor.accept(socket).await {
                                Ok(tls) => session(Box::new(tls), true, &config).await,
                                Err(e) => Err(e),
                            }
                        }
                        _ => session(Box::new(socket), false, &config).await,
                    };
                    if let Err(e) = result {
                        eprintln!("SMTP sink: connection ended: {e}");
                    }
                });
            }
        });
        SmtpSink {
            addr,
            config,
            ca_pem,
            task,
        }
    }
}

/// The running server. Stops accepting when dropped.
pub struct SmtpSink {
    addr: SocketAddr,
    config: Arc<Config>,
    ca_pem: Option<String>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    /// A plain server that accepts everything, without TLS or login.
    pub async fn start() -> SmtpSink {
        SmtpSink::builder().start().await
    }

    /// Options: login, rejected recipients, TLS.
    pub fn builder() -> SmtpSinkBuilder {
        SmtpSinkBuilder {
            auth: None,
            reject: Vec::new(),
            tls: TlsMode::None,
        }
    }

    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A URL for `SmtpSettings::from_url`: `smtp://127.0.0.1:PORT?tls=none`, `?tls=required`
    /// with STARTTLS, or `smtps://127.0.0.1:PORT` with implicit TLS.
    pub fn url(&self) -> String {
        match self.config.tls {
            TlsMode::None => format!("smtp://{}?tls=none", self.addr),
            TlsMode::StartTls => format!("smtp://{}?tls=required", self.addr),
            TlsMode::Implicit => format!("smtps://{}", self.addr),
        }
    }

    /// The self-signed certificate (PEM) clients must trust, when TLS is on.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.config
            .messages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits until at least `n` messages arrived; panics after `timeout` saying how many did.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if Instant::now() >= deadline {
                panic!(
                    "SMTP sink: expected {n} message(s) within {timeout:?}, got {}",
                    messages.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Config {
    auth: Option<(String, String)>,
    reject: Vec<String>,
    tls: TlsMode,
    acceptor: Option<TlsAcceptor>,
    messages: Mutex<Vec<ReceivedMail>>,
    next_id: AtomicU64,
}

/// Any stream the dialogue can run over: plain TCP or TLS.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// What the current transaction has collected.
#[derive(Default)]
struct Transaction {
    from: Option<String>,
    to: Vec<String>,
}

/// Runs one connection's dialogue until QUIT or the client goes away.
async fn session(
    stream: Box<dyn Stream>,
    mut encrypted: bool,
    config: &Config,
) -> std::io::Result<()> {
    let mut io = BufReader::new(stream);
    let mut user: Option<String> = None;
    let mut tx = Transaction::default();
    reply(&mut io, "220 127.0.0.1 ESMTP mamori test sink").await?;
    loop {
        let Some(line) = read_line(&mut io).await? else {
            return Ok(());
        };
        let upper = line.to_ascii_uppercase();
        let verb = upper.split_whitespace().next().unwrap_or("");
        match verb {
            "EHLO" => {
                tx = Transaction::default();
                let mut lines = vec![
                    "250-127.0.0.1",
                    "250-8BITMIME",
                    "250-SMTPUTF8",
                    "250-AUTH PLAIN LOGIN",
                ];
                if config.tls == TlsMode::StartTls && !encrypted {
                    lines.push("250-STARTTLS");
                }
                lines.push("250 ENHANCEDSTATUSCODES");
                reply(&mut io, &lines.join("\r\n")).await?;
            }
            "HELO" => {
                tx = Transaction::default();
                reply(&mut io, "250 127.0.0.1").await?;
            }
            "STARTTLS" if config.tls == TlsMode::StartTls && !encrypted => {
                let Some(acceptor) = &config.acceptor else {
                    reply(&mut io, "454 4.7.0 TLS not available").await?;
                    continue;
                };
                reply(&mut io, "220 2.0.0 Ready to start TLS").await?;
                let plain = io.into_inner();
                let tls = acceptor.accept(plain).await?;
                io = BufReader::new(Box::new(tls));
                encrypted = true;
                user = None;
                tx = Transaction::default();
            }
            "AUTH" => {
                let words: Vec<&str> = line.split_whitespace().collect();
                let mechanism = words.get(1).map(|m| m.to_ascii_uppercase());
                let credentials = match mechanism.as_deref() {
                    Some("PLAIN") => {
                        let encoded = match words.get(2) {
                            Some(initial) => initial.to_string(),
                            None => {
                                reply(&mut io, "334 ").await?;
                                read_line(&mut io).await?.unwrap_or_default()
                            }
                        };
                        decode(&encoded).and_then(|plain| {
                            let mut parts = plain.split('\0');
                            let _authzid = parts.next()?;
                            Some((parts.next()?.to_string(), parts.next()?.to_string()))
                        })
                    }
                    Some("LOGIN") => {
                        let name = match words.get(2) {
                            Some(initial) => initial.to_string(),
                            None => {
                                reply(&mut io, "334 VXNlcm5hbWU6").await?;
                                read_line(&mut io).await?.unwrap_or_default()
                            }
                        };
                        reply(&mut io, "334 UGFzc3dvcmQ6").await?;
                        let pass = read_line(&mut io).await?.unwrap_or_default();
                        decode(&name).zip(decode(&pass))
                    }
                    _ => {
                        reply(&mut io, "504 5.5.4 Unrecognized authentication type").await?;
                        continue;
                    }
                };
                match credentials {
                    Some((name, pass))
                        if config
                            .auth
                            .as_ref()
                            .is_none_or(|(u, p)| *u == name && *p == pass) =>
                    {
                        user = Some(name);
                        reply(&mut io, "235 2.7.0 Authentication successful").await?;
                    }
                    _ => {
                        reply(&mut io, "535 5.7.8 Error: authentication failed").await?;
                    }
                }
            }
            "MAIL" => {
                if config.auth.is_some() && user.is_none() {
                    reply(&mut io, "530 5.7.0 Authentication required").await?;
                } else {
                    tx = Transaction {
                        from: Some(angle_address(&line)),
                        to: Vec::new(),
                    };
                    reply(&mut io, "250 2.1.0 Ok").await?;
                }
            }
            "RCPT" => {
                let address = angle_address(&line);
                if tx.from.is_none() {
                    reply(&mut io, "503 5.5.1 Error: need MAIL command").await?;
                } else if config.reject.contains(&address.to_ascii_lowercase()) {
                    let text = format!(
                        "550 5.1.1 <{address}>: Recipient address rejected: User unknown in local recipient table"
                    );
                    reply(&mut io, &text).await?;
                } else {
                    tx.to.push(address);
                    reply(&mut io, "250 2.1.5 Ok").await?;
                }
            }
            "DATA" => {
                if tx.to.is_empty() {
                    reply(&mut io, "554 5.5.1 Error: no valid recipients").await?;
                    continue;
                }
                reply(&mut io, "354 End data with <CR><LF>.<CR><LF>").await?;
                let mut data = String::new();
                loop {
                    let Some(line) = read_line(&mut io).await? else {
                        return Ok(());
                    };
                    if line == "." {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push_str("\r\n");
                }
                let id = config.next_id.fetch_add(1, Ordering::SeqCst);
                config
                    .messages
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(ReceivedMail {
                        from: tx.from.take().unwrap_or_default(),
                        to: std::mem::take(&mut tx.to),
                        data,
                        authenticated_as: user.clone(),
                        encrypted,
                    });
                reply(&mut io, &format!("250 2.0.0 Ok: queued as SINK{id:06}")).await?;
            }
            "RSET" => {
                tx = Transaction::default();
                reply(&mut io, "250 2.0.0 Ok").await?;
            }
            "NOOP" => reply(&mut io, "250 2.0.0 Ok").await?,
            "QUIT" => {
                reply(&mut io, "221 2.0.0 Bye").await?;
                return Ok(());
            }
            _ => reply(&mut io, "502 5.5.2 Error: command not recognized").await?,
        }
    }
}

/// Reads one line without its CRLF; None when the client closed the connection.
async fn read_line(io: &mut BufReader<Box<dyn Stream>>) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    if io.read_until(b'\n', &mut buf).await? == 0 {
        return Ok(None);
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Writes one reply (possibly several lines joined by CRLF) and flushes it.
async fn reply(io: &mut BufReader<Box<dyn Stream>>, text: &str) -> std::io::Result<()> {
    let stream = io.get_mut();
    stream.write_all(text.as_bytes()).await?;
    stream.write_all(b"\r\n").await?;
    stream.flush().await
}

/// The address between < and > in `MAIL FROM:<a@b> …` or `RCPT TO:<a@b>`.
fn angle_address(line: &str) -> String {
    match (line.find('<'), line.find('>')) {
        (Some(start), Some(end)) if start < end => line[start + 1..end].to_string(),
        _ => line
            .split_once(':')
            .map(|(_, rest)| rest.trim().to_string())
            .unwrap_or_default(),
    }
}

/// Base64 to UTF-8 text, None when either step fails.
fn decode(encoded: &str) -> Option<String> {
    let bytes = BASE64.decode(encoded.trim()).ok()?;
    String::from_utf8(bytes).ok()
}

/// A TLS acceptor with a fresh self-signed certificate for 127.0.0.1 and localhost, plus that
/// certificate's PEM for clients to trust.
fn self_signed_acceptor() -> (TlsAcceptor, String) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("self-signed certificate");
    let pem = certified.cert.pem();
    let cert = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .expect("server certificate");
    (TlsAcceptor::from(Arc::new(config)), pem)
}
