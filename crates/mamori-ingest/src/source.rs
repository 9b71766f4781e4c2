//! Who sent a line: the [`Origin`] a listener records with every line, and the
//! [`SourceTable`] that maps origins to registered monitored sources (by TLS client
//! certificate, sender address or HTTP token) so each line is parsed in its source's format
//! and stored under its organisation.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use mamori_model::Scope;
use mamori_store::{Source, Store, StoreError};

use mamori_parse::{Format, JsonMapping, JsonParser, Parser, parser_for};

/// How long a source of `format` may usually stay silent before it is flagged and an alert
/// is raised, when the provider does not say (seconds). Firewalls and routers log traffic
/// all day, so an hour without a line means something; a Linux server's sign-in log can be
/// quiet for a night; a device whose format is not known gets a half-way value.
pub fn usual_silence_secs(format: Format) -> i64 {
    const HOUR: i64 = 3600;
    match format {
        Format::Rtx | Format::Fortigate | Format::Filterlog | Format::Eve => HOUR,
        Format::LinuxAuth | Format::Journald | Format::Windows | Format::Json => 24 * HOUR,
        Format::Auto | Format::Rfc3164 | Format::Rfc5424 => 4 * HOUR,
    }
}

/// Where a line came from, as the listener saw it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A syslog datagram from this address.
    Udp(IpAddr),
    /// A plain syslog TCP connection from this address.
    Tcp(IpAddr),
    /// A syslog TLS connection, with the client certificate's SHA-256 (hex) when one was
    /// presented.
    Tls {
        /// The sender's address.
        peer: IpAddr,
        /// The client certificate's fingerprint.
        fingerprint: Option<String>,
    },
    /// `POST /api/v1/ingest` with the token of this source.
    Http {
        /// The source the token belongs to.
        source_id: String,
    },
}

impl Origin {
    /// `udp`, `tcp`, `tls` or `http`.
    pub fn transport(&self) -> &'static str {
        match self {
            Origin::Udp(_) => "udp",
            Origin::Tcp(_) => "tcp",
            Origin::Tls { .. } => "tls",
            Origin::Http { .. } => "http",
        }
    }

    /// The sender's network address, when the line came over syslog.
    pub fn peer(&self) -> Option<IpAddr> {
        match self {
            Origin::Udp(ip) | Origin::Tcp(ip) | Origin::Tls { peer: ip, .. } => Some(*ip),
            Origin::Http { .. } => None,
        }
    }
}

/// A registered source as ingest uses it: where its lines go and how to read them.
pub struct Route {
    /// The source.
    pub source_id: String,
    /// Its organisation.
    pub org_id: String,
    /// The format it was registered with (recorded as the event's device kind unless
    /// `auto`).
    pub format: Format,
    /// The parser for that format (with the source's own JSON mapping for `json`).
    pub parser: Arc<dyn Parser>,
}

impl Route {
    /// The route of a stored source. An unknown format name (a hand-edited database) falls
    /// back to `auto` rather than losing the source's lines.
    pub fn new(source: &Source) -> Route {
        let format = source.format.parse().unwrap_or_else(|e| {
            tracing::warn!(source = %source.id, error = %e, "unknown source format; using auto");
            Format::Auto
        });
        let parser: Arc<dyn Parser> = match (format, &source.json_mapping) {
            (Format::Json, Some(mapping)) => match serde_json::from_str::<JsonMapping>(mapping) {
                Ok(mapping) => Arc::new(JsonParser::new(mapping)),
                Err(e) => {
                    tracing::warn!(source = %source.id, error = %e, "bad JSON mapping; using the default");
                    Arc::new(JsonParser::default())
                }
            },
            _ => Arc::new(StaticParser(parser_for(format))),
        };
        Route {
            source_id: source.id.clone(),
            org_id: source.org_id.clone(),
            format,
            parser,
        }
    }

    /// The device kind recorded on this source's events.
    pub fn device_kind(&self) -> Option<&'static str> {
        (self.format != Format::Auto).then(|| self.format.as_str())
    }
}

/// Lets a built-in `&'static` parser sit behind an `Arc` next to per-source parsers.
struct StaticParser(&'static dyn Parser);

impl Parser for StaticParser {
    fn format(&self) -> Format {
        self.0.format()
    }

    fn parse(
        &self,
        line: &str,
        received_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<mamori_model::Event, mamori_parse::ParseError> {
        self.0.parse(line, received_at)
    }
}

/// Every registered source, indexed the three ways lines find them.
#[derive(Default)]
pub struct SourceTable {
    by_address: HashMap<IpAddr, Arc<Route>>,
    by_certificate: HashMap<String, Arc<Route>>,
    by_id: HashMap<String, Arc<Route>>,
}

/// An address in the form it is registered and looked up in: IPv4-mapped IPv6 addresses
/// (what a dual-stack listener reports for IPv4 senders) become plain IPv4.
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

impl SourceTable {
    /// Builds the table from `sources`.
    pub fn new(sources: &[Source]) -> SourceTable {
        let mut table = SourceTable::default();
        for source in sources {
            let route = Arc::new(Route::new(source));
            if let Some(ip) = source.address.as_deref().and_then(|a| a.parse().ok()) {
                table.by_address.insert(canonical_ip(ip), route.clone());
            }
            if let Some(fp) = &source.cert_fingerprint {
                table.by_certificate.insert(fp.clone(), route.clone());
            }
            table.by_id.insert(source.id.clone(), route);
        }
        table
    }

    /// Loads every registered source from the store.
    pub async fn load(store: &Store) -> Result<SourceTable, StoreError> {
        Ok(SourceTable::new(
            &store.all_sources(&Scope::AllOrganisations).await?,
        ))
    }

    /// The source a line from `origin` belongs to: by client certificate first, then by
    /// sender address; HTTP lines by their token's source.
    pub fn resolve(&self, origin: &Origin) -> Option<&Arc<Route>> {
        match origin {
            Origin::Http { source_id } => self.by_id.get(source_id),
            Origin::Tls {
                peer,
                fingerprint: Some(fp),
            } => self
                .by_certificate
                .get(fp)
                .or_else(|| self.by_address.get(&canonical_ip(*peer))),
            Origin::Udp(ip) | Origin::Tcp(ip) | Origin::Tls { peer: ip, .. } => {
                self.by_address.get(&canonical_ip(*ip))
            }
        }
    }
}
