//! Log-source and field mapping, as data: which events a rule's `logsource` applies to, what
//! other names a Sigma field may go by, the values of `expand` placeholders, and which event
//! fields indicator lists are matched against.
//!
//! The built-in mapping (`mappings/default.yml`) covers the Windows channels of the Sigma
//! taxonomy as EVTX and the agent deliver them, and mamori's normalised
//! [`mamori_model::Event`] for network, firewall, IDS, authentication and Linux sources.
//! Providers can add their own file on top with [`Mapping::merge`].

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rsigma_eval::event::{Event, EventValue};
use serde::Deserialize;

use crate::error::DetectError;
use crate::hash::FastMap;

/// The mapping shipped with mamori.
const BUILTIN: &str = include_str!("../mappings/default.yml");

/// The most distinct log-source tags (product, category and service values) a mapping may
/// define: event tags are kept in a 128-bit set so routing costs a few bit operations.
const MAX_TAGS: usize = 128;

/// A scalar in a mapping's `when` lists: YAML writes event ids as numbers and channels as
/// strings; both are compared as text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Int(i64),
    Text(String),
}

impl Scalar {
    fn into_text(self) -> String {
        match self {
            Scalar::Int(n) => n.to_string(),
            Scalar::Text(s) => s,
        }
    }
}

/// One `logsources` entry as written in the file.
#[derive(Debug, Deserialize)]
struct RouteFile {
    product: Option<String>,
    category: Option<String>,
    service: Option<String>,
    #[serde(default)]
    when: BTreeMap<String, Vec<Scalar>>,
}

/// The file format.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    logsources: Vec<RouteFile>,
    #[serde(default)]
    fields: FastMap<String, Vec<String>>,
    #[serde(default)]
    placeholders: HashMap<String, Vec<String>>,
    #[serde(default)]
    indicator_fields: HashMap<IndicatorKind, Vec<String>>,
}

/// Which kind of indicator a list entry is, and so which event fields it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorKind {
    /// An IP address or CIDR block.
    Ip,
    /// A domain name; its subdomains match too.
    Domain,
    /// A full URL.
    Url,
    /// An MD5, SHA-1 or SHA-256 file hash.
    Hash,
}

/// The three log-source dimensions of Sigma.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Dimension {
    Product,
    Category,
    Service,
}

/// A set of log-source tags an event carries.
pub(crate) type TagSet = u128;

/// A compiled route: when every condition holds, the event carries `tags`.
#[derive(Debug, Clone)]
struct Route {
    /// Field and accepted values (`*` = any value present); the first is the index key.
    when: Vec<(String, Vec<String>)>,
    tags: TagSet,
}

/// The routes that accept one value of their first field.
#[derive(Debug, Clone, Default)]
struct Branch {
    /// Routes whose other conditions are tested one by one.
    routes: Vec<usize>,
    /// Routes with exactly one other condition, grouped by its field: most Windows routes
    /// (`Channel`, then `EventID`), which a map look-up settles at once.
    second: Vec<SecondField>,
}

/// Routes' second conditions on one field.
#[derive(Debug, Clone, Default)]
struct SecondField {
    field: String,
    /// Tags by accepted value, ASCII-lowercased (routes compare ignoring ASCII case).
    by_value: FastMap<String, TagSet>,
    /// Tags of routes accepting any value present (`*`).
    any: TagSet,
}

/// Log-source routes, field aliases, placeholder values and indicator fields.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    routes: Vec<Route>,
    tag_ids: HashMap<(Dimension, String), u8>,
    /// Routes without conditions (they tag every event).
    always: TagSet,
    /// Routes by their first field, then by accepted value (`*` for "present").
    by_field: Vec<(String, FastMap<String, Branch>)>,
    fields: FastMap<String, Vec<String>>,
    placeholders: HashMap<String, Vec<String>>,
    indicator_fields: HashMap<IndicatorKind, Vec<String>>,
}

