//! The text of a PDF as poppler's `pdftotext` reads it, so tests check what a reader of the
//! file would see. Where `pdftotext` is not installed the check is skipped with a note, except
//! in CI (`CI` set), which installs poppler-utils: there a missing tool is a failure.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The text of `pdf` (UTF-8, in reading order with the page layout kept), or `None` where
/// `pdftotext` is not installed outside CI.
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path: PathBuf = std::env::temp_dir().join(format!(
        "mamori-pdf-{}-{}.pdf",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, pdf).expect("write the PDF");
    let output = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output();
    let _ = std::fs::remove_file(&path);
    match output {
        Ok(output) => {
            assert!(output.status.success(), "pdftotext failed: {output:?}");
            Some(String::from_utf8(output.stdout).expect("UTF-8 text"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var_os("CI").is_none(),
                "pdftotext is missing in CI (Debian package poppler-utils)"
            );
            println!("skipped: pdftotext not installed (Debian package poppler-utils)");
            None
        }
        Err(e) => panic!("pdftotext could not be run: {e}"),
    }
}
