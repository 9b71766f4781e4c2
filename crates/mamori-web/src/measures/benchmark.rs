//! Comparison with similar companies: anonymous aggregates of the latest self-assessments of
//! other organisations with the same industry and employee band. Nothing is shown below
//! `MIN_PEERS` contributors, and the extremes (lowest and highest) are never shown, because each
//! of them is one company's score.

use mamori_catalog::{Answers, MIN_PEERS, PeerStats, Text, score};
use mamori_store::{AnswerKind, OrgStore};
use serde::Serialize;
use utoipa::ToSchema;

use super::{MeasureError, edition};

/// How the organisation compares with its peers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Benchmark {
    /// Whether enough peers contribute for figures to be shown.
    pub available: bool,
    /// Fewest peers needed (5).
    pub min_peers: usize,
    /// Catalog edition compared.
    pub edition: String,
    /// Figures for the total; absent below `min_peers`.
    pub total: Option<PeerFigures>,
    /// Figures per part, in part order; empty below `min_peers`.
    pub parts: Vec<PartFigures>,
}

/// Peer figures for one score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct PeerFigures {
    /// How many organisations contribute.
    pub count: usize,
    /// Mean score.
    pub mean: f64,
    /// First quartile.
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub q3: f64,
    /// This organisation's own latest score, if it has completed an assessment.
    pub own: Option<f64>,
    /// Deviation score (偏差値) of `own`: 50 is average, 60 is one standard deviation above.
    pub deviation: Option<f64>,
}

/// Peer figures for one part.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct PartFigures {
    /// Part id.
    pub id: String,
    /// Part name.
    #[schema(value_type = Object)]
    pub name: Text,
    /// The figures.
    pub figures: PeerFigures,
}

fn figures(samples: &[f64], own: Option<f64>) -> Option<PeerFigures> {
    let stats = PeerStats::from_samples(samples)?;
    Some(PeerFigures {
        count: stats.count,
        mean: round(stats.mean),
        q1: round(stats.q1),
        median: round(stats.median),
        q3: round(stats.q3),
        own,
        deviation: own.map(|o| round(stats.deviation_score(o))),
    })
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Compares `org`'s latest result `own` (if it has one) with its peers.
pub(crate) async fn benchmark(
    org: &OrgStore,
    own: Option<&mamori_catalog::AssessmentResult>,
) -> Result<Benchmark, MeasureError> {
    let edition = edition(own.map(|r| r.edition.as_str()))?;
    let peers: Vec<_> = org
        .answers()
        .peers(AnswerKind::SelfAssessment, &edition.id)
        .await?
        .into_iter()
        .filter_map(|json| serde_json::from_value::<Answers>(json).ok())
        .filter_map(|answers| score(edition, &answers).ok())
        .collect();
    let totals: Vec<f64> = peers.iter().map(|r| f64::from(r.total)).collect();
    let total = figures(&totals, own.map(|r| f64::from(r.total)));
    let parts = match total {
        None => Vec::new(),
        Some(_) => edition
            .self_assessment
            .parts
            .iter()
            .filter_map(|part| {
                let part_score = |r: &mamori_catalog::AssessmentResult| {
                    r.parts
                        .iter()
                        .find(|p| p.id == part.id)
                        .map(|p| f64::from(p.score))
                };
                let samples: Vec<f64> = peers.iter().filter_map(part_score).collect();
                Some(PartFigures {
                    id: part.id.clone(),
                    name: part.name.clone(),
                    figures: figures(&samples, own.and_then(part_score))?,
                })
            })
            .collect(),
    };
    Ok(Benchmark {
        available: total.is_some(),
        min_peers: MIN_PEERS,
        edition: edition.id.clone(),
        total,
        parts,
    })
}
