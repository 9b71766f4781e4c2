//! One line of a company's risk analysis sheet (リスク分析シート): a threat to one
//! information asset, how likely it is to cause harm given the measures in place, what the
//! company decided to do about it and what is left afterwards. The rules that turn these
//! into a likelihood, a risk value and a band live in `mamori-risk`; the store keeps lines
//! in this shape.

use serde::{Deserialize, Serialize};

use crate::vocabulary::vocabulary;

vocabulary! {
    /// What the company decided to do about a risk (the guideline's four options).
    Treatment as "treatment" {
        /// Add or strengthen measures so harm becomes less likely (低減).
        Reduce => "reduce",
        /// Accept it: the harm is tolerable or measures would cost more (保有).
        Accept => "accept",
        /// Change the way of working so the risk disappears (回避).
        Avoid => "avoid",
        /// Hand it to a better-protected service or an insurer (移転).
        Transfer => "transfer",
    }
}

/// One threat to one asset, as the company judged it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskEntry {
    /// Identifier (empty before it is first stored).
    #[serde(default)]
    pub id: String,
    /// The information asset threatened.
    pub asset_id: String,
    /// The kind of threat, a key of the threat catalogue (`cyber_attack`, `theft` …).
    pub threat: String,
    /// How often the threat occurs, 1-3 (脅威の起こりやすさ).
    pub threat_level: u8,
    /// How easily it would succeed against the measures in place, 1-3 (脆弱性・つけ込みやすさ).
    pub vulnerability: u8,
    /// What the company decided; `None` until it decides.
    #[serde(default)]
    pub treatment: Option<Treatment>,
    /// The measures planned or taken.
    #[serde(default)]
    pub measures: String,
    /// Who sees the measures through.
    #[serde(default)]
    pub owner: String,
    /// When the measures should be in place, `YYYY-MM-DD` (empty: no date).
    #[serde(default)]
    pub due_on: String,
    /// The day the measures were in place, `YYYY-MM-DD` (empty: not yet).
    #[serde(default)]
    pub done_on: String,
    /// The vulnerability once the measures are in place, 1-3; `None`: not judged yet.
    #[serde(default)]
    pub residual_vulnerability: Option<u8>,
}
