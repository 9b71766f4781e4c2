//! Rule sources: the YAML texts the detector compiles, read from the folders and files the
//! caller names or taken from the built-in pack. Reading is the only I/O in rule loading.

use std::path::{Path, PathBuf};

use rust_embed::RustEmbed;

use crate::error::DetectError;

/// One YAML file of rules (it may hold several documents: rules, correlations, filters).
#[derive(Debug, Clone)]
pub struct RuleText {
    /// Where it came from: the file path, or `mamori:<file>` for the built-in pack.
    pub origin: String,
    /// The YAML text.
    pub text: String,
}

/// mamori's own rule pack, compiled into the binary.
#[derive(RustEmbed)]
#[folder = "rules/mamori/"]
struct Pack;

/// The built-in SME rule pack, in file-name order.
pub fn builtin_pack() -> Vec<RuleText> {
    let mut names: Vec<_> = Pack::iter().filter(|n| n.ends_with(".yml")).collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|name| {
            let file = Pack::get(&name)?;
            let text = String::from_utf8_lossy(&file.data).into_owned();
            Some(RuleText {
                origin: format!("mamori:{name}"),
                text,
            })
        })
        .collect()
}

/// Reads every `.yml` / `.yaml` file under `path` (a folder, searched recursively, or one
/// file), in path order so reports are stable.
pub fn read_rules(path: &Path) -> Result<Vec<RuleText>, DetectError> {
    let mut files = Vec::new();
    collect_yaml(path, &mut files)?;
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).map_err(|source| DetectError::Read {
                path: file.clone(),
                source,
            })?;
            Ok(RuleText {
                origin: file.display().to_string(),
                text,
            })
        })
        .collect()
}

fn collect_yaml(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), DetectError> {
    let meta = std::fs::metadata(path).map_err(|source| DetectError::Read {
        path: path.to_owned(),
        source,
    })?;
    if meta.is_file() {
        out.push(path.to_owned());
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|source| DetectError::Read {
        path: path.to_owned(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| DetectError::Read {
            path: path.to_owned(),
            source,
        })?;
        let child = entry.path();
        if child.is_dir() {
            collect_yaml(&child, out)?;
        } else if child
            .extension()
            .is_some_and(|ext| ext == "yml" || ext == "yaml")
        {
            out.push(child);
        }
    }
    Ok(())
}
