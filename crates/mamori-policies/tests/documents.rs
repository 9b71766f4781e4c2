//! Whole-document tests: every document generated in both languages from realistic company
//! parameters, the handbook following two differently answered self-assessments, the owner's
//! edits, parameter errors, differences between versions, and the files: DOCX converted by
//! LibreOffice and PDF read back with pdftotext.

use std::path::Path;
use std::process::Command;

use mamori_catalog::{Answer, Answers, Lang};
use mamori_policies::{
    Document, DocumentKind, Edits, EntryFlag, GenerateInput, Invalid, Params, PolicyError,
    SectionEdit, Texts, check_values, diff, docx, generate, html_page, outline, pdf, plain_lines,
    rule_changes,
};

const COMPANY: &str = "山田商事株式会社";

fn texts() -> Texts {
    Texts::load("ipa-sme-3.1").expect("the shipped texts load")
}

fn params() -> Params {
    let mut p = Params::default();
    for (k, v) in [
        ("representative_title", "代表取締役"),
        ("representative_name", "山田 太郎"),
        ("established_on", "2026-04-01"),
        ("scope", "both"),
        ("security_officer", "山田 太郎"),
        ("department_manager", "佐藤 花子"),
        ("system_administrator", "鈴木 一郎"),
        ("education_officer", "佐藤 花子"),
        ("inspection_officer", "高橋 次郎"),
        ("contact_name", "総務部 鈴木"),
        ("contact_phone", "03-1234-5678"),
        ("antivirus_product", "ESET Endpoint Security"),
        ("revised_on", "2026-12-01"),
    ] {
        p.set(k, v);
    }
    p
}

fn make(
    texts: &Texts,
    kind: DocumentKind,
    lang: Lang,
    params: &Params,
    answers: Option<&Answers>,
    edits: &Edits,
) -> Result<Document, PolicyError> {
    generate(GenerateInput {
        texts,
        kind,
        lang,
        company: COMPANY,
        params,
        answers,
        edits,
        desk: None,
    })
}

fn all_text(doc: &Document) -> String {
    plain_lines(doc).join("\n")
}

#[test]
fn every_document_generates_in_both_languages_without_leftover_template_marks() {
    let texts = texts();
    let answers: Answers = (1..=25).map(|n| (n, Answer::Partial)).collect();
    for kind in DocumentKind::ALL {
        for lang in [Lang::Ja, Lang::En] {
            let doc = make(
                &texts,
                kind,
                lang,
                &params(),
                Some(&answers),
                &Edits::default(),
            )
            .unwrap_or_else(|e| panic!("{kind} {lang:?}: {e}"));
            let text = all_text(&doc);
            assert!(text.contains(COMPANY), "{kind} {lang:?} names the company");
            for mark in ["{{", "}}", "{%", "%}"] {
                assert!(
                    !text.contains(mark),
                    "{kind} {lang:?} has a leftover {mark}"
                );
            }
            assert!(!doc.sections.is_empty());
            html_page(&doc).expect("renders as HTML");
        }
    }
}

#[test]
fn every_choice_combination_generates() {
    let texts = texts();
    let choice_params: Vec<_> = texts
        .params
        .iter()
        .filter(|p| !p.choices.is_empty())
        .collect();
    for def in &choice_params {
        for choice in &def.choices {
            let mut p = params();
            p.set(&def.key, &choice.value);
            for kind in DocumentKind::ALL {
                for lang in [Lang::Ja, Lang::En] {
                    make(&texts, kind, lang, &p, None, &Edits::default()).unwrap_or_else(|e| {
                        panic!("{kind} with {}={}: {e}", def.key, choice.value)
                    });
                }
            }
        }
    }
}

fn entry(doc: &Document, item: u8) -> &mamori_policies::Entry {
    let label = format!("No.{item}");
    doc.walk()
        .into_iter()
        .flat_map(|(_, s)| s.entries.iter())
        .find(|e| e.item == item && (e.label.ends_with(&label) || doc.lang == Lang::En))
        .unwrap_or_else(|| panic!("no rule for item {item}"))
}

