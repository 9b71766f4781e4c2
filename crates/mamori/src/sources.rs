//! `mamori admin add-source`: registers a monitored source for an organisation, recognised
//! by its sender address, its TLS client certificate or an HTTP ingest token.

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use mamori_ingest::listen::fingerprint;
use mamori_ingest::source::usual_silence_secs;
use mamori_parse::{Format, JsonMapping};
use mamori_store::{Actor, NewSource, SourceIdentity};
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;

use crate::config::StorageArgs;

/// Options of `admin add-source`.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("identity").required(true).args(["address", "token", "client_cert"])))]
pub struct AddSourceArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The organisation the source belongs to.
    #[arg(long)]
    org: String,
    /// A friendly name, e.g. "本社 RTX1210".
    #[arg(long)]
    name: String,
    /// auto, rtx, fortigate, filterlog, eve, rfc5424, rfc3164, linux-auth, journald, windows or json.
    #[arg(long)]
    format: Format,
    /// The address the device sends syslog from.
    #[arg(long)]
    address: Option<IpAddr>,
    /// Send over HTTP (POST /api/v1/ingest) with a token, printed once.
    #[arg(long)]
    token: bool,
    /// The device's TLS client certificate (PEM) for syslog over TLS.
    #[arg(long)]
    client_cert: Option<PathBuf>,
    /// Minutes of silence after which the source is flagged and an alert is raised (by
    /// default the usual one for its format: an hour for routers and UTMs, a day for Linux
    /// servers and JSON, four hours otherwise).
    #[arg(long)]
    expected_interval: Option<i64>,
    /// For --format json: a JSON file saying which keys hold the normalised fields.
    #[arg(long)]
    json_mapping: Option<PathBuf>,
}

/// Registers the source and prints its id (and token).
pub async fn add_source(args: AddSourceArgs) -> anyhow::Result<()> {
    let identity = match (&args.address, &args.client_cert) {
        (Some(ip), _) => SourceIdentity::Address(ip.to_canonical().to_string()),
        (None, Some(path)) => {
            let cert = CertificateDer::from_pem_file(path)
                .with_context(|| format!("cannot read a certificate from {}", path.display()))?;
            SourceIdentity::Certificate(fingerprint(cert.as_ref()))
        }
        (None, None) => SourceIdentity::Token,
    };
    let json_mapping = match &args.json_mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_str::<JsonMapping>(&text)
                .with_context(|| format!("{} is not a JSON field mapping", path.display()))?;
            Some(text)
        }
        None => None,
    };
    let store = args.storage.open().await?;
    let new = NewSource {
        org_id: args.org,
        name: args.name,
        format: args.format.to_string(),
        json_mapping,
        identity,
        expected_interval_secs: args
            .expected_interval
            .map_or(usual_silence_secs(args.format), |m| m.max(1) * 60),
    };
    let (source, token) = store
        .create_source(&Actor::cli(), new)
        .await
        .map_err(|e| match e {
            mamori_store::StoreError::NotFound => anyhow::anyhow!("no organisation with that id"),
            mamori_store::StoreError::Invalid(mamori_store::InvalidInput::SourceTaken) => {
                anyhow::anyhow!("another source already uses this address or certificate")
            }
            other => other.into(),
        })?;
    println!("{}", source.id);
    if let Some(token) = token {
        println!("{token}");
    }
    Ok(())
}
