//! The TLS syslog listener (RFC 5425) with rustls: the server certificate and key come from
//! PEM files; with a client CA, senders may present certificates signed by it, and a
//! certificate's SHA-256 fingerprint identifies its source.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, RootCertStore, ServerConfig};

use super::Counters;
use super::stream::serve_stream;
use super::tcp::accept_loop;
use crate::queue::Queue;
use crate::source::Origin;

/// How long a sender may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the TLS listener finds its certificates.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// The server certificate chain (PEM).
    pub cert: PathBuf,
    /// The server's private key (PEM).
    pub key: PathBuf,
    /// CA certificates (PEM) that sign client certificates; without it none are asked for.
    pub client_ca: Option<PathBuf>,
}

/// Why the TLS listener could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read.
    #[error("cannot read {path}: {reason}")]
    Pem {
        /// The file.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// rustls refused the certificates or key.
    #[error("TLS configuration refused: {0}")]
    Config(#[from] rustls::Error),
    /// The client CA could not be used to verify certificates.
    #[error("client CA unusable: {0}")]
    ClientCa(String),
}

fn pem_error(path: &Path, reason: impl ToString) -> TlsError {
    TlsError::Pem {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error(path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, e))?;
    if certs.is_empty() {
        return Err(pem_error(path, "no certificate in the file"));
    }
    Ok(certs)
}

impl TlsSettings {
    /// Builds the acceptor (ring is the crypto provider for the whole binary).
    pub fn acceptor(&self) -> Result<TlsAcceptor, TlsError> {
        let provider = Arc::new(ring::default_provider());
        let key = PrivateKeyDer::from_pem_file(&self.key).map_err(|e| pem_error(&self.key, e))?;
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?;
        let builder = match &self.client_ca {
            None => builder.with_no_client_auth(),
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                for cert in certificates(ca)? {
                    roots.add(cert)?;
                }
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                        .allow_unauthenticated()
                        .build()
                        .map_err(|e| TlsError::ClientCa(e.to_string()))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let config = builder.with_single_cert(certificates(&self.cert)?, key)?;
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// The SHA-256 fingerprint (lower-case hex) of a DER certificate, as sources register it.
pub fn fingerprint(der: &[u8]) -> String {
    mamori_model::sha256_hex(&[der])
}

/// Accepts TLS syslog connections on `listener` until `shutdown` turns true.
pub async fn run_tls(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    queue: Queue,
    counters: Arc<Counters>,
    max_message: usize,
    shutdown: watch::Receiver<bool>,
) {
    let stop = shutdown.clone();
    accept_loop(listener, stop, "tls", move |socket, peer| {
        let (acceptor, queue, counters, shutdown) = (
            acceptor.clone(),
            queue.clone(),
            counters.clone(),
            shutdown.clone(),
        );
        async move {
            let stream =
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(socket)).await {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(e)) => {
                        tracing::info!(%peer, error = %e, "syslog TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::info!(%peer, "syslog TLS handshake timed out");
                        return;
                    }
                };
            let fingerprint = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|cert| fingerprint(cert.as_ref()));
            let origin = Origin::Tls {
                peer: peer.ip().to_canonical(),
                fingerprint,
            };
            if let Err(e) =
                serve_stream(stream, origin, queue, &counters, max_message, shutdown).await
            {
                tracing::debug!(%peer, error = %e, "syslog TLS connection ended with an error");
            }
        }
    })
    .await;
}