#[test]
fn the_handbook_follows_the_self_assessment_answers() {
    let texts = texts();
    let all_done: Answers = (1..=25).map(|n| (n, Answer::Yes)).collect();
    let mixed: Answers = (1..=25)
        .map(|n| {
            let a = match n {
                1..=8 => Answer::Yes,
                9..=16 => Answer::No,
                17..=20 => Answer::Partial,
                _ => Answer::Unknown,
            };
            (n, a)
        })
        .collect();
    let done = make(
        &texts,
        DocumentKind::Handbook,
        Lang::Ja,
        &params(),
        Some(&all_done),
        &Edits::default(),
    )
    .unwrap();
    let gaps = make(
        &texts,
        DocumentKind::Handbook,
        Lang::Ja,
        &params(),
        Some(&mixed),
        &Edits::default(),
    )
    .unwrap();

    let rules_of = |d: &Document| d.walk().iter().map(|(_, s)| s.entries.len()).sum::<usize>();
    assert_eq!(rules_of(&done), 25, "one rule per item");
    assert_eq!(rules_of(&gaps), 25);
    for n in 1..=25u8 {
        assert_eq!(entry(&done, n).flag, None, "item {n} is in place");
        let rule = texts.handbook.rules.iter().find(|r| r.item == n).unwrap();
        let e = entry(&gaps, n);
        match mixed.get(n) {
            Some(Answer::Yes) => assert_eq!(e.flag, None, "item {n}"),
            Some(Answer::No | Answer::Partial) => {
                assert_eq!(e.flag, Some(EntryFlag::Todo), "item {n}");
                assert_eq!(e.flag_label, texts.labels.todo.ja);
                assert!(!e.flag_note.is_empty());
                assert!(!rule.todo.ja.is_empty());
            }
            _ => {
                assert_eq!(e.flag, Some(EntryFlag::Unknown), "item {n}");
                assert_eq!(e.flag_label, texts.labels.unknown.ja);
            }
        }
        assert_eq!(
            entry(&done, n).lines,
            e.lines,
            "the rule itself is the same"
        );
    }
    assert_ne!(all_text(&done), all_text(&gaps));
    // The differences are exactly the flags and their notes.
    let changed: Vec<_> = diff(&done, &gaps)
        .into_iter()
        .filter(|l| l.tag != mamori_policies::DiffTag::Same)
        .collect();
    assert!(
        changed
            .iter()
            .any(|l| l.text.contains(&texts.labels.unknown.ja))
    );
    assert!(changed.iter().any(|l| l.text.starts_with('※')));

    // Issued with gaps, then a new assessment: exactly the items whose answer moved between
    // "in place" and not are rule changes, whatever the language of either document.
    let mut later = mixed.clone();
    later.insert(9, Answer::Yes);
    later.insert(2, Answer::Partial);
    later.insert(17, Answer::No); // still not in place: no change
    let now = make(
        &texts,
        DocumentKind::Handbook,
        Lang::En,
        &params(),
        Some(&later),
        &Edits::default(),
    )
    .unwrap();
    let changes = rule_changes(&gaps, &now);
    let moved: Vec<(u8, Option<EntryFlag>, Option<EntryFlag>)> = changes
        .iter()
        .map(|c| (c.item, c.before, c.after))
        .collect();
    assert_eq!(
        moved,
        [
            (2, None, Some(EntryFlag::Todo)),
            (9, Some(EntryFlag::Todo), None),
        ]
    );
    assert!(changes[1].settled() && !changes[0].settled());
    assert_eq!(
        changes[1].title,
        entry(&now, 9).title,
        "the draft's wording"
    );
    assert!(rule_changes(&gaps, &gaps).is_empty());
}

