//! The ledger as a CSV file in the IPA sheet's columns, so a company that already keeps the
//! Excel ledger brings it in one step and takes its ledger back out.
//!
//! Files are written in UTF-8 with a byte-order mark (so Excel in Japanese opens them
//! correctly) and read in UTF-8 or Shift_JIS (what Excel in Japanese saves as "CSV"). Columns
//! are found by their Japanese or English heading in any order, below any blank rows. A file
//! is taken whole or not at all: every row's problem is reported with its line and column.
//! The same reading serves Excel workbooks ([`crate::workbook`]).

use chrono::NaiveDate;
use mamori_model::InformationAsset;

use crate::check::{AssetProblem, Field, checked};
use crate::importance::importance;

/// The ledger's headings: the column, its Japanese heading (what is written) and its English
/// heading (also read).
pub const COLUMNS: [(Field, &str, &str); 16] = [
    (Field::Category, "業務分類", "Business category"),
    (Field::Name, "情報資産名称", "Asset name"),
    (Field::Remarks, "備考", "Remarks"),
    (Field::Users, "利用者範囲", "Users"),
    (Field::OwnerDept, "管理部署", "Managing department"),
    (Field::Medium, "媒体・保存場所", "Medium or storage place"),
    (Field::Personal, "個人情報", "Personal information"),
    (
        Field::Sensitive,
        "要配慮個人情報",
        "Sensitive personal information",
    ),
    (Field::MyNumber, "マイナンバー", "My Number"),
    (Field::Confidentiality, "機密性", "Confidentiality"),
    (Field::Integrity, "完全性", "Integrity"),
    (Field::Availability, "可用性", "Availability"),
    (Field::Importance, "重要度", "Importance"),
    (
        Field::OverrideReason,
        "重要度を変えた理由",
        "Reason for the importance",
    ),
    (Field::Retention, "保存期限", "Retention period"),
    (Field::RegisteredOn, "登録日", "Registered on"),
];

/// How many rows from the top are searched for the heading row.
const HEADING_SEARCH: usize = 20;

/// How a yes is written in the file.
const YES: &str = "○";

/// A problem in one row (or the header) of an imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The line of the file, from 1 (the heading row is line 1).
    pub line: u64,
    /// What is wrong, and in which column.
    pub problem: AssetProblem,
}

/// The ledger as CSV, one asset per row in the order given, with the importance that counts.
pub fn write_csv(assets: &[InformationAsset]) -> Vec<u8> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        // Writing to memory cannot fail, so errors are not expected here; the `let _` keeps
        // the signature simple for a file made in memory.
        let _ = writer.write_record(COLUMNS.iter().map(|(_, ja, _)| *ja));
        for a in assets {
            let row = row_of(a);
            let _ = writer.write_record(&row);
        }
        let _ = writer.flush();
    }
    out
}

/// An asset's cells in [`COLUMNS`] order, with the importance that counts.
pub(crate) fn row_of(a: &InformationAsset) -> [String; 16] {
    let flag = |on: bool| if on { YES } else { "" }.to_owned();
    COLUMNS.map(|(field, ..)| match field {
        Field::Category => a.category.clone(),
        Field::Name => a.name.clone(),
        Field::Remarks => a.remarks.clone(),
        Field::Users => a.users.clone(),
        Field::OwnerDept => a.owner_dept.clone(),
        Field::Medium => a.medium.clone(),
        Field::Personal => flag(a.personal),
        Field::Sensitive => flag(a.sensitive),
        Field::MyNumber => flag(a.my_number),
        Field::Confidentiality => a.confidentiality.to_string(),
        Field::Integrity => a.integrity.to_string(),
        Field::Availability => a.availability.to_string(),
        Field::Importance => importance(a).to_string(),
        Field::OverrideReason => a.override_reason.clone(),
        Field::Retention => a.retention.clone(),
        Field::RegisteredOn => a.registered_on.clone(),
    })
}

/// `bytes` as text: UTF-8 (with or without a byte-order mark), else Shift_JIS.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::SHIFT_JIS.decode(bytes).0.into_owned(),
    }
}

