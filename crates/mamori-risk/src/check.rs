//! Checking a ledger row before it is kept: text trimmed and within bounds, levels on the
//! ledger's 0-2, a hand-set importance only with a reason (and dropped when it equals the
//! computed one), the registration date read in the forms people type.

use chrono::NaiveDate;
use mamori_model::InformationAsset;

use crate::importance::{HIGHEST, computed_importance};

/// A column of the ledger, named the same on forms, in the API and in CSV files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// 業務分類.
    Category,
    /// 情報資産名称.
    Name,
    /// 備考.
    Remarks,
    /// 利用者範囲.
    Users,
    /// 管理部署.
    OwnerDept,
    /// 媒体・保存場所.
    Medium,
    /// 個人情報.
    Personal,
    /// 要配慮個人情報.
    Sensitive,
    /// マイナンバー.
    MyNumber,
    /// 機密性.
    Confidentiality,
    /// 完全性.
    Integrity,
    /// 可用性.
    Availability,
    /// 重要度.
    Importance,
    /// Why the importance was set by hand.
    OverrideReason,
    /// 保存期限.
    Retention,
    /// 登録日.
    RegisteredOn,
}

impl Field {
    /// Every column, in the ledger's order.
    pub const ALL: [Field; 16] = [
        Field::Category,
        Field::Name,
        Field::Remarks,
        Field::Users,
        Field::OwnerDept,
        Field::Medium,
        Field::Personal,
        Field::Sensitive,
        Field::MyNumber,
        Field::Confidentiality,
        Field::Integrity,
        Field::Availability,
        Field::Importance,
        Field::OverrideReason,
        Field::Retention,
        Field::RegisteredOn,
    ];

    /// Its stable name: the API's field, the form's input and the locale key.
    pub fn key(self) -> &'static str {
        match self {
            Field::Category => "category",
            Field::Name => "name",
            Field::Remarks => "remarks",
            Field::Users => "users",
            Field::OwnerDept => "owner_dept",
            Field::Medium => "medium",
            Field::Personal => "personal",
            Field::Sensitive => "sensitive",
            Field::MyNumber => "my_number",
            Field::Confidentiality => "confidentiality",
            Field::Integrity => "integrity",
            Field::Availability => "availability",
            Field::Importance => "importance",
            Field::OverrideReason => "override_reason",
            Field::Retention => "retention",
            Field::RegisteredOn => "registered_on",
        }
    }

    /// The longest text the column takes, in characters.
    fn max_chars(self) -> usize {
        match self {
            Field::Remarks | Field::OverrideReason => 1000,
            _ => 200,
        }
    }
}

/// What is wrong with a ledger row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssetProblem {
    /// The asset has no name.
    #[error("the asset needs a name")]
    NameMissing,
    /// A text is longer than its column takes.
    #[error("{} is longer than {} characters", .0.key(), .0.max_chars())]
    TooLong(Field),
    /// C, I, A or the importance is not 0, 1 or 2.
    #[error("{} must be 0, 1 or 2", .0.key())]
    LevelOutOfRange(Field),
    /// The importance was set by hand without saying why.
    #[error("an importance set by hand needs a reason")]
    ReasonMissing,
    /// The registration date is not a date.
    #[error("the registration date is not a date such as 2026-12-07")]
    BadDate,
    /// A yes/no column holds something else.
    #[error("{} must be yes or no", .0.key())]
    BadFlag(Field),
    /// A CSV file lacks a column it must have.
    #[error("the file has no {} column", .0.key())]
    MissingColumn(Field),
    /// The file is not CSV mamori can read.
    #[error("the file cannot be read as CSV")]
    Unreadable,
}

impl AssetProblem {
    /// The column the problem is in, when it is in one.
    pub fn field(&self) -> Option<Field> {
        match self {
            AssetProblem::NameMissing => Some(Field::Name),
            AssetProblem::TooLong(f)
            | AssetProblem::LevelOutOfRange(f)
            | AssetProblem::BadFlag(f)
            | AssetProblem::MissingColumn(f) => Some(*f),
            AssetProblem::ReasonMissing => Some(Field::OverrideReason),
            AssetProblem::BadDate => Some(Field::RegisteredOn),
            AssetProblem::Unreadable => None,
        }
    }

