//! Shared by the conformance test and the benchmarks: where the public Sigma data is, and
//! reading the regression cases' JSON events.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `MAMORI_SIGMA_DATA`, or `../shared/data/sigma` beside the workspace.
pub fn data_dir() -> PathBuf {
    std::env::var_os("MAMORI_SIGMA_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/sigma"
            ))
        })
}

/// Every file named `name` (or, when `name` starts with '.', ending so) under `dir`.
pub fn files_named(dir: &Path, name: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            files_named(&path, name, out);
        } else if file == name || (name.starts_with('.') && file.ends_with(name)) {
            out.push(path);
        }
    }
    out.sort();
}

/// The JSON events of a file holding one or more concatenated JSON objects.
pub fn json_events(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    serde_json::Deserializer::from_str(&text)
        .into_iter::<Value>()
        .map_while(Result::ok)
        .collect()
}
