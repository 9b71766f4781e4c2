//! The risk analysis sheet's arithmetic: likelihood from threat and vulnerability, risk =
//! importance × likelihood, and the band that says what to do first.
//!
//! The guideline computes likelihood "from threat and vulnerability" on three levels without
//! giving the mapping; mamori uses the table of a public course built on IPA's material
//! (DOMAIN.md section 4) and the bands 0 small, 1-3 medium, 4-6 large (section 5).

use chrono::NaiveDate;
use mamori_model::{InformationAsset, RiskEntry};
use serde::Serialize;

use crate::check::read_date;
use crate::importance::importance;
use crate::threats::threat;

/// Likelihood (1-3) by threat level (rows, 1-3) and vulnerability (columns, 1-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LikelihoodTable(pub [[u8; 3]; 3]);

impl Default for LikelihoodTable {
    /// A rare threat is unlikely whatever the weaknesses; a frequent one is as likely as the
    /// weaknesses let it be.
    fn default() -> Self {
        LikelihoodTable([[1, 1, 1], [1, 1, 2], [1, 2, 3]])
    }
}

impl LikelihoodTable {
    /// The provider's table when it set one (and it holds only 1-3), else the default.
    pub fn of_provider(grid: Option<[[u8; 3]; 3]>) -> Self {
        grid.and_then(|g| Self::checked(g).ok()).unwrap_or_default()
    }

    /// `grid` as a table, when every likelihood is 1, 2 or 3.
    pub fn checked(grid: [[u8; 3]; 3]) -> Result<Self, RiskProblem> {
        if grid.iter().flatten().all(|l| (1..=3).contains(l)) {
            Ok(LikelihoodTable(grid))
        } else {
            Err(RiskProblem::LevelOutOfRange)
        }
    }

    /// The likelihood of a threat of `threat_level` against `vulnerability` (both 1-3,
    /// values outside read as the nearest level).
    pub fn likelihood(&self, threat_level: u8, vulnerability: u8) -> u8 {
        let at = |level: u8| usize::from(level.clamp(1, 3) - 1);
        self.0[at(threat_level)][at(vulnerability)]
    }
}

/// How urgent a risk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// 0: unlikely, or harm within tolerance.
    Small,
    /// 1-3: a significant incident is possible.
    Medium,
    /// 4-6: a serious incident is likely; act first.
    Large,
}

impl Band {
    /// The band of risk value `value` (0-6).
    pub fn of(value: u8) -> Band {
        match value {
            0 => Band::Small,
            1..=3 => Band::Medium,
            _ => Band::Large,
        }
    }

    /// Its stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Small => "small",
            Band::Medium => "medium",
            Band::Large => "large",
        }
    }
}

/// A line of the sheet with everything computed from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessed {
    /// The asset's importance (0-2).
    pub importance: u8,
    /// Likelihood of harm (1-3).
    pub likelihood: u8,
    /// importance × likelihood (0-6).
    pub risk: u8,
    /// Its band.
    pub band: Band,
    /// The risk once the measures are in place, when the residual vulnerability is judged.
    pub residual_risk: Option<u8>,
    /// The band of that.
    pub residual_band: Option<Band>,
    /// The measures have a due date, are not in place, and the date has passed.
    pub overdue: bool,
}

/// `entry` of `asset` assessed with `table`, with overdue judged on `today`.
pub fn assess(
    entry: &RiskEntry,
    asset: &InformationAsset,
    table: &LikelihoodTable,
    today: NaiveDate,
) -> Assessed {
    let importance = importance(asset);
    let likelihood = table.likelihood(entry.threat_level, entry.vulnerability);
    let risk = importance * likelihood;
    let residual_risk = entry
        .residual_vulnerability
        .map(|v| importance * table.likelihood(entry.threat_level, v));
    let overdue =
        entry.done_on.is_empty() && read_date(&entry.due_on).is_some_and(|due| due < today);
    Assessed {
        importance,
        likelihood,
        risk,
        band: Band::of(risk),
        residual_risk,
        residual_band: residual_risk.map(Band::of),
        overdue,
    }
}

/// What is wrong with a line of the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RiskProblem {
    /// No asset was chosen (or it is not the company's).
    #[error("choose the asset the threat is to")]
    AssetMissing,
    /// The threat is not in the catalogue.
    #[error("choose a threat from the list")]
    UnknownThreat,
    /// A level is not 1, 2 or 3.
    #[error("threat level, vulnerability and residual vulnerability are 1, 2 or 3")]
    LevelOutOfRange,
    /// A text is too long.
    #[error("the measures take up to 2000 characters and the owner up to 200")]
    TooLong,
    /// A date is not a date.
    #[error("dates are written like 2026-12-07")]
    BadDate,
}

impl RiskProblem {
    /// A stable code for messages and the API.
    pub fn code(self) -> &'static str {
        match self {
            RiskProblem::AssetMissing => "asset_missing",
            RiskProblem::UnknownThreat => "unknown_threat",
            RiskProblem::LevelOutOfRange => "level_out_of_range",
            RiskProblem::TooLong => "too_long",
            RiskProblem::BadDate => "bad_date",
        }
    }
}