impl Mapping {
    /// The mapping shipped with mamori.
    pub fn builtin() -> Self {
        // The built-in file is tested; should it ever break, an empty mapping is safer
        // than a panic in a monitoring service.
        Self::from_yaml("builtin", BUILTIN).unwrap_or_default()
    }

    /// Reads a mapping file's text; `origin` names it in errors.
    pub fn from_yaml(origin: &str, text: &str) -> Result<Self, DetectError> {
        let file: MappingFile = yaml_serde::from_str(text).map_err(|e| DetectError::Mapping {
            origin: origin.to_owned(),
            reason: e.to_string(),
        })?;
        let mut mapping = Mapping::default();
        mapping.add(origin, file)?;
        Ok(mapping)
    }

    /// Reads a mapping file from disk.
    pub fn load(path: &Path) -> Result<Self, DetectError> {
        let text = std::fs::read_to_string(path).map_err(|source| DetectError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_yaml(&path.display().to_string(), &text)
    }

    /// Adds `other`'s routes, aliases, placeholders and indicator fields to this mapping;
    /// on a clash of names `other` wins. Lets a provider extend the built-in mapping
    /// without copying it.
    pub fn merge(&mut self, other: &Mapping) -> Result<(), DetectError> {
        for route in &other.routes {
            let mut tags = 0;
            for ((dim, value), id) in &other.tag_ids {
                if route.tags & (1 << id) != 0 {
                    tags |= 1 << self.intern("merge", *dim, value)?;
                }
            }
            self.push_route(route.when.clone(), tags);
        }
        self.fields.extend(other.fields.clone());
        self.placeholders.extend(other.placeholders.clone());
        self.indicator_fields.extend(other.indicator_fields.clone());
        Ok(())
    }

    fn add(&mut self, origin: &str, file: MappingFile) -> Result<(), DetectError> {
        for route in file.logsources {
            let mut tags = 0;
            for (dim, value) in [
                (Dimension::Product, route.product),
                (Dimension::Category, route.category),
                (Dimension::Service, route.service),
            ] {
                if let Some(value) = value {
                    tags |= 1 << self.intern(origin, dim, &value)?;
                }
            }
            let when = route
                .when
                .into_iter()
                .map(|(field, values)| (field, values.into_iter().map(Scalar::into_text).collect()))
                .collect();
            self.push_route(when, tags);
        }
        self.fields = file.fields;
        self.placeholders = file.placeholders;
        self.indicator_fields = file.indicator_fields;
        Ok(())
    }

    fn intern(&mut self, origin: &str, dim: Dimension, value: &str) -> Result<u8, DetectError> {
        let key = (dim, value.to_lowercase());
        if let Some(id) = self.tag_ids.get(&key) {
            return Ok(*id);
        }
        let id = self.tag_ids.len();
        if id >= MAX_TAGS {
            return Err(DetectError::Mapping {
                origin: origin.to_owned(),
                reason: format!("more than {MAX_TAGS} distinct log-source values"),
            });
        }
        let id = id as u8;
        self.tag_ids.insert(key, id);
        Ok(id)
    }

    fn push_route(&mut self, when: Vec<(String, Vec<String>)>, tags: TagSet) {
        let index = self.routes.len();
        match when.first() {
            None => self.always |= tags,
            Some((field, values)) => {
                let slot = match self.by_field.iter().position(|(f, _)| f == field) {
                    Some(slot) => slot,
                    None => {
                        self.by_field.push((field.clone(), FastMap::default()));
                        self.by_field.len() - 1
                    }
                };
                for value in values {
                    let branch = self.by_field[slot]
                        .1
                        .entry(value.to_lowercase())
                        .or_default();
                    match &when[1..] {
                        [(field, accepted)] => branch.add_second(field, accepted, tags),
                        _ => branch.routes.push(index),
                    }
                }
            }
        }
        self.routes.push(Route { when, tags });
    }

    /// The tag a rule's log-source value needs, or `None` when no route provides it (so the
    /// rule can never apply).
    pub(crate) fn tag(&self, dim: Dimension, value: &str) -> Option<TagSet> {
        self.tag_ids
            .get(&(dim, value.to_lowercase()))
            .map(|id| 1 << id)
    }

    /// The log-source tags `event` carries.
    pub(crate) fn tags_of(&self, event: &impl Event) -> TagSet {
        let mut tags = self.always;
        // Many routes test the same fields (`Channel`, then `EventID`): read each once.
        let mut texts = FieldTexts {
            read: Vec::with_capacity(self.by_field.len() + 2),
        };
        // Buffers for the lowercased values (most have capitals: `Security`), sized for a
        // long Windows channel name so that they do not grow.
        let mut lower = String::with_capacity(64);
        let mut second_lower = String::with_capacity(64);
        for (field, by_value) in &self.by_field {
            let Some(value) = texts.get(field, event) else {
                continue;
            };
            lower.clear();
            if value.is_ascii() {
                lower.push_str(value);
                lower.make_ascii_lowercase();
            } else {
                lower.push_str(&value.to_lowercase());
            }
            for key in [lower.as_str(), "*"] {
                let Some(branch) = by_value.get(key) else {
                    continue;
                };
                for &index in &branch.routes {
                    let route = &self.routes[index];
                    if route.tags & !tags != 0 && rest_holds(&route.when[1..], event, &mut texts) {
                        tags |= route.tags;
                    }
                }
                for second in &branch.second {
                    let Some(value) = texts.get(&second.field, event) else {
                        continue;
                    };
                    second_lower.clear();
                    second_lower.push_str(value);
                    second_lower.make_ascii_lowercase();
                    tags |= second.any | second.by_value.get(&second_lower).copied().unwrap_or(0);
                }
            }
        }
        tags
    }

    /// Other names a rule's field may be found under, tried in order when the event lacks
    /// the field itself.
    pub fn aliases(&self, field: &str) -> &[String] {
        self.fields.get(field).map_or(&[], Vec::as_slice)
    }

    /// The configured values of an `expand` placeholder (`%name%`).
    pub fn placeholder(&self, name: &str) -> Option<&[String]> {
        self.placeholders.get(name).map(Vec::as_slice)
    }

    /// The event fields indicator entries of `kind` are compared with.
    pub fn indicator_fields(&self, kind: IndicatorKind) -> &[String] {
        self.indicator_fields.get(&kind).map_or(&[], Vec::as_slice)
    }
}

impl Branch {
    /// Adds a route whose only other condition accepts `accepted` in `field`.
    fn add_second(&mut self, field: &str, accepted: &[String], tags: TagSet) {
        let at = match self.second.iter().position(|s| s.field == field) {
            Some(at) => at,
            None => {
                self.second.push(SecondField {
                    field: field.to_owned(),
                    ..SecondField::default()
                });
                self.second.len() - 1
            }
        };
        let second = &mut self.second[at];
        for value in accepted {
            if value == "*" {
                second.any |= tags;
            } else {
                *second
                    .by_value
                    .entry(value.to_ascii_lowercase())
                    .or_default() |= tags;
            }
        }
    }
}

/// A field value as text for route comparison (strings and numbers).
fn text_of(value: EventValue<'_>) -> Option<Cow<'_, str>> {
    match value {
        EventValue::Str(s) => Some(s),
        EventValue::Int(n) => Some(n.to_string().into()),
        EventValue::Float(f) => Some(f.to_string().into()),
        EventValue::Bool(b) => Some(b.to_string().into()),
        _ => None,
    }
}

/// The texts of the fields routing has read from one event so far.
#[derive(Default)]
struct FieldTexts<'m, 'e> {
    read: Vec<(&'m str, Option<Cow<'e, str>>)>,
}

impl<'m, 'e> FieldTexts<'m, 'e> {
    /// The text of `field`, read from the event the first time only; a copy only when the
    /// event does not hold it as text. Borrowed: many routes compare the same field.
    fn get<E: Event>(&mut self, field: &'m str, event: &'e E) -> Option<&str> {
        let at = match self.read.iter().position(|(f, _)| *f == field) {
            Some(at) => at,
            None => {
                let text = event.get_field(field).and_then(text_of);
                self.read.push((field, text));
                self.read.len() - 1
            }
        };
        self.read[at].1.as_deref()
    }
}

fn rest_holds<'m, 'e, E: Event>(
    conditions: &'m [(String, Vec<String>)],
    event: &'e E,
    texts: &mut FieldTexts<'m, 'e>,
) -> bool {
    conditions.iter().all(|(field, values)| {
        let Some(value) = texts.get(field, event) else {
            return false;
        };
        values
            .iter()
            .any(|accepted| accepted == "*" || accepted.eq_ignore_ascii_case(value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsigma_eval::event::JsonEvent;
    use serde_json::json;

    #[test]
    fn builtin_mapping_loads() {
        let mapping = Mapping::from_yaml("builtin", BUILTIN).expect("built-in mapping parses");
        assert!(
            mapping
                .tag(Dimension::Category, "process_creation")
                .is_some()
        );
        assert!(!mapping.aliases("SourceIp").is_empty());
    }

    #[test]
    fn sysmon_process_creation_is_tagged() {
        let mapping = Mapping::builtin();
        let event = json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1});
        let tags = mapping.tags_of(&JsonEvent::borrow(&event));
        for (dim, value) in [
            (Dimension::Product, "windows"),
            (Dimension::Service, "sysmon"),
            (Dimension::Category, "process_creation"),
        ] {
            let tag = mapping.tag(dim, value).expect("known tag");
            assert_ne!(tags & tag, 0, "{value}");
        }
        let file_event = mapping
            .tag(Dimension::Category, "file_event")
            .expect("known");
        assert_eq!(tags & file_event, 0);
    }

    /// Tags by testing every route's every condition: what the indexed routing must give.
    fn tags_by_every_route(mapping: &Mapping, event: &impl Event) -> TagSet {
        let mut texts = FieldTexts::default();
        mapping
            .routes
            .iter()
            .filter(|route| rest_holds(&route.when, event, &mut texts))
            .fold(mapping.always, |tags, route| tags | route.tags)
    }

    #[test]
    fn indexed_routing_tags_as_every_route_does() {
        let mapping = Mapping::builtin();
        let mut events = Vec::new();
        for channel in [
            "Microsoft-Windows-Sysmon/Operational",
            "security",
            "System",
            "Microsoft-Windows-PowerShell/Operational",
            "Unknown/Channel",
        ] {
            for id in [
                json!(1),
                json!("1"),
                json!(4688),
                json!(" 4688"),
                json!(4104),
                json!(7045),
            ] {
                events.push(json!({"Channel": channel, "EventID": id}));
            }
            events.push(json!({"Channel": channel}));
            events.push(json!({"Channel": channel, "EventID": [1]}));
        }
        events.push(json!({"format": "fortigate", "category": "network"}));
        events.push(json!({"format": "RTX", "action": "deny"}));
        for event in &events {
            let event = JsonEvent::borrow(event);
            assert_eq!(
                mapping.tags_of(&event),
                tags_by_every_route(&mapping, &event),
                "{event:?}"
            );
        }
    }

    #[test]
    fn user_mapping_merges_on_top() {
        let mut mapping = Mapping::builtin();
        let extra = Mapping::from_yaml(
            "extra",
            "logsources:\n  - product: acme\n    when: {vendor: [acme]}\nplaceholders:\n  admins: [root]\n",
        )
        .expect("parses");
        mapping.merge(&extra).expect("merges");
        let event = json!({"vendor": "ACME"});
        let tag = mapping.tag(Dimension::Product, "acme").expect("tag");
        assert_ne!(mapping.tags_of(&JsonEvent::borrow(&event)) & tag, 0);
        assert_eq!(
            mapping.placeholder("admins"),
            Some(&["root".to_owned()][..])
        );
        assert!(Mapping::from_yaml("bad", "logsources: 3").is_err());
    }
}