#[test]
fn handbook_rules_use_the_company_parameters() {
    let texts = texts();
    let doc = make(
        &texts,
        DocumentKind::Handbook,
        Lang::Ja,
        &params(),
        None,
        &Edits::default(),
    )
    .unwrap();
    let text = all_text(&doc);
    assert!(
        text.contains("ESET Endpoint Security"),
        "antivirus product named"
    );
    assert!(text.contains("総務部 鈴木"), "contact named");
    assert!(text.contains("03-1234-5678"), "contact phone shown");
    assert!(text.contains("10"), "password length shown");
    let mut longer = params();
    longer.set("password_min_length", "14");
    let doc = make(
        &texts,
        DocumentKind::Handbook,
        Lang::Ja,
        &longer,
        None,
        &Edits::default(),
    )
    .unwrap();
    assert!(
        entry(&doc, 3).lines.join("").contains("14"),
        "item 3 uses the length"
    );
}

#[test]
fn the_policy_scope_wording_follows_the_choice() {
    let texts = texts();
    let mut seen = Vec::new();
    for scope in ["customer", "own", "both"] {
        let mut p = params();
        p.set("scope", scope);
        let doc = make(
            &texts,
            DocumentKind::Policy,
            Lang::Ja,
            &p,
            None,
            &Edits::default(),
        )
        .unwrap();
        seen.push(all_text(&doc));
    }
    assert_ne!(seen[0], seen[1]);
    assert_ne!(seen[1], seen[2]);
    assert_ne!(seen[0], seen[2]);
}

#[test]
fn the_policy_has_five_numbered_sections_and_the_footer() {
    let texts = texts();
    let doc = make(
        &texts,
        DocumentKind::Policy,
        Lang::Ja,
        &params(),
        None,
        &Edits::default(),
    )
    .unwrap();
    let numbered: Vec<_> = doc
        .sections
        .iter()
        .filter(|s| !s.number.is_empty())
        .collect();
    assert_eq!(numbered.len(), 5, "optional sections are off by default");
    assert_eq!(numbered[0].number, "1");
    assert_eq!(numbered[4].number, "5");
    let footer = doc.footer.join("\n");
    assert!(footer.contains("2026年4月1日"), "{footer}");
    assert!(footer.contains("山田 太郎"));
    assert!(footer.contains(COMPANY));
    let en = make(
        &texts,
        DocumentKind::Policy,
        Lang::En,
        &params(),
        None,
        &Edits::default(),
    )
    .unwrap();
    assert!(en.footer.join("\n").contains("1 April 2026"));
}

#[test]
fn edits_include_optional_sections_replace_and_add_text() {
    let texts = texts();
    let optional: Vec<_> = outline(&texts, DocumentKind::Policy, Lang::Ja)
        .into_iter()
        .filter(|s| s.removable)
        .collect();
    assert!(
        optional.len() >= 5,
        "purpose, definitions, objectives, measures, review"
    );
    let mut edits = Edits::default();
    edits.0.insert(
        optional[0].id.clone(),
        SectionEdit {
            included: Some(true),
            ..SectionEdit::default()
        },
    );
    edits.0.insert(
        "executive-responsibility".into(),
        SectionEdit {
            text: "当社独自の一文。\n\n二つ目の段落。".into(),
            replace: true,
            ..SectionEdit::default()
        },
    );
    let doc = make(
        &texts,
        DocumentKind::Policy,
        Lang::Ja,
        &params(),
        None,
        &edits,
    )
    .unwrap();
    assert!(
        doc.sections.iter().any(|s| s.id == optional[0].id),
        "included"
    );
    let exec = doc
        .sections
        .iter()
        .find(|s| s.id == "executive-responsibility")
        .unwrap();
    assert_eq!(exec.paragraphs, vec!["当社独自の一文。", "二つ目の段落。"]);
    assert!(exec.items.is_empty(), "replaced");
    assert_eq!(
        doc.sections.iter().filter(|s| !s.number.is_empty()).count(),
        6,
        "renumbered"
    );

    let mut edits = Edits::default();
    edits.0.insert(
        "personal-device".into(),
        SectionEdit {
            included: Some(false),
            ..SectionEdit::default()
        },
    );
    let hb = make(
        &texts,
        DocumentKind::Handbook,
        Lang::Ja,
        &params(),
        None,
        &edits,
    )
    .unwrap();
    assert!(
        !hb.walk().iter().any(|(_, s)| s.id == "personal-device"),
        "left out"
    );
    // A required section cannot be left out.
    let mut edits = Edits::default();
    edits.0.insert(
        "executive-responsibility".into(),
        SectionEdit {
            included: Some(false),
            ..SectionEdit::default()
        },
    );
    let doc = make(
        &texts,
        DocumentKind::Policy,
        Lang::Ja,
        &params(),
        None,
        &edits,
    )
    .unwrap();
    assert!(
        doc.sections
            .iter()
            .any(|s| s.id == "executive-responsibility")
    );
}

