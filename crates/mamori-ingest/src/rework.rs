//! Second chances for stored lines: re-parsing dead letters after a parser fix
//! (`mamori reparse`), and assigning a quarantined sender to an organisation, which turns its
//! kept lines into that organisation's events.

use chrono::{DateTime, Utc};
use mamori_model::Scope;
use mamori_store::{Actor, KEPT_PER_SENDER, NewSource, Source, SourceIdentity, Store, StoreError};
use serde::Serialize;

use crate::pipeline::parse_event;
use crate::source::{Origin, Route, SourceTable};

/// Dead letters read per round.
const PAGE: i64 = 1000;

/// What a re-parse did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReparseSummary {
    /// Dead letters looked at.
    pub examined: u64,
    /// Now parsed and replaced by their events.
    pub fixed: u64,
    /// Still failing (kept as they were).
    pub still_failing: u64,
}

/// Parses every dead letter again (optionally of one organisation or source) with its
/// source's current parser; those that now parse replace the dead letter, keeping its id.
/// This is the provider's command: it reaches every organisation; an unknown `org_id` is
/// [`StoreError::NotFound`].
pub async fn reparse(
    store: &Store,
    org_id: Option<&str>,
    source_id: Option<&str>,
) -> Result<ReparseSummary, StoreError> {
    let org = match org_id {
        Some(id) => Some(store.org_store(&Scope::AllOrganisations, id).await?),
        None => None,
    };
    let table = SourceTable::load(store).await?;
    let mut summary = ReparseSummary::default();
    let mut after = String::new();
    loop {
        let page = match &org {
            Some(org) => org.events().dead_letters(source_id, &after, PAGE).await?,
            None => {
                let all = Scope::AllOrganisations;
                store
                    .all_dead_letters(&all, source_id, &after, PAGE)
                    .await?
            }
        };
        let Some(last) = page.last() else {
            return Ok(summary);
        };
        after = last.id.clone();
        let mut fixed = Vec::new();
        for dead in page {
            summary.examined += 1;
            let origin = Origin::Http {
                source_id: dead.event.source_id.clone().unwrap_or_default(),
            };
            let Some(route) = table.resolve(&origin) else {
                summary.still_failing += 1;
                continue;
            };
            let received = dead.event.received_at.unwrap_or(dead.event.timestamp);
            let event = parse_event(route, dead.id, &dead.event.raw, received);
            if event.parse_error.is_none() {
                fixed.push(event);
            } else {
                summary.still_failing += 1;
            }
        }
        summary.fixed += store.replace_events(&fixed).await?;
    }
}

/// Registers quarantined sender `peer` as a source of organisation `org_id` and stores its
/// kept lines as that source's events. Returns the source and how many lines were added.
pub async fn assign_quarantine(
    store: &Store,
    actor: &Actor,
    peer: &str,
    new: NewSource,
) -> Result<(Source, usize), StoreError> {
    let (source, _) = store
        .create_source(
            actor,
            NewSource {
                identity: SourceIdentity::Address(peer.to_owned()),
                ..new
            },
        )
        .await?;
    let route = Route::new(&source);
    let lines = store.quarantined_lines(peer, KEPT_PER_SENDER).await?;
    let events: Vec<_> = lines
        .into_iter()
        .map(|line| {
            let received = DateTime::from_timestamp(line.received_at, 0).unwrap_or_else(Utc::now);
            parse_event(&route, line.id, &line.raw, received)
        })
        .collect();
    store.settle_quarantine(peer, &events).await?;
    Ok((source, events.len()))
}
