//! The documents from the command line: `mamori docs generate` writes an organisation's
//! basic policy, handbook or regulations as DOCX, PDF or HTML from what the store holds, with
//! `--set KEY=VALUE` for parameters; `mamori docs params` lists what each document needs.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use mamori_catalog::Lang;
use mamori_model::Scope;
use mamori_policies::{
    DocumentKind, Format, Input, Overrides, Params, PersonDetail, PolicyError, builtin_texts,
};

use crate::config::StorageArgs;

/// A document cannot be written because parameters are missing or wrong: the message lists
/// them with the `--set` to add. `main` turns it into exit status 2, so scripts can tell it
/// from other failures.
#[derive(Debug)]
pub struct MissingParameters(String);

impl std::fmt::Display for MissingParameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MissingParameters {}

/// `mamori docs …`.
#[derive(Subcommand)]
pub enum DocsCommand {
    /// Write a document of an organisation to a file.
    Generate(Box<GenerateArgs>),
    /// List every parameter a document needs, with its default and what to enter.
    Params(ParamsArgs),
}

/// Options of `mamori docs generate`.
#[derive(Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The organisation (its id, as `admin create-org` printed it).
    #[arg(long)]
    org: String,
    /// policy, handbook or regulations.
    #[arg(long)]
    kind: DocumentKind,
    /// docx, pdf or html.
    #[arg(long, default_value = "docx")]
    format: Format,
    /// Language of the document: ja or en [default: the saved draft's, else ja].
    #[arg(long)]
    lang: Option<Lang>,
    /// A company parameter, KEY=VALUE (repeatable); laid over the saved parameters.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Where to write it [default: KIND.FORMAT in this folder].
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
}

/// Options of `mamori docs params`.
#[derive(Args)]
pub struct ParamsArgs {
    /// policy, handbook or regulations.
    #[arg(long)]
    kind: DocumentKind,
    /// Language of the descriptions: ja or en.
    #[arg(long, default_value = "ja")]
    lang: Lang,
}

/// Runs a `docs` subcommand.
pub async fn run(cmd: DocsCommand) -> anyhow::Result<()> {
    match cmd {
        DocsCommand::Generate(args) => generate(*args).await,
        DocsCommand::Params(args) => params(&args),
    }
}

fn parse_sets(sets: &[String]) -> anyhow::Result<Params> {
    let mut params = Params::default();
    for set in sets {
        let Some((key, value)) = set.split_once('=') else {
            bail!(
                "--set {set:?} must look like KEY=VALUE, for example --set representative_name=山田太郎"
            );
        };
        params.set(key.trim(), value);
    }
    Ok(params)
}

async fn generate(args: GenerateArgs) -> anyhow::Result<()> {
    let overrides = Overrides {
        params: Some(parse_sets(&args.set)?),
        edits: None,
        lang: args.lang,
    };
    let store = args.storage.open().await?;
    let org = match store.org_store(&Scope::AllOrganisations, &args.org).await {
        Err(mamori_store::StoreError::NotFound) => {
            bail!("no organisation with id {}", args.org)
        }
        other => other?,
    };
    let built = mamori_policies::build(&org, args.kind, Lang::Ja, overrides).await?;
    store.close().await;
    let doc = match built.document {
        Ok(doc) => doc,
        Err(PolicyError::Params(problems)) => {
            let texts = builtin_texts()?;
            let mut message = format!("cannot write the {}: {problems}", args.kind);
            for key in &problems.missing {
                if let Some(p) = texts.param(key) {
                    message.push_str(&format!(
                        "\n  --set {key}=…   {} — {}",
                        p.label.en, p.help.en
                    ));
                }
            }
            return Err(MissingParameters(message).into());
        }
        Err(e) => return Err(e.into()),
    };
    let bytes = match args.format {
        Format::Docx => mamori_policies::docx(&doc)?,
        Format::Html => mamori_policies::html_page(&doc)?.into_bytes(),
        Format::Pdf => {
            let renderer =
                mamori_typst::TypstRenderer::new().context("cannot load the PDF fonts")?;
            mamori_policies::pdf(&renderer, &doc)?
        }
    };
    let output = args
        .output
        .unwrap_or_else(|| PathBuf::from(format!("{}.{}", args.kind, args.format.extension())));
    std::fs::write(&output, &bytes)
        .with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!(
        "{} for {} written to {} ({} bytes)",
        doc.title,
        doc.company,
        output.display(),
        bytes.len()
    );
    Ok(())
}

fn params(args: &ParamsArgs) -> anyhow::Result<()> {
    let texts = builtin_texts()?;
    for p in texts.params_for(args.kind) {
        let mut line = format!(
            "{:<26} {:<9} {}",
            p.key,
            if p.required { "required" } else { "optional" },
            p.label.get(args.lang)
        );
        if !p.choices.is_empty() {
            let values: Vec<&str> = p.choices.iter().map(|c| c.value.as_str()).collect();
            line.push_str(&format!(" [{}]", values.join("|")));
        }
        if let Some(d) = &p.default {
            line.push_str(&format!(" (default {d})"));
        }
        println!("{line}\n{:<37}{}", "", p.help.get(args.lang));
        if p.input == Input::Person {
            for detail in PersonDetail::ALL {
                println!(
                    "{:<26} {:<9} {}",
                    detail.key(&p.key),
                    "optional",
                    detail.label(&texts.labels).get(args.lang)
                );
            }
        }
    }
    Ok(())
}
