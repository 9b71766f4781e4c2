//! The ledger and the risk analysis sheet as an Excel workbook in IPA's layout: one sheet for
//! the information asset ledger (the CSV columns) and one for the risk analysis, written with
//! rust_xlsxwriter; and the ledger read back from a workbook with calamine (the sheet named
//! like IPA's ledger, else the first), through the same checks as a CSV file.

use std::sync::LazyLock;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use mamori_model::{InformationAsset, RiskEntry, Treatment};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::Deserialize;

use crate::analysis::{Band, LikelihoodTable, assess};
use crate::check::AssetProblem;
use crate::importance::importance;
use crate::ledger::{COLUMNS, RowProblem, read_grid, row_of};
use crate::threats::threat;

/// The workbook's words (`sheet.toml`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SheetWords {
    ledger_sheet: String,
    risk_sheet: String,
    risk_columns: Vec<String>,
    band: Bands,
    treatment: Treatments,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Bands {
    small: String,
    medium: String,
    large: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Treatments {
    reduce: String,
    accept: String,
    avoid: String,
    transfer: String,
}

static WORDS: LazyLock<SheetWords> = LazyLock::new(|| {
    // Compiled in and read by this module's tests, so it cannot be unreadable in a build.
    toml::from_str(include_str!("../sheet.toml")).expect("sheet.toml is valid")
});

/// Why a workbook could not be written.
#[derive(Debug, thiserror::Error)]
#[error("the workbook could not be written: {0}")]
pub struct WorkbookError(#[from] XlsxError);

/// Writes a heading row in bold and freezes it.
fn headings<'a>(
    sheet: &mut Worksheet,
    titles: impl Iterator<Item = &'a str>,
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    for (col, title) in titles.enumerate() {
        let col = col as u16;
        sheet.write_string_with_format(0, col, title, &bold)?;
        sheet.set_column_width(col, 16)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Writes `text` at (`row`, `col`): a number when it is one, else text (blank when empty).
fn cell(sheet: &mut Worksheet, row: u32, col: u16, text: &str) -> Result<(), XlsxError> {
    if text.is_empty() {
        return Ok(());
    }
    match text.parse::<f64>() {
        Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) => sheet.write_number(row, col, n),
        _ => sheet.write_string(row, col, text),
    }?;
    Ok(())
}

/// The ledger and the risk analysis sheet as an `.xlsx` file, the sheet's measures judged
/// on `today`.
pub fn write_xlsx(
    assets: &[InformationAsset],
    lines: &[RiskEntry],
    table: &LikelihoodTable,
    today: NaiveDate,
) -> Result<Vec<u8>, WorkbookError> {
    let w = &*WORDS;
    let mut book = Workbook::new();
    let ledger = book.add_worksheet();
    ledger.set_name(&w.ledger_sheet)?;
    headings(ledger, COLUMNS.iter().map(|(_, ja, _)| *ja))?;
    for (i, asset) in assets.iter().enumerate() {
        for (col, text) in row_of(asset).iter().enumerate() {
            cell(ledger, i as u32 + 1, col as u16, text)?;
        }
    }
    let risks = book.add_worksheet();
    risks.set_name(&w.risk_sheet)?;
    headings(risks, w.risk_columns.iter().map(String::as_str))?;
    let band = |b: Band| match b {
        Band::Small => &w.band.small,
        Band::Medium => &w.band.medium,
        Band::Large => &w.band.large,
    };
    let mut row = 1;
    for line in lines {
        let Some(asset) = assets.iter().find(|a| a.id == line.asset_id) else {
            continue;
        };
        let a = assess(line, asset, table, today);
        let treatment = line.treatment.map(|t| match t {
            Treatment::Reduce => &w.treatment.reduce,
            Treatment::Accept => &w.treatment.accept,
            Treatment::Avoid => &w.treatment.avoid,
            Treatment::Transfer => &w.treatment.transfer,
        });
        let texts = [
            asset.name.clone(),
            threat(&line.threat).map_or_else(|| line.threat.clone(), |t| t.ja.clone()),
            line.threat_level.to_string(),
            line.vulnerability.to_string(),
            a.likelihood.to_string(),
            importance(asset).to_string(),
            a.risk.to_string(),
            band(a.band).clone(),
            treatment.cloned().unwrap_or_default(),
            line.measures.clone(),
            line.owner.clone(),
            line.due_on.clone(),
            line.done_on.clone(),
            a.residual_risk.map(|r| r.to_string()).unwrap_or_default(),
        ];
        for (col, text) in texts.iter().enumerate() {
            cell(risks, row, col as u16, text)?;
        }
        row += 1;
    }
    Ok(book.save_to_buffer()?)
}

/// A cell as the text a person typed.
fn text_of(data: &Data) -> String {
    match data {
        Data::String(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(true) => "1".to_owned(),
        Data::Bool(false) => "0".to_owned(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|d| d.date().format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// Reads the ledger from an `.xlsx` workbook: the sheet named like IPA's ledger, else the
/// first; every asset, or every problem with its spreadsheet row.
pub fn read_xlsx(bytes: &[u8], today: NaiveDate) -> Result<Vec<InformationAsset>, Vec<RowProblem>> {
    let unreadable = || {
        vec![RowProblem {
            line: 1,
            problem: AssetProblem::Unreadable,
        }]
    };
    let mut book: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|_| unreadable())?;
    let names = book.sheet_names();
    let index = names
        .iter()
        .position(|n| *n == WORDS.ledger_sheet)
        .unwrap_or(0);
    let range = match book.worksheet_range_at(index) {
        Some(Ok(range)) => range,
        _ => return Err(unreadable()),
    };
    let first_row = range.start().map_or(0, |(row, _)| row);
    let first_col = range.start().map_or(0, |(_, col)| col) as usize;
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let mut texts = vec![String::new(); first_col];
            texts.extend(cells.iter().map(text_of));
            (u64::from(first_row) + i as u64 + 1, texts)
        })
        .collect();
    read_grid(rows, today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    fn assets() -> Vec<InformationAsset> {
        vec![InformationAsset {
            id: "a1".into(),
            category: "営業".into(),
            name: "顧客名簿".into(),
            medium: "社内サーバー".into(),
            personal: true,
            confidentiality: 2,
            integrity: 2,
            availability: 1,
            retention: "5年".into(),
            registered_on: "2016-07-01".into(),
            ..InformationAsset::default()
        }]
    }

    #[test]
    fn a_written_workbook_reads_back_its_ledger() {
        let line = RiskEntry {
            id: "r1".into(),
            asset_id: "a1".into(),
            threat: "unauthorised_access".into(),
            threat_level: 3,
            vulnerability: 3,
            treatment: Some(Treatment::Reduce),
            measures: "WAF".into(),
            owner: "田中".into(),
            due_on: "2027-03-31".into(),
            done_on: String::new(),
            residual_vulnerability: Some(1),
        };
        let file = write_xlsx(&assets(), &[line], &LikelihoodTable::default(), today()).unwrap();
        assert!(file.starts_with(b"PK"), "an xlsx file is a zip");
        let mut read = read_xlsx(&file, today()).unwrap();
        read[0].id = "a1".into();
        assert_eq!(read, assets());
        let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(&file)).unwrap();
        assert_eq!(book.sheet_names(), ["情報資産管理台帳", "リスク分析シート"]);
        let risk = book.worksheet_range_at(1).unwrap().unwrap();
        let row: Vec<String> = risk.rows().nth(1).unwrap().iter().map(text_of).collect();
        assert_eq!(
            row[..9],
            [
                "顧客名簿",
                "不正アクセス",
                "3",
                "3",
                "3",
                "2",
                "6",
                "大",
                "低減"
            ]
        );
        assert_eq!(row[13], "2", "residual: 2 × likelihood(3, 1)");
    }

    #[test]
    fn a_sheet_with_a_title_above_its_headings_and_dates_as_dates_is_read() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet
            .write_string(0, 0, "情報資産管理台帳（2026年度）")
            .unwrap();
        sheet.write_string(2, 1, "情報資産名称").unwrap();
        sheet.write_string(2, 2, "機密性").unwrap();
        sheet.write_string(2, 3, "登録日").unwrap();
        sheet.write_string(3, 1, "契約書").unwrap();
        sheet.write_number(3, 2, 1.0).unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2016, 7, 1).unwrap();
        let format = Format::new().set_num_format("yyyy/mm/dd");
        sheet
            .write_datetime_with_format(3, 3, &date, &format)
            .unwrap();
        sheet.write_string(4, 1, "見積書").unwrap();
        sheet.write_number(4, 2, 7.0).unwrap();
        let file = book.save_to_buffer().unwrap();
        let problems = read_xlsx(&file, today()).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(
            (problems[0].line, problems[0].problem.clone()),
            (
                5,
                AssetProblem::LevelOutOfRange(crate::Field::Confidentiality)
            )
        );
        // Without the bad row, the date cell reads as the day it shows.
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "情報資産名称").unwrap();
        sheet.write_string(0, 1, "登録日").unwrap();
        sheet.write_string(1, 0, "契約書").unwrap();
        sheet
            .write_datetime_with_format(1, 1, &date, &format)
            .unwrap();
        let read = read_xlsx(&book.save_to_buffer().unwrap(), today()).unwrap();
        assert_eq!(read[0].registered_on, "2016-07-01");
        assert_eq!(
            read_xlsx(b"not a workbook", today()).unwrap_err()[0].problem,
            AssetProblem::Unreadable
        );
    }
}
