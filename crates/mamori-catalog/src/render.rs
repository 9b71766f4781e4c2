//! The terminal report of `mamori diagnose`: total, part scores with bars, the five rules,
//! problem items with advice and first steps, and the items to find out about.

use crate::scoring::AssessmentResult;
use crate::text::Lang;
use std::fmt::Write;

/// Width of the score bars, in characters.
const BAR_WIDTH: i32 = 20;

/// Renders `result` as a plain-text report in `lang`.
pub fn render_text(result: &AssessmentResult, lang: Lang) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_report(&mut out, result, lang);
    out
}

fn write_report(out: &mut String, r: &AssessmentResult, lang: Lang) -> std::fmt::Result {
    let t = |ja, en| lang.pick(ja, en);
    writeln!(
        out,
        "{} ({})",
        t(
            "情報セキュリティ自社診断の結果",
            "Security self-assessment result"
        ),
        r.edition
    )?;
    writeln!(out)?;
    match lang {
        Lang::Ja => writeln!(out, "合計: {}点 / {}点", r.total, r.max)?,
        Lang::En => writeln!(out, "Total: {} / {} points", r.total, r.max)?,
    }
    writeln!(out)?;

    writeln!(out, "{}", t("分野ごとの点数", "Score by part"))?;
    for p in &r.parts {
        let label = format!(
            "{} ({}-{}) {:.1}%",
            p.name.get(lang),
            p.first,
            p.last,
            p.percent
        );
        score_row(out, p.score, p.max, &label)?;
    }
    writeln!(out)?;

    writeln!(
        out,
        "{}",
        t("情報セキュリティ5か条ごとの点数", "Score by basic rule")
    )?;
    for rule in &r.rules {
        score_row(
            out,
            rule.score,
            rule.max,
            &format!("{}. {}", rule.rule, rule.title.get(lang)),
        )?;
    }
    writeln!(out)?;

    if r.problems.is_empty() {
        writeln!(
            out,
            "{}",
            t(
                "見直しが必要な項目はありません。すべての項目を実施しています。この状態を続けるため、年に1回は診断をやり直してください。",
                "Nothing needs attention: every measure is in place. Take the self-assessment again once a year to keep it that way.",
            )
        )?;
    } else {
        match lang {
            Lang::Ja => writeln!(out, "見直しが必要な項目（{}件）", r.problems.len())?,
            Lang::En => writeln!(out, "Items that need attention ({})", r.problems.len())?,
        }
        for p in &r.problems {
            writeln!(out)?;
            writeln!(
                out,
                "No.{} {} — {}",
                p.number,
                p.title.get(lang),
                p.answer_label.get(lang)
            )?;
            writeln!(
                out,
                "  {} {}",
                t("なぜ大切か:", "Why it matters:"),
                p.advice.why.get(lang)
            )?;
            writeln!(
                out,
                "  {} {}",
                t("できている状態:", "What done looks like:"),
                p.advice.implemented.get(lang)
            )?;
            writeln!(out, "  {}", t("最初の一歩:", "First steps:"))?;
            for (i, step) in p.advice.steps.iter().enumerate() {
                writeln!(out, "    {}. {}", i + 1, step.get(lang))?;
            }
        }
    }

    if !r.unknown.is_empty() {
        writeln!(out)?;
        match lang {
            Lang::Ja => writeln!(
                out,
                "「わからない」と答えた項目（{}件）: 担当者や業者に確かめてから、答え直してください。",
                r.unknown.len()
            )?,
            Lang::En => writeln!(
                out,
                "Answered 'don't know' ({}): find out from the person or company responsible, then answer again.",
                r.unknown.len()
            )?,
        }
        for number in &r.unknown {
            let title = r
                .problems
                .iter()
                .find(|p| p.number == *number)
                .map(|p| p.title.get(lang));
            writeln!(out, "  No.{} {}", number, title.unwrap_or_default())?;
        }
    }
    Ok(())
}

/// One line: bar, points and label.
fn score_row(out: &mut String, score: i32, max: i32, label: &str) -> std::fmt::Result {
    writeln!(out, "  {} {score:>3} / {max:<3} {label}", bar(score, max))
}

/// A bar of `#` for the share of `max` reached and `-` for the rest; negative scores show empty.
fn bar(score: i32, max: i32) -> String {
    let filled = if max > 0 {
        score.clamp(0, max) * BAR_WIDTH / max
    } else {
        0
    };
    let filled = filled as usize;
    format!(
        "[{}{}]",
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH as usize - filled)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::Answer;
    use crate::scoring::score;
    use crate::scoring::tests::{all, edition, mixed};

    #[test]
    fn bars_scale_and_clamp() {
        assert_eq!(bar(20, 20), format!("[{}]", "#".repeat(20)));
        assert_eq!(
            bar(10, 20),
            format!("[{}{}]", "#".repeat(10), "-".repeat(10))
        );
        assert_eq!(bar(-5, 20), format!("[{}]", "-".repeat(20)));
        assert_eq!(bar(0, 0), format!("[{}]", "-".repeat(20)));
    }

    #[test]
    fn japanese_report_shows_scores_problems_and_unknowns() {
        let r = score(edition(), &mixed()).unwrap();
        let text = render_text(&r, Lang::Ja);
        assert!(text.contains("合計: 59点 / 100点"), "{text}");
        assert!(text.contains("9 / 20"), "{text}");
        assert!(text.contains("基本的対策 (1-5) 45.0%"), "{text}");
        assert!(text.contains("見直しが必要な項目（17件）"), "{text}");
        assert!(
            text.contains("No.3 パスワードの強さ — 一部実施している"),
            "{text}"
        );
        assert!(text.contains("最初の一歩:"));
        assert!(text.contains("「わからない」と答えた項目（1件）"));
        assert!(text.contains("  No.5 新しい手口の把握と共有"));
    }

    #[test]
    fn english_report_and_the_all_done_message() {
        let r = score(edition(), &all(Answer::Yes)).unwrap();
        let text = render_text(&r, Lang::En);
        assert!(text.contains("Total: 100 / 100 points"), "{text}");
        assert!(text.contains("Nothing needs attention"), "{text}");
        assert!(!text.contains("don't know"));
    }
}
