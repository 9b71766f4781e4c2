//! The provider-wide view for analysts: every client's latest self-assessment side by side, and
//! the items most clients still have open, so the provider knows whom to help with what.

use std::collections::BTreeMap;

use mamori_catalog::Text;
use mamori_model::Scope;
use mamori_store::{AnswerKind, Store};
use serde::Serialize;
use utoipa::ToSchema;

use super::MeasureError;
use super::self_assessment::score_set;

/// Clients' latest results and their most common open items.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Overview {
    /// One row per client with a completed self-assessment, weakest total first.
    pub clients: Vec<ClientRow>,
    /// Clients that have not completed one yet.
    pub not_started: Vec<ClientRef>,
    /// Items below full points, the most widespread first.
    pub weak_items: Vec<WeakItem>,
}

/// A client organisation, named.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ClientRef {
    /// Organisation id.
    pub id: String,
    /// Organisation name.
    pub name: String,
}

/// One client's latest self-assessment.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ClientRow {
    /// The client.
    pub org: ClientRef,
    /// The assessment's id.
    pub assessment_id: String,
    /// When it was completed (Unix seconds).
    pub completed_at: i64,
    /// Total points.
    pub total: i32,
    /// Highest possible total.
    pub max: i32,
    /// Percentage per part, in part order.
    pub part_percents: Vec<f64>,
    /// How many items are below full points.
    pub problems: usize,
}

/// An item that several clients have not fully in place.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WeakItem {
    /// Item number.
    pub number: u8,
    /// Item title.
    #[schema(value_type = Object)]
    pub title: Text,
    /// The clients concerned, weakest answer first.
    pub clients: Vec<ClientRef>,
}

/// Builds the overview of every organisation in `scope` (provider staff see all).
pub(crate) async fn overview(store: &Store, scope: &Scope) -> Result<Overview, MeasureError> {
    let orgs = store.orgs(scope).await?;
    let name_of = |id: &str| {
        orgs.iter().find(|o| o.id == id).map(|o| ClientRef {
            id: o.id.clone(),
            name: o.name.clone(),
        })
    };
    let mut clients = Vec::new();
    let mut weak: BTreeMap<u8, (Text, Vec<(i32, ClientRef)>)> = BTreeMap::new();
    for set in store
        .latest_completed(scope, AnswerKind::SelfAssessment)
        .await?
    {
        let Some(org) = name_of(&set.org_id) else {
            continue;
        };
        let scored = score_set(set)?;
        for problem in &scored.result.problems {
            weak.entry(problem.number)
                .or_insert_with(|| (problem.title.clone(), Vec::new()))
                .1
                .push((problem.score, org.clone()));
        }
        clients.push(ClientRow {
            org,
            assessment_id: scored.set.id,
            completed_at: scored.set.completed_at.unwrap_or_default(),
            total: scored.result.total,
            max: scored.result.max,
            part_percents: scored.result.parts.iter().map(|p| p.percent).collect(),
            problems: scored.result.problems.len(),
        });
    }
    clients.sort_by(|a, b| a.total.cmp(&b.total).then(a.org.name.cmp(&b.org.name)));
    let not_started = orgs
        .iter()
        .filter(|o| !clients.iter().any(|c| c.org.id == o.id))
        .map(|o| ClientRef {
            id: o.id.clone(),
            name: o.name.clone(),
        })
        .collect();
    let mut weak_items: Vec<WeakItem> = weak
        .into_iter()
        .map(|(number, (title, mut concerned))| {
            concerned.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.name.cmp(&b.1.name)));
            WeakItem {
                number,
                title,
                clients: concerned.into_iter().map(|(_, c)| c).collect(),
            }
        })
        .collect();
    weak_items.sort_by(|a, b| {
        b.clients
            .len()
            .cmp(&a.clients.len())
            .then(a.number.cmp(&b.number))
    });
    Ok(Overview {
        clients,
        not_started,
        weak_items,
    })
}
