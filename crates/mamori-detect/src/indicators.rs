//! Indicator lists: IP addresses and CIDR blocks, domains (matching their subdomains too),
//! URLs and file hashes, read from plain files (one per line, `#` comments) or CSV (the
//! `indicator`/`value` column, else the first). Each entry's kind is recognised from its
//! shape. [`IndicatorSet::reload`] re-reads the files in place, so lists change without a
//! restart; a failed reload keeps the previous lists.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ipnet::IpNet;
use mamori_model::Severity;
use rsigma_eval::event::{Event, EventValue};

use crate::detection::{Detection, DetectionKind, RuleMeta};
use crate::error::DetectError;
use crate::mapping::{IndicatorKind, Mapping};

/// The entries of one or more indicator files.
#[derive(Debug, Default, Clone)]
struct Entries {
    ips: HashSet<IpAddr>,
    /// Sorted, as inclusive numeric ranges (IPv4 mapped into IPv6 space).
    nets: Vec<(u128, u128)>,
    domains: HashSet<String>,
    urls: HashSet<String>,
    hashes: HashSet<String>,
}

fn ip_key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl Entries {
    fn add(&mut self, raw: &str) {
        let value = raw.trim().trim_matches('"').trim();
        if value.is_empty() || value.starts_with('#') {
            return;
        }
        if let Ok(ip) = value.parse::<IpAddr>() {
            self.ips.insert(ip);
        } else if let Ok(net) = value.parse::<IpNet>() {
            self.nets
                .push((ip_key(net.network()), ip_key(net.broadcast())));
        } else if value.contains("://") {
            self.urls.insert(normalise_url(value));
        } else if matches!(value.len(), 32 | 40 | 64)
            && value.bytes().all(|b| b.is_ascii_hexdigit())
        {
            self.hashes.insert(value.to_ascii_lowercase());
        } else {
            self.domains
                .insert(value.trim_end_matches('.').to_ascii_lowercase());
        }
    }

    fn len(&self) -> usize {
        self.ips.len() + self.nets.len() + self.domains.len() + self.urls.len() + self.hashes.len()
    }

    fn has_ip(&self, ip: IpAddr) -> bool {
        if self.ips.contains(&ip) {
            return true;
        }
        let key = ip_key(ip);
        self.nets
            .iter()
            .any(|(from, to)| (*from..=*to).contains(&key))
    }

    fn has_domain(&self, name: &str) -> Option<String> {
        let mut name = name.trim_end_matches('.').to_ascii_lowercase();
        loop {
            if self.domains.contains(&name) {
                return Some(name);
            }
            let (_, parent) = name.split_once('.')?;
            name = parent.to_owned();
        }
    }
}

/// URLs compare without scheme case, trailing slash or fragment.
fn normalise_url(url: &str) -> String {
    let url = url.split('#').next().unwrap_or(url).trim_end_matches('/');
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
            let path = if path.is_empty() {
                String::new()
            } else {
                format!("/{path}")
            };
            format!(
                "{}://{}{path}",
                scheme.to_ascii_lowercase(),
                host.to_ascii_lowercase()
            )
        }
        None => url.to_owned(),
    }
}

/// A named indicator list, matched against the event fields the mapping names.
#[derive(Debug, Clone)]
pub struct IndicatorSet {
    meta: Arc<RuleMeta>,
    paths: Vec<PathBuf>,
    entries: Entries,
}

impl IndicatorSet {
    /// Loads the list `name` from `paths`; matches are reported at `level`.
    pub fn load(name: &str, paths: Vec<PathBuf>, level: Severity) -> Result<Self, DetectError> {
        let meta = RuleMeta {
            id: format!("indicator:{name}"),
            name: Some(name.to_owned()),
            title: format!("Known-bad indicator ({name})"),
            level,
            tags: Vec::new(),
            guidance: Some(crate::fallback::for_indicator()),
            origin: paths
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            emit: true,
        };
        let mut set = Self {
            meta: Arc::new(meta),
            paths,
            entries: Entries::default(),
        };
        set.reload()?;
        Ok(set)
    }

    /// Re-reads the files; returns how many entries are now loaded. On error the previous
    /// entries stay in force.
    pub fn reload(&mut self) -> Result<usize, DetectError> {
        let mut entries = Entries::default();
        for path in &self.paths {
            let text = std::fs::read_to_string(path).map_err(|source| DetectError::Read {
                path: path.clone(),
                source,
            })?;
            let csv = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            read_list(&text, csv, &mut entries);
        }
        entries.nets.sort_unstable();
        self.entries = entries;
        Ok(self.entries.len())
    }

