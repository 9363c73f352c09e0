//! Reading input files and reporting their faults on stderr as `ramjet: FILE: PATH: reason`;
//! writing results to stdout.

use ramjet_compiler::{Diagnostic, Severity};
use std::path::Path;

/// Reads a whole file, or prints why it cannot be read.
pub fn read(path: &Path) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(error) => {
            eprintln!("ramjet: {}: cannot read: {error}", path.display());
            None
        }
    }
}

/// Prints a file's errors (not its warnings) on stderr.
pub fn report_errors(path: &Path, diagnostics: &[Diagnostic]) {
    for d in diagnostics.iter().filter(|d| d.severity == Severity::Error) {
        eprintln!("ramjet: {}: {}: {}", path.display(), d.location, d.message);
    }
}

/// Writes `text` to stdout. A closed pipe (`ramjet ... | head`) is not an error worth a panic:
/// the reader has what it wanted.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
