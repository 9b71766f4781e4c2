//! An information asset of a company's ledger (情報資産管理台帳): what it keeps, where, who
//! uses it, and how much a loss of confidentiality, integrity or availability would hurt.
//! The columns follow the IPA ledger; the rules that judge an asset (its importance) live in
//! `mamori-risk`, and the store keeps assets in this shape.

use serde::{Deserialize, Serialize};

/// One row of the information asset ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InformationAsset {
    /// Identifier (empty before it is first stored).
    #[serde(default)]
    pub id: String,
    /// The line of business it belongs to (業務分類): 「人事」, 「営業」 …
    #[serde(default)]
    pub category: String,
    /// Its name (情報資産名称): 「顧客名簿」.
    pub name: String,
    /// Anything worth noting (備考).
    #[serde(default)]
    pub remarks: String,
    /// Who uses it (利用者範囲).
    #[serde(default)]
    pub users: String,
    /// The department that looks after it (管理部署).
    #[serde(default)]
    pub owner_dept: String,
    /// Where it is kept (媒体・保存場所): 「事務所PC」, 「書類」, 「社内サーバー」 …
    #[serde(default)]
    pub medium: String,
    /// It holds personal information (個人情報).
    #[serde(default)]
    pub personal: bool,
    /// It holds sensitive personal information (要配慮個人情報).
    #[serde(default)]
    pub sensitive: bool,
    /// It holds My Number (特定個人情報).
    #[serde(default)]
    pub my_number: bool,
    /// Harm if the wrong people saw it, 0-2 (機密性).
    #[serde(default)]
    pub confidentiality: u8,
    /// Harm if it were wrong or altered, 0-2 (完全性).
    #[serde(default)]
    pub integrity: u8,
    /// Harm if it could not be used when needed, 0-2 (可用性).
    #[serde(default)]
    pub availability: u8,
    /// The company's own importance, 0-2, when it disagrees with the computed one.
    #[serde(default)]
    pub importance_override: Option<u8>,
    /// Why the importance was set by hand (required with an override).
    #[serde(default)]
    pub override_reason: String,
    /// How long it is kept (保存期限): 「5年」; empty when no rule applies.
    #[serde(default)]
    pub retention: String,
    /// When it was entered in the ledger, `YYYY-MM-DD` (登録日).
    #[serde(default)]
    pub registered_on: String,
}