#[test]
fn regulations_have_twelve_chapters_and_continuous_article_numbers() {
    let texts = texts();
    let doc = make(
        &texts,
        DocumentKind::Regulations,
        Lang::Ja,
        &params(),
        None,
        &Edits::default(),
    )
    .unwrap();
    assert_eq!(
        doc.sections.len(),
        13,
        "twelve chapters and the supplementary provisions"
    );
    assert_eq!(doc.sections[0].number, "第1章");
    assert_eq!(doc.sections[11].number, "第12章");
    assert_eq!(doc.sections[12].heading, "附則");
    let articles: Vec<&str> = doc
        .sections
        .iter()
        .flat_map(|c| c.children.iter())
        .map(|a| a.number.as_str())
        .collect();
    assert_eq!(articles[0], "第1条");
    assert_eq!(
        articles.last().copied(),
        Some(format!("第{}条", articles.len()).as_str())
    );
    assert!(
        doc.sections[0]
            .table
            .as_ref()
            .is_some_and(|t| t.rows.iter().any(|r| r.contains(&"鈴木 一郎".to_owned()))),
        "roles table"
    );
    let text = all_text(&doc);
    assert!(
        text.contains("2026年12月1日"),
        "revision date in the supplementary provisions"
    );

    // Leaving a chapter out needs a reason; without one nothing is generated.
    let mut edits = Edits::default();
    edits.0.insert(
        "telework".into(),
        SectionEdit {
            included: Some(false),
            reason: "  ".into(),
            ..SectionEdit::default()
        },
    );
    let refused = make(
        &texts,
        DocumentKind::Regulations,
        Lang::Ja,
        &params(),
        None,
        &edits,
    );
    assert!(
        matches!(&refused, Err(PolicyError::Unexplained { ids, .. }) if ids == &["telework"]),
        "{refused:?}"
    );
    assert_eq!(
        mamori_policies::unexplained(&texts, DocumentKind::Regulations, &edits),
        ["telework"]
    );

    // With a reason, the chapter keeps its heading and number and says why; its articles go,
    // the others are renumbered, and the supplementary provisions stay.
    edits.0.get_mut("telework").unwrap().reason = "テレワークを行わないため".into();
    let fewer = make(
        &texts,
        DocumentKind::Regulations,
        Lang::Ja,
        &params(),
        None,
        &edits,
    )
    .unwrap();
    assert_eq!(fewer.sections.len(), 13);
    let telework = &fewer.sections[11];
    assert_eq!(telework.number, "第12章");
    assert!(telework.children.is_empty());
    assert_eq!(
        telework.paragraphs,
        ["当社はこの章を定めない。理由：テレワークを行わないため"]
    );
    let remaining = fewer
        .sections
        .iter()
        .flat_map(|c| c.children.iter())
        .count();
    assert_eq!(remaining, articles.len() - doc.sections[11].children.len());
    assert!(all_text(&fewer).contains("2026年12月1日"), "附則 kept");
    let en = make(
        &texts,
        DocumentKind::Regulations,
        Lang::En,
        &params(),
        None,
        &edits,
    )
    .unwrap();
    assert!(
        en.sections[11].paragraphs[0].ends_with("Reason: テレワークを行わないため"),
        "the owner's reason as written"
    );
    // The first chapter holds the roles the others rely on and cannot be left out.
    edits.0.insert(
        "organisation".into(),
        SectionEdit {
            included: Some(false),
            ..SectionEdit::default()
        },
    );
    let kept = make(
        &texts,
        DocumentKind::Regulations,
        Lang::Ja,
        &params(),
        None,
        &edits,
    )
    .unwrap();
    assert!(!kept.sections[0].children.is_empty());
}