/// A yes/no cell: ○, 1, 有, yes … or empty, 0, 無, no …; `None` for anything else.
fn read_flag(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "○" | "〇" | "◯" | "●" | "✓" | "✔" | "1" | "有" | "あり" | "はい" | "yes" | "y"
        | "true" | "x" => Some(true),
        "" | "0" | "無" | "なし" | "いいえ" | "no" | "n" | "false" | "-" | "－" | "ー" => {
            Some(false)
        }
        _ => None,
    }
}

/// A level cell (0, 1 or 2, full-width digits too); empty reads as `empty`.
fn read_level(text: &str, field: Field, empty: Option<u8>) -> Result<Option<u8>, AssetProblem> {
    let half: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            c => c,
        })
        .collect();
    if half.is_empty() {
        return Ok(empty);
    }
    half.parse::<u8>()
        .map(Some)
        .map_err(|_| AssetProblem::LevelOutOfRange(field))
}

/// One data row read through the heading's column positions.
fn read_row(
    record: &[String],
    at: &[(Field, usize)],
    today: NaiveDate,
) -> Result<InformationAsset, AssetProblem> {
    let cell = |field: Field| {
        at.iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, i)| record.get(*i))
            .map_or("", String::as_str)
    };
    let flag = |field: Field| read_flag(cell(field)).ok_or(AssetProblem::BadFlag(field));
    let level = |field: Field| {
        Ok::<u8, AssetProblem>(read_level(cell(field), field, Some(0))?.unwrap_or(0))
    };
    let mut asset = InformationAsset {
        id: String::new(),
        category: cell(Field::Category).to_owned(),
        name: cell(Field::Name).to_owned(),
        remarks: cell(Field::Remarks).to_owned(),
        users: cell(Field::Users).to_owned(),
        owner_dept: cell(Field::OwnerDept).to_owned(),
        medium: cell(Field::Medium).to_owned(),
        personal: flag(Field::Personal)?,
        sensitive: flag(Field::Sensitive)?,
        my_number: flag(Field::MyNumber)?,
        confidentiality: level(Field::Confidentiality)?,
        integrity: level(Field::Integrity)?,
        availability: level(Field::Availability)?,
        importance_override: None,
        override_reason: cell(Field::OverrideReason).to_owned(),
        retention: cell(Field::Retention).to_owned(),
        registered_on: cell(Field::RegisteredOn).to_owned(),
    };
    // The file's importance counts as the company's own when it differs from the computed
    // one; `checked` then asks for the reason and drops a value equal to the computed one.
    asset.importance_override = read_level(cell(Field::Importance), Field::Importance, None)?;
    checked(asset, today)
}

/// Reads a ledger file, registering rows without a date `today`: every row, or every
/// problem. Empty rows are skipped.
pub fn read_csv(bytes: &[u8], today: NaiveDate) -> Result<Vec<InformationAsset>, Vec<RowProblem>> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let fallback_line = index as u64 + 1;
        match record {
            Ok(record) => {
                let line = record.position().map_or(fallback_line, |p| p.line());
                rows.push((line, record.iter().map(str::to_owned).collect()));
            }
            Err(e) => {
                let line = e.position().map_or(fallback_line, |p| p.line());
                return Err(vec![RowProblem {
                    line,
                    problem: AssetProblem::Unreadable,
                }]);
            }
        }
    }
    read_grid(rows, today)
}