/// `entry` made ready to keep (texts trimmed, dates as `YYYY-MM-DD`), or its first problem.
pub fn checked_risk(mut entry: RiskEntry) -> Result<RiskEntry, RiskProblem> {
    entry.asset_id = entry.asset_id.trim().to_owned();
    if entry.asset_id.is_empty() {
        return Err(RiskProblem::AssetMissing);
    }
    if threat(&entry.threat).is_none() {
        return Err(RiskProblem::UnknownThreat);
    }
    let levels = [
        entry.threat_level,
        entry.vulnerability,
        entry.residual_vulnerability.unwrap_or(1),
    ];
    if levels.iter().any(|l| !(1..=3).contains(l)) {
        return Err(RiskProblem::LevelOutOfRange);
    }
    entry.measures = entry.measures.trim().to_owned();
    entry.owner = entry.owner.trim().to_owned();
    if entry.measures.chars().count() > 2000 || entry.owner.chars().count() > 200 {
        return Err(RiskProblem::TooLong);
    }
    for date in [&mut entry.due_on, &mut entry.done_on] {
        let text = date.trim().to_owned();
        *date = match text.as_str() {
            "" => String::new(),
            text => read_date(text)
                .ok_or(RiskProblem::BadDate)?
                .format("%Y-%m-%d")
                .to_string(),
        };
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        read_date(text).unwrap()
    }

    fn asset(c: u8) -> InformationAsset {
        InformationAsset {
            id: "a".into(),
            name: "顧客DB".into(),
            confidentiality: c,
            ..InformationAsset::default()
        }
    }

    fn entry(threat_level: u8, vulnerability: u8) -> RiskEntry {
        RiskEntry {
            id: String::new(),
            asset_id: "a".into(),
            threat: "unauthorised_access".into(),
            threat_level,
            vulnerability,
            treatment: None,
            measures: String::new(),
            owner: String::new(),
            due_on: String::new(),
            done_on: String::new(),
            residual_vulnerability: None,
        }
    }

    #[test]
    fn the_likelihood_table_follows_the_published_mapping() {
        let t = LikelihoodTable::default();
        let row = |threat: u8| [1, 2, 3].map(|v| t.likelihood(threat, v));
        assert_eq!(row(3), [1, 2, 3]);
        assert_eq!(row(2), [1, 1, 2]);
        assert_eq!(row(1), [1, 1, 1]);
    }

    #[test]
    fn a_provider_s_table_counts_when_it_holds_only_levels() {
        let strict = [[1, 1, 2], [1, 2, 3], [2, 3, 3]];
        assert_eq!(
            LikelihoodTable::of_provider(Some(strict)).likelihood(1, 3),
            2
        );
        assert_eq!(
            LikelihoodTable::of_provider(None),
            LikelihoodTable::default()
        );
        let broken = [[0, 1, 1], [1, 1, 2], [1, 2, 3]];
        assert_eq!(
            LikelihoodTable::checked(broken),
            Err(RiskProblem::LevelOutOfRange)
        );
        assert_eq!(
            LikelihoodTable::of_provider(Some(broken)),
            LikelihoodTable::default()
        );
    }

    #[test]
    fn the_guideline_s_example_is_a_large_risk_and_measures_bring_it_down() {
        // An important customer database, a frequent threat and nothing in its way: 2 × 3 = 6.
        let mut e = entry(3, 3);
        let a = assess(
            &e,
            &asset(2),
            &LikelihoodTable::default(),
            day("2026-12-07"),
        );
        assert_eq!((a.likelihood, a.risk, a.band), (3, 6, Band::Large));
        e.residual_vulnerability = Some(1);
        let a = assess(
            &e,
            &asset(2),
            &LikelihoodTable::default(),
            day("2026-12-07"),
        );
        assert_eq!(
            (a.residual_risk, a.residual_band),
            (Some(2), Some(Band::Medium))
        );
        assert_eq!(Band::of(0), Band::Small);
        assert_eq!(Band::of(3), Band::Medium);
        assert_eq!(Band::of(4), Band::Large);
        let unimportant = assess(
            &entry(3, 3),
            &asset(0),
            &LikelihoodTable::default(),
            day("2026-12-07"),
        );
        assert_eq!((unimportant.risk, unimportant.band), (0, Band::Small));
    }

    #[test]
    fn measures_past_their_date_and_not_in_place_are_overdue() {
        let mut e = entry(2, 2);
        e.due_on = "2026-12-01".into();
        let table = LikelihoodTable::default();
        assert!(assess(&e, &asset(1), &table, day("2026-12-07")).overdue);
        assert!(!assess(&e, &asset(1), &table, day("2026-11-30")).overdue);
        e.done_on = "2026-12-05".into();
        assert!(!assess(&e, &asset(1), &table, day("2026-12-07")).overdue);
    }

    #[test]
    fn lines_are_checked() {
        assert_eq!(checked_risk(entry(0, 2)), Err(RiskProblem::LevelOutOfRange));
        let mut unknown = entry(1, 1);
        unknown.threat = "aliens".into();
        assert_eq!(checked_risk(unknown), Err(RiskProblem::UnknownThreat));
        let mut dated = entry(1, 1);
        dated.due_on = "2027/3/31".into();
        assert_eq!(checked_risk(dated).unwrap().due_on, "2027-03-31");
        let mut bad = entry(1, 1);
        bad.done_on = "soon".into();
        assert_eq!(checked_risk(bad), Err(RiskProblem::BadDate));
        let mut orphan = entry(1, 1);
        orphan.asset_id = " ".into();
        assert_eq!(checked_risk(orphan), Err(RiskProblem::AssetMissing));
    }
}