#[test]
fn regulation_clauses_are_reworded_one_by_one() {
    let texts = texts();
    let generated = make(
        &texts,
        DocumentKind::Regulations,
        Lang::Ja,
        &params(),
        None,
        &Edits::default(),
    )
    .unwrap();
    let mut edits = Edits::default();
    let mut own = SectionEdit::default();
    own.clauses
        .insert(2, "  当社の業務に携わる全員に適用する。 ".into());
    own.clauses.insert(3, "   ".into()); // blank: the generated clause stays
    edits.0.insert("organisation-1".into(), own);
    assert!(mamori_policies::unknown_clauses(&texts, DocumentKind::Regulations, &edits).is_empty());
    let doc = make(
        &texts,
        DocumentKind::Regulations,
        Lang::Ja,
        &params(),
        None,
        &edits,
    )
    .unwrap();
    let (before, after) = (
        &generated.sections[0].children[0],
        &doc.sections[0].children[0],
    );
    assert_eq!(after.number, "第1条");
    assert_eq!(after.items.len(), before.items.len());
    assert_eq!(after.items[0], before.items[0]);
    assert_eq!(after.items[1], "当社の業務に携わる全員に適用する。");
    assert_eq!(after.items[2], before.items[2]);
    assert_eq!(edits.clone().compact().0["organisation-1"].clauses.len(), 1);

    // A clause the article does not have, or clauses of a section that has none, are named.
    let mut wrong = Edits::default();
    let mut far = SectionEdit::default();
    far.clauses.insert(9, "x".into());
    wrong.0.insert("organisation-1".into(), far.clone());
    wrong.0.insert("organisation".into(), far);
    assert_eq!(
        mamori_policies::unknown_clauses(&texts, DocumentKind::Regulations, &wrong),
        [
            ("organisation".to_owned(), 9),
            ("organisation-1".to_owned(), 9)
        ]
    );
}

#[test]
fn missing_and_malformed_parameters_are_named_all_at_once() {
    let texts = texts();
    let err = make(
        &texts,
        DocumentKind::Policy,
        Lang::Ja,
        &Params::default(),
        None,
        &Edits::default(),
    )
    .unwrap_err();
    let PolicyError::Params(problems) = err else {
        panic!("{err}")
    };
    for key in [
        "representative_title",
        "representative_name",
        "established_on",
    ] {
        assert!(
            problems.missing.iter().any(|k| k == key),
            "{key} missing: {problems}"
        );
    }
    assert!(
        !problems.missing.iter().any(|k| k == "scope"),
        "scope has a default"
    );
    let ja = problems.describe(&texts, Lang::Ja);
    assert!(ja.contains("representative_name"), "{ja}");

    let mut p = params();
    p.set("established_on", "2026/04/01");
    p.set("scope", "everyone");
    p.set("password_min_length", "ten");
    p.set("no_such_key", "x");
    let PolicyError::Params(problems) = make(
        &texts,
        DocumentKind::Policy,
        Lang::Ja,
        &p,
        None,
        &Edits::default(),
    )
    .unwrap_err() else {
        panic!("expected parameter problems")
    };
    assert!(
        problems
            .invalid
            .contains(&("established_on".into(), Invalid::NotADate))
    );
    assert!(
        problems
            .invalid
            .iter()
            .any(|(k, why)| k == "scope" && matches!(why, Invalid::NotAChoice { .. }))
    );
    assert!(
        problems
            .invalid
            .contains(&("password_min_length".into(), Invalid::NotANumber))
    );
    assert!(
        problems
            .invalid
            .contains(&("no_such_key".into(), Invalid::UnknownKey))
    );
}