/// Reads a ledger laid out as rows of text cells, each with its line (or spreadsheet row)
/// number, the first row holding the headings: every asset, or every problem.
pub(crate) fn read_grid(
    rows: Vec<(u64, Vec<String>)>,
    today: NaiveDate,
) -> Result<Vec<InformationAsset>, Vec<RowProblem>> {
    let rows: Vec<(u64, Vec<String>)> = rows
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    // The heading row is the first that names the asset column: a sheet may open with a
    // title or notes above it (IPA's workbook does).
    let columns_of = |headings: &[String]| -> Vec<(Field, usize)> {
        COLUMNS
            .iter()
            .filter_map(|(field, ja, en)| {
                headings
                    .iter()
                    .position(|h| {
                        let h = h.trim();
                        h == *ja || h.eq_ignore_ascii_case(en)
                    })
                    .map(|i| (*field, i))
            })
            .collect()
    };
    let found = rows
        .iter()
        .take(HEADING_SEARCH)
        .enumerate()
        .find_map(|(i, (_, cells))| {
            let at = columns_of(cells);
            at.iter().any(|(f, _)| *f == Field::Name).then_some((i, at))
        });
    let Some((heading, at)) = found else {
        return Err(vec![RowProblem {
            line: rows.first().map_or(1, |(line, _)| *line),
            problem: AssetProblem::MissingColumn(Field::Name),
        }]);
    };
    let rows = rows.into_iter().skip(heading + 1);
    let mut assets = Vec::new();
    let mut problems = Vec::new();
    for (line, cells) in rows {
        match read_row(&cells, &at, today) {
            Ok(asset) => assets.push(asset),
            Err(problem) => problems.push(RowProblem { line, problem }),
        }
    }
    if problems.is_empty() {
        Ok(assets)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    #[test]
    fn written_ledgers_read_back_the_same() {
        let assets = vec![
            InformationAsset {
                category: "人事".into(),
                name: "健康診断の結果".into(),
                remarks: "雇入時, 定期".into(),
                users: "人事部".into(),
                owner_dept: "人事部".into(),
                medium: "書類".into(),
                personal: true,
                sensitive: true,
                confidentiality: 2,
                integrity: 2,
                availability: 1,
                retention: "5年".into(),
                registered_on: "2016-07-01".into(),
                ..InformationAsset::default()
            },
            InformationAsset {
                name: "請求書（受け取ったもの）".into(),
                confidentiality: 1,
                integrity: 1,
                availability: 1,
                importance_override: Some(0),
                override_reason: "写しが会計事務所にもある".into(),
                registered_on: "2026-12-01".into(),
                ..InformationAsset::default()
            },
        ];
        let file = write_csv(&assets);
        assert!(file.starts_with("\u{feff}業務分類,情報資産名称".as_bytes()));
        assert_eq!(read_csv(&file, today()), Ok(assets));
    }

    #[test]
    fn shift_jis_files_with_english_headings_in_any_order_are_read() {
        let text = "Asset name,Confidentiality,Personal information,Registered on\r\n\
                    顧客名簿,２,○,2016/7/1\r\n,,,\r\n";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let assets = read_csv(&sjis, today()).unwrap();
        assert_eq!(assets.len(), 1, "the empty row is skipped");
        let a = &assets[0];
        assert_eq!(
            (
                a.name.as_str(),
                a.confidentiality,
                a.personal,
                a.registered_on.as_str()
            ),
            ("顧客名簿", 2, true, "2016-07-01")
        );
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_nothing_is_taken() {
        let file = "情報資産名称,機密性,個人情報,重要度,登録日\n\
                    顧客名簿,2,○,,\n\
                    ,1,,,\n\
                    見積書,5,,,\n\
                    社員名簿,1,たぶん,,\n\
                    給与データ,1,,2,\n\
                    契約書,1,,,昨日\n";
        let problems = read_csv(file.as_bytes(), today()).unwrap_err();
        let found: Vec<(u64, AssetProblem)> =
            problems.into_iter().map(|p| (p.line, p.problem)).collect();
        assert_eq!(
            found,
            [
                (3, AssetProblem::NameMissing),
                (4, AssetProblem::LevelOutOfRange(Field::Confidentiality)),
                (5, AssetProblem::BadFlag(Field::Personal)),
                (6, AssetProblem::ReasonMissing),
                (7, AssetProblem::BadDate),
            ]
        );
        let headless = read_csv("名前,機密性\nx,1\n".as_bytes(), today()).unwrap_err();
        assert_eq!(
            headless[0].problem,
            AssetProblem::MissingColumn(Field::Name)
        );
    }
}
