//! A document as a Word file, for owners who keep editing in Word. Headings use Word's own
//! heading styles so the navigation pane and table of contents work.

use docx_rs::{
    AlignmentType, Docx, Paragraph, Run, RunFonts, Style, StyleType, Table, TableCell, TableRow,
};

use crate::PolicyError;
use crate::document::{Document, Section};

/// The Japanese font Word on Windows and macOS has; LibreOffice substitutes a Japanese
/// gothic face where it is missing.
const EAST_ASIA_FONT: &str = "游ゴシック";
const LATIN_FONT: &str = "Yu Gothic";
const ACCENT: &str = "1F6F5C";

fn fonts() -> RunFonts {
    RunFonts::new()
        .east_asia(EAST_ASIA_FONT)
        .ascii(LATIN_FONT)
        .hi_ansi(LATIN_FONT)
}

fn text(s: &str) -> Run {
    Run::new().add_text(s).fonts(fonts())
}

fn para(s: &str) -> Paragraph {
    Paragraph::new().add_run(text(s))
}

fn heading_style(id: &str, name: &str, half_points: usize) -> Style {
    Style::new(id, StyleType::Paragraph)
        .name(name)
        .bold()
        .size(half_points)
        .color(ACCENT)
        .fonts(fonts())
}

fn heading(level: usize, s: &Section) -> Paragraph {
    let title = if s.number.is_empty() {
        s.heading.clone()
    } else {
        format!("{}　{}", s.number, s.heading)
    };
    Paragraph::new()
        .style(&format!("Heading{}", (level + 1).min(3)))
        .add_run(text(&title))
}

fn table(t: &crate::document::Table) -> Table {
    let cell = |s: &str, bold: bool| {
        let run = if bold { text(s).bold() } else { text(s) };
        TableCell::new().add_paragraph(Paragraph::new().add_run(run))
    };
    let mut rows = vec![TableRow::new(
        t.header.iter().map(|h| cell(h, true)).collect(),
    )];
    rows.extend(
        t.rows
            .iter()
            .map(|r| TableRow::new(r.iter().map(|c| cell(c, false)).collect())),
    );
    Table::new(rows)
}

fn section(mut docx: Docx, s: &Section, level: usize) -> Docx {
    if !s.heading.is_empty() {
        docx = docx.add_paragraph(heading(level, s));
    }
    if !s.note.is_empty() {
        docx = docx.add_paragraph(Paragraph::new().add_run(text(&s.note).italic().size(18)));
    }
    for p in &s.paragraphs {
        docx = docx.add_paragraph(para(p));
    }
    for (i, item) in s.items.iter().enumerate() {
        let mark = if s.ordered {
            format!("{}．", i + 1)
        } else {
            "・".to_owned()
        };
        docx =
            docx.add_paragraph(para(&format!("{mark}{item}")).indent(Some(240), None, None, None));
    }
    for e in &s.entries {
        let mut title = Paragraph::new()
            .add_run(text(&format!("{}　", e.label)).bold().color(ACCENT))
            .add_run(text(&e.title).bold());
        if e.flag.is_some() {
            title = title.add_run(text(&format!("　［{}］", e.flag_label)).size(18));
        }
        docx = docx.add_paragraph(title);
        for l in &e.lines {
            docx = docx.add_paragraph(para(&format!("・{l}")).indent(Some(240), None, None, None));
        }
        if !e.flag_note.is_empty() {
            docx = docx.add_paragraph(para(&format!("※{}", e.flag_note)).indent(
                Some(240),
                None,
                None,
                None,
            ));
        }
    }
    if let Some(t) = &s.table {
        docx = docx.add_table(table(t));
    }
    for c in &s.children {
        docx = section(docx, c, level + 1);
    }
    docx
}

/// The document as a `.docx` file.
pub fn docx(doc: &Document) -> Result<Vec<u8>, PolicyError> {
    let mut d = Docx::new()
        .default_fonts(fonts())
        .add_style(heading_style("Heading1", "heading 1", 28))
        .add_style(heading_style("Heading2", "heading 2", 24))
        .add_style(heading_style("Heading3", "heading 3", 21))
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(text(&doc.title).bold().size(40).color(ACCENT)),
        )
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(text(&doc.company).size(26)),
        );
    if !doc.stamp.is_empty() {
        d = d.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(text(&doc.stamp).size(18)),
        );
    }
    for p in &doc.intro {
        d = d.add_paragraph(para(p));
    }
    for s in &doc.sections {
        d = section(d, s, 0);
    }
    for l in &doc.footer {
        d = d.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Right)
                .add_run(text(l)),
        );
    }
    let mut out = std::io::Cursor::new(Vec::new());
    d.build()
        .pack(&mut out)
        .map_err(|e| PolicyError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}