#[test]
fn the_handbook_names_the_provider_s_consultation_desk_when_there_is_one() {
    let texts = texts();
    let desk = mamori_store::Desk {
        name: "守りサービス セキュリティ相談窓口".into(),
        phone: "0120-000-111".into(),
        email: "desk@provider.example".into(),
        hours: "平日 9:00〜18:00".into(),
        after_hours_phone: "090-0000-1111".into(),
        ..mamori_store::Desk::default()
    };
    let contact = |desk: Option<&mamori_store::Desk>, lang| {
        let doc = generate(GenerateInput {
            texts: &texts,
            kind: DocumentKind::Handbook,
            lang,
            company: COMPANY,
            params: &params(),
            answers: None,
            edits: &Edits::default(),
            desk,
        })
        .unwrap();
        let section = doc.sections.iter().find(|s| s.id == "contact").unwrap();
        section.paragraphs.join("\n")
    };
    let ja = contact(Some(&desk), Lang::Ja);
    assert!(
        ja.contains("相談窓口「守りサービス セキュリティ相談窓口」に相談できます")
            && ja.contains(
                "相談窓口の連絡先：電話 0120-000-111（平日 9:00〜18:00）、メール desk@provider.example（受付時間外の緊急時：090-0000-1111）"
            ),
        "{ja}"
    );
    let en = contact(Some(&desk), Lang::En);
    assert!(
        en.contains("phone 0120-000-111 (平日 9:00〜18:00), e-mail desk@provider.example"),
        "{en}"
    );
    let without = contact(None, Lang::Ja);
    assert!(
        !without.contains("相談窓口"),
        "no desk, no sentence: {without}"
    );
    assert_eq!(
        contact(None, Lang::Ja).lines().count() + 2,
        ja.lines().count(),
        "the two desk lines and nothing else"
    );
}

#[test]
fn role_holders_carry_their_department_and_contact_into_both_role_tables() {
    let texts = texts();
    let mut p = params();
    p.set("system_administrator_department", "総務部");
    p.set("system_administrator_contact", "内線101");
    p.set("security_officer_contact", "03-1234-5678");
    assert!(check_values(&texts, &p).is_empty());
    let rows = |kind, lang| {
        let doc = make(&texts, kind, lang, &p, None, &Edits::default()).unwrap();
        doc.walk()
            .into_iter()
            .filter_map(|(_, s)| s.table.clone())
            .flat_map(|t| t.rows)
            .map(|r| r[1].clone())
            .collect::<Vec<_>>()
    };
    let regulations = rows(DocumentKind::Regulations, Lang::Ja);
    assert!(
        regulations.contains(&"鈴木 一郎（総務部・内線101）".to_owned()),
        "{regulations:?}"
    );
    assert!(regulations.contains(&"山田 太郎（03-1234-5678）".to_owned()));
    assert!(
        regulations.contains(&"高橋 次郎".to_owned()),
        "no details, the name alone"
    );
    let handbook = rows(DocumentKind::Handbook, Lang::En);
    assert!(
        handbook.contains(&"鈴木 一郎 (総務部, 内線101)".to_owned()),
        "{handbook:?}"
    );

    // Details are free text within the limit; a detail of something that is not a person is
    // no parameter at all.
    let mut bad = Params::default();
    bad.set("system_administrator_contact", &"1".repeat(201));
    bad.set("scope_contact", "x");
    let problems = check_values(&texts, &bad);
    assert_eq!(
        problems.describe(&texts, Lang::Ja),
        "scope_contact という項目はありません。システム管理者 連絡先（電話・内線・メール）（system_administrator_contact） は200文字以内にしてください"
    );
    assert!(
        problems
            .invalid
            .contains(&("system_administrator_contact".into(), Invalid::TooLong))
    );
    assert!(
        problems
            .invalid
            .contains(&("scope_contact".into(), Invalid::UnknownKey))
    );
    let keys = texts.settable_keys();
    let at = keys.iter().position(|k| k == "security_officer").unwrap();
    assert_eq!(
        keys[at + 1..at + 3],
        ["security_officer_department", "security_officer_contact"]
    );
}

