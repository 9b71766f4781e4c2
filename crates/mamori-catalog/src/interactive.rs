//! The terminal questionnaire of `mamori diagnose` without an answer file: asks every item part
//! by part and re-asks until the answer is understood.

use crate::answer::{Answer, Answers};
use crate::assessment::SelfAssessment;
use crate::text::Lang;
use std::io::{BufRead, Write};

/// The questionnaire could not be finished.
#[derive(Debug, thiserror::Error)]
pub enum InteractiveError {
    /// Reading the answers or writing the questions failed.
    #[error("terminal input/output failed: {0}")]
    Io(#[from] std::io::Error),
    /// The input ended before every item was answered.
    #[error("input ended after {answered} of {total} answers")]
    EndOfInput {
        /// Items answered before the input ended.
        answered: usize,
        /// Items in the questionnaire.
        total: usize,
    },
}

/// Asks every item of `catalog` on `output` and reads the answers from `input`. Each answer may
/// be the choice number 1-4, the word (`yes`, `partial`, `no`, `unknown`) or the label in
/// `lang`; anything else is explained and asked again.
pub fn ask_interactively<R: BufRead, W: Write>(
    catalog: &SelfAssessment,
    lang: Lang,
    mut input: R,
    mut output: W,
) -> Result<Answers, InteractiveError> {
    let total = catalog.items.len();
    let mut answers = Answers::new();
    let choices: Vec<String> = catalog
        .answers
        .options()
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{}) {}", i + 1, o.label.get(lang)))
        .collect();
    let choices = choices.join("   ");

    for (part_index, part) in catalog.parts.iter().enumerate() {
        writeln!(
            output,
            "\n== Part {} {} ==",
            part_index + 1,
            part.name.get(lang)
        )?;
        for item in catalog.part_items(&part.id) {
            let position = answers.len() + 1;
            writeln!(
                output,
                "\n[{position}/{total}] No.{} {}",
                item.number,
                item.title.get(lang)
            )?;
            writeln!(output, "{}", item.question.get(lang))?;
            for note in catalog.notes_for(item) {
                writeln!(
                    output,
                    "  {} {}: {}",
                    note.mark,
                    note.term.get(lang),
                    note.text.get(lang)
                )?;
            }
            writeln!(output, "  {choices}")?;
            let answer = loop {
                write!(output, "> ")?;
                output.flush()?;
                let mut line = String::new();
                if input.read_line(&mut line)? == 0 {
                    writeln!(output)?;
                    return Err(InteractiveError::EndOfInput {
                        answered: answers.len(),
                        total,
                    });
                }
                match read_choice(catalog, lang, &line) {
                    Some(answer) => break answer,
                    None => writeln!(
                        output,
                        "{}",
                        lang.pick(
                            "答えがわかりませんでした。1〜4 の番号か、yes / partial / no / unknown のどれかを入力してください。",
                            "Sorry, that is not one of the answers. Type a number from 1 to 4, or yes, partial, no or unknown.",
                        )
                    )?,
                }
            };
            answers.insert(item.number, answer);
        }
    }
    Ok(answers)
}

/// Understands `1`-`4`, an answer word, or a label in `lang`.
fn read_choice(catalog: &SelfAssessment, lang: Lang, line: &str) -> Option<Answer> {
    let line = line.trim();
    let options = catalog.answers.options();
    line.parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| options.get(i))
        .map(|o| o.id)
        .or_else(|| Answer::from_word(line))
        .or_else(|| {
            options
                .iter()
                .find(|o| o.label.get(lang) == line)
                .map(|o| o.id)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::tests::edition;

    fn run(input: &str, lang: Lang) -> (Result<Answers, InteractiveError>, String) {
        let mut output = Vec::new();
        let result = ask_interactively(
            &edition().self_assessment,
            lang,
            input.as_bytes(),
            &mut output,
        );
        (result, String::from_utf8(output).unwrap())
    }

    #[test]
    fn accepts_numbers_words_and_labels() {
        let mut input = String::from("1\n2\nno\nUnknown\n実施している\n");
        input.push_str(&"1\n".repeat(20));
        let (answers, output) = run(&input, Lang::Ja);
        let answers = answers.unwrap();
        assert_eq!(answers.len(), 25);
        let first: Vec<Answer> = (1..=5).map(|n| answers.get(n).unwrap()).collect();
        assert_eq!(
            first,
            [
                Answer::Yes,
                Answer::Partial,
                Answer::No,
                Answer::Unknown,
                Answer::Yes
            ]
        );
        assert!(output.contains("== Part 1 基本的対策 =="), "{output}");
        assert!(output.contains("== Part 3 組織としての対策 =="));
        assert!(output.contains("[7/25] No.7"));
        assert!(output.contains("[25/25] No.25"));
        assert!(
            output.contains(
                "1) 実施している   2) 一部実施している   3) 実施していない   4) わからない"
            )
        );
        assert!(
            output.contains("※1 定義ファイル:"),
            "the footnote is shown with item 2"
        );
    }

    #[test]
    fn bad_input_is_explained_and_asked_again() {
        let input = format!("5\nmaybe\n\n2\n{}", "1\n".repeat(24));
        let (answers, output) = run(&input, Lang::En);
        assert_eq!(answers.unwrap().get(1), Some(Answer::Partial));
        assert_eq!(
            output
                .matches("Sorry, that is not one of the answers")
                .count(),
            3,
            "{output}"
        );
        assert_eq!(
            output.matches("[1/25]").count(),
            1,
            "the question is not repeated, only the prompt"
        );
    }

    #[test]
    fn input_ending_early_is_an_error() {
        let (result, _) = run("1\n1\n", Lang::Ja);
        assert!(matches!(
            result,
            Err(InteractiveError::EndOfInput {
                answered: 2,
                total: 25
            })
        ));
    }
}