    /// How many entries are loaded.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    /// Detections for every listed value `event` names, using `mapping`'s indicator fields.
    pub fn check(&self, event: &impl Event, mapping: &Mapping) -> Vec<Detection> {
        let mut found = Vec::new();
        for kind in [
            IndicatorKind::Ip,
            IndicatorKind::Domain,
            IndicatorKind::Url,
            IndicatorKind::Hash,
        ] {
            for field in mapping.indicator_fields(kind) {
                let Some(EventValue::Str(value)) = event.get_field(field) else {
                    continue;
                };
                let hit = self.hit(kind, &value);
                let seen = |h: &String| {
                    found
                        .iter()
                        .any(|d: &Detection| d.matched.as_ref().is_some_and(|(_, m)| m == h))
                };
                if let Some(hit) = hit.filter(|h| !seen(h)) {
                    let mut detection = Detection::of_event(
                        self.meta.clone(),
                        DetectionKind::Indicator,
                        event.to_json(),
                    );
                    detection.matched = Some((field.clone(), hit));
                    found.push(detection);
                }
            }
        }
        found
    }

    fn hit(&self, kind: IndicatorKind, value: &str) -> Option<String> {
        let e = &self.entries;
        match kind {
            IndicatorKind::Ip => {
                let ip: IpAddr = value.parse().ok()?;
                e.has_ip(ip).then(|| value.to_owned())
            }
            IndicatorKind::Domain => {
                let host = value.split_once("://").map_or(value, |(_, rest)| rest);
                let host = host.split(['/', ':', '?']).next().unwrap_or(host);
                e.has_domain(host)
            }
            IndicatorKind::Url => {
                let url = normalise_url(value);
                e.urls.contains(&url).then_some(url)
            }
            IndicatorKind::Hash => value
                .split([',', '=', ' ', ';'])
                .map(str::to_ascii_lowercase)
                .find(|part| e.hashes.contains(part)),
        }
    }
}

fn read_list(text: &str, csv: bool, entries: &mut Entries) {
    let mut lines = text.lines();
    let mut column = 0;
    if csv && let Some(header) = lines.clone().next() {
        let names: Vec<String> = header
            .split(',')
            .map(|h| h.trim().trim_matches('"').to_ascii_lowercase())
            .collect();
        let known = [
            "indicator",
            "value",
            "ioc",
            "ip",
            "domain",
            "url",
            "hash",
            "sha256",
            "md5",
        ];
        if let Some(found) = names.iter().position(|n| known.contains(&n.as_str())) {
            column = found;
            lines.next();
        }
    }
    for line in lines {
        let value = if csv {
            line.split(',').nth(column).unwrap_or("")
        } else {
            line
        };
        entries.add(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::JsonView;
    use serde_json::json;
    use std::io::Write;

    #[test]
    fn matches_each_kind_and_reloads() {
        let dir = tempfile::tempdir().expect("temp dir");
        let plain = dir.path().join("bad.txt");
        let csv = dir.path().join("feed.csv");
        std::fs::write(
            &plain,
            "# bad things\n203.0.113.9\n198.51.100.0/24\nevil.example\n",
        )
        .expect("write");
        std::fs::write(&csv, "indicator,type\nhttp://Phish.example/login/,url\n44d88612fea8a8f36de82e1278abb02f,md5\n").expect("write");
        let mut set =
            IndicatorSet::load("test", vec![plain.clone(), csv], Severity::High).expect("loads");
        assert_eq!(set.len(), 5);
        let mapping = Mapping::builtin();
        let event = json!({"src_ip": "198.51.100.20", "QueryName": "cdn.evil.example",
            "fields": {"url": "http://phish.example/login"}, "Hashes": "MD5=44D88612FEA8A8F36DE82E1278ABB02F,SHA256=00"});
        let hits = set.check(&JsonView::new(&event, &mapping), &mapping);
        let fields: Vec<&str> = hits
            .iter()
            .filter_map(|d| d.matched.as_ref())
            .map(|(f, _)| f.as_str())
            .collect();
        assert!(fields.contains(&"src_ip"), "{fields:?}");
        assert!(fields.contains(&"QueryName"), "{fields:?}");
        assert!(fields.contains(&"fields.url"), "{fields:?}");
        assert!(fields.contains(&"Hashes"), "{fields:?}");
        assert!(
            set.check(
                &JsonView::new(
                    &json!({"src_ip": "192.0.2.1", "QueryName": "example"}),
                    &mapping
                ),
                &mapping
            )
            .is_empty()
        );

        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&plain)
            .expect("open");
        writeln!(file, "192.0.2.1").expect("append");
        assert_eq!(set.reload().expect("reloads"), 6);
        assert_eq!(
            set.check(
                &JsonView::new(&json!({"dst_ip": "192.0.2.1"}), &mapping),
                &mapping
            )
            .len(),
            1
        );
        std::fs::remove_file(&plain).expect("remove");
        assert!(set.reload().is_err());
        assert_eq!(set.len(), 6, "a failed reload keeps the old lists");
    }
}