    /// A stable code for messages and the API.
    pub fn code(&self) -> &'static str {
        match self {
            AssetProblem::NameMissing => "name_missing",
            AssetProblem::TooLong(_) => "too_long",
            AssetProblem::LevelOutOfRange(_) => "level_out_of_range",
            AssetProblem::ReasonMissing => "reason_missing",
            AssetProblem::BadDate => "bad_date",
            AssetProblem::BadFlag(_) => "bad_flag",
            AssetProblem::MissingColumn(_) => "missing_column",
            AssetProblem::Unreadable => "unreadable",
        }
    }
}

/// `text` as a date: `2026-12-07`, `2026/12/07` or `2026/1/5`.
pub(crate) fn read_date(text: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%Y/%m/%d"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(text.trim(), format).ok())
}

/// `asset` made ready to keep, registered `today` unless it says otherwise; the first
/// problem found otherwise.
pub fn checked(
    mut asset: InformationAsset,
    today: NaiveDate,
) -> Result<InformationAsset, AssetProblem> {
    let texts: [(Field, &mut String); 8] = [
        (Field::Category, &mut asset.category),
        (Field::Name, &mut asset.name),
        (Field::Remarks, &mut asset.remarks),
        (Field::Users, &mut asset.users),
        (Field::OwnerDept, &mut asset.owner_dept),
        (Field::Medium, &mut asset.medium),
        (Field::OverrideReason, &mut asset.override_reason),
        (Field::Retention, &mut asset.retention),
    ];
    for (field, text) in texts {
        *text = text.trim().to_owned();
        if text.chars().count() > field.max_chars() {
            return Err(AssetProblem::TooLong(field));
        }
    }
    if asset.name.is_empty() {
        return Err(AssetProblem::NameMissing);
    }
    for (field, level) in [
        (Field::Confidentiality, asset.confidentiality),
        (Field::Integrity, asset.integrity),
        (Field::Availability, asset.availability),
        (Field::Importance, asset.importance_override.unwrap_or(0)),
    ] {
        if level > HIGHEST {
            return Err(AssetProblem::LevelOutOfRange(field));
        }
    }
    if asset.importance_override == Some(computed_importance(&asset)) {
        asset.importance_override = None;
    }
    match asset.importance_override {
        None => asset.override_reason.clear(),
        Some(_) if asset.override_reason.is_empty() => return Err(AssetProblem::ReasonMissing),
        Some(_) => {}
    }
    let on = match asset.registered_on.trim() {
        "" => today,
        text => read_date(text).ok_or(AssetProblem::BadDate)?,
    };
    asset.registered_on = on.format("%Y-%m-%d").to_string();
    Ok(asset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    fn asset() -> InformationAsset {
        InformationAsset {
            name: "  顧客名簿 ".into(),
            confidentiality: 2,
            ..InformationAsset::default()
        }
    }

    #[test]
    fn a_good_row_is_trimmed_and_dated_today() {
        let kept = checked(asset(), today()).unwrap();
        assert_eq!(
            (kept.name.as_str(), kept.registered_on.as_str()),
            ("顧客名簿", "2026-12-07")
        );
        let mut slashed = asset();
        slashed.registered_on = "2016/7/1".into();
        assert_eq!(
            checked(slashed, today()).unwrap().registered_on,
            "2016-07-01"
        );
    }

    #[test]
    fn each_problem_is_named() {
        let mut nameless = asset();
        nameless.name = "  ".into();
        assert_eq!(checked(nameless, today()), Err(AssetProblem::NameMissing));
        let mut high = asset();
        high.availability = 3;
        assert_eq!(
            checked(high, today()),
            Err(AssetProblem::LevelOutOfRange(Field::Availability))
        );
        let mut long = asset();
        long.medium = "あ".repeat(201);
        assert_eq!(
            checked(long, today()),
            Err(AssetProblem::TooLong(Field::Medium))
        );
        let mut dated = asset();
        dated.registered_on = "yesterday".into();
        assert_eq!(checked(dated, today()), Err(AssetProblem::BadDate));
        let mut unexplained = asset();
        unexplained.importance_override = Some(1);
        assert_eq!(
            checked(unexplained, today()),
            Err(AssetProblem::ReasonMissing)
        );
    }

    #[test]
    fn a_hand_set_importance_equal_to_the_computed_one_is_dropped() {
        let mut same = asset();
        same.importance_override = Some(2);
        same.override_reason = "念のため".into();
        let kept = checked(same, today()).unwrap();
        assert_eq!(
            (kept.importance_override, kept.override_reason.as_str()),
            (None, "")
        );
        let mut lower = asset();
        lower.importance_override = Some(1);
        lower.override_reason = "公開済みの名簿".into();
        assert_eq!(
            checked(lower, today()).unwrap().importance_override,
            Some(1)
        );
    }
}