#[test]
fn owner_text_is_never_a_template() {
    let texts = texts();
    let mut edits = Edits::default();
    edits.0.insert(
        "preamble".into(),
        SectionEdit {
            text: "{{ company }} と {% if x %}".into(),
            ..SectionEdit::default()
        },
    );
    let doc = make(
        &texts,
        DocumentKind::Policy,
        Lang::Ja,
        &params(),
        None,
        &edits,
    )
    .unwrap();
    assert!(
        doc.sections[0]
            .paragraphs
            .iter()
            .any(|p| p == "{{ company }} と {% if x %}")
    );
    assert!(html_page(&doc).unwrap().contains("{{ company }}"));
}

fn tool(name: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} must be installed in CI"
        );
        eprintln!("skipped: {name} is not installed");
    }
    found
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // pdftotext may break lines inside a heading; compare without whitespace.
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect()
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}

#[test]
fn pdf_shows_the_company_and_the_japanese_section_titles() {
    if !tool("pdftotext") {
        return;
    }
    let texts = texts();
    let renderer = mamori_typst::TypstRenderer::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for kind in DocumentKind::ALL {
        let doc = make(&texts, kind, Lang::Ja, &params(), None, &Edits::default()).unwrap();
        let path = dir.path().join(format!("{kind}.pdf"));
        std::fs::write(&path, pdf(&renderer, &doc).unwrap()).unwrap();
        let text = pdf_text(&path);
        assert!(text.contains(COMPANY), "{kind}: company name");
        assert!(text.contains(&squeeze(&doc.title)), "{kind}: title");
        for s in doc.sections.iter().filter(|s| !s.heading.is_empty()) {
            assert!(
                text.contains(&squeeze(&s.heading)),
                "{kind}: heading {}",
                s.heading
            );
        }
    }
}

#[test]
fn libreoffice_converts_every_docx_without_error() {
    if !tool("soffice") {
        return;
    }
    let texts = texts();
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    let answers: Answers = (1..=25)
        .map(|n| {
            (
                n,
                if n % 2 == 0 {
                    Answer::No
                } else {
                    Answer::Unknown
                },
            )
        })
        .collect();
    let mut files = Vec::new();
    for kind in DocumentKind::ALL {
        let doc = make(
            &texts,
            kind,
            Lang::Ja,
            &params(),
            Some(&answers),
            &Edits::default(),
        )
        .unwrap();
        let path = dir.path().join(format!("{kind}.docx"));
        std::fs::write(&path, docx(&doc).unwrap()).unwrap();
        files.push((kind, path, doc));
    }
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir.path())
        .args(files.iter().map(|(_, p, _)| p))
        .output()
        .expect("soffice runs");
    assert!(
        out.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (kind, path, doc) in &files {
        let pdf = path.with_extension("pdf");
        assert!(
            pdf.exists(),
            "{kind}: LibreOffice wrote no PDF ({})",
            String::from_utf8_lossy(&out.stdout)
        );
        if tool("pdftotext") {
            let text = pdf_text(&pdf);
            assert!(
                text.contains(COMPANY),
                "{kind}: company name in the converted file"
            );
            assert!(
                text.contains(&squeeze(&doc.title)),
                "{kind}: title in the converted file"
            );
        }
    }
}
