//! `ramjet validate`: check policy documents against every rule of the spec and RAM's limits.

use crate::files::read;
use crate::{FileArg, Format, EXIT_ERROR};
use clap::{Args, ValueEnum};
use ramjet_compiler::{guess_kind, parse_policy, Diagnostic, PolicyKind, Severity};
use serde::Serialize;

/// Check policy documents: exit 0 when no file has an error, 1 when one has, 2 on usage or I/O
/// errors.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    ramjet validate corpus/policies/seeds/*.json\n  \
    ramjet validate corpus/examples/broken-policy.json\n  \
    ramjet validate --kind resource --format json corpus/policies/seeds/pai-trust-saml-and-service.json\n\n\
    Without --kind, a document whose statements have a Principal is read as resource-based,\n\
    any other as an identity policy.")]
pub struct ValidateArgs {
    /// The kind every file is checked as (decides which members are legal and which size limit applies)
    #[arg(long, value_enum)]
    kind: Option<KindArg>,

    /// text: one line per finding; json: {"files": [...], "errors", "warnings"}
    #[arg(long, value_enum, default_value = "text")]
    format: Format,

    /// Policy documents
    #[arg(required = true, value_name = "FILE")]
    files: Vec<FileArg>,
}

/// `--kind`, as `validate` and `lint` take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum KindArg {
    Identity,
    Session,
    Resource,
    Control,
}

impl From<KindArg> for PolicyKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Identity => PolicyKind::Identity,
            KindArg::Session => PolicyKind::Session,
            KindArg::Resource => PolicyKind::Resource,
            KindArg::Control => PolicyKind::Control,
        }
    }
}

/// `--format json`: `{"files": [...], "errors", "warnings"}`.
#[derive(Serialize)]
struct Report<'a> {
    files: Vec<FileReport<'a>>,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct FileReport<'a> {
    file: &'a str,
    kind: &'static str,
    valid: bool,
    diagnostics: Vec<DiagnosticJson<'a>>,
}

#[derive(Serialize)]
struct DiagnosticJson<'a> {
    severity: &'static str,
    path: &'a str,
    message: &'a str,
}

pub fn run(args: &ValidateArgs) -> u8 {
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut io_failed = false;
    let mut reports = Vec::new();
    for path in &args.files {
        let Some(bytes) = read(path) else {
            io_failed = true;
            continue;
        };
        let kind = args
            .kind
            .map_or_else(|| guess_kind(&bytes), PolicyKind::from);
        let diagnostics = match parse_policy(&bytes, kind) {
            Ok(parsed) => parsed.warnings,
            Err(diagnostics) => diagnostics,
        };
        reports.push((path.display().to_string(), kind, diagnostics));
    }
    let count = |severity| {
        reports
            .iter()
            .flat_map(|(_, _, d)| d.iter())
            .filter(|d: &&Diagnostic| d.severity == severity)
            .count()
    };
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    match args.format {
        Format::Json => {
            let files = reports
                .iter()
                .map(|(file, kind, diagnostics)| FileReport {
                    file,
                    kind: kind.as_str(),
                    valid: !diagnostics.iter().any(|d| d.severity == Severity::Error),
                    diagnostics: diagnostics
                        .iter()
                        .map(|d| DiagnosticJson {
                            severity: d.severity.as_str(),
                            path: &d.location,
                            message: &d.message,
                        })
                        .collect(),
                })
                .collect();
            let report = Report {
                files,
                errors,
                warnings,
            };
            let _ = writeln!(out, "{}", crate::explain::to_json(&report));
        }
        Format::Text => {
            for (file, kind, diagnostics) in &reports {
                if diagnostics.is_empty() {
                    let _ = writeln!(out, "{file}: ok ({} policy)", kind.as_str());
                }
                for d in diagnostics {
                    let _ = writeln!(
                        out,
                        "{file}: {}: {}: {}",
                        d.severity.as_str(),
                        d.location,
                        d.message
                    );
                }
            }
            let _ = writeln!(
                out,
                "{} file(s), {errors} error(s), {warnings} warning(s)",
                reports.len()
            );
        }
    }
    crate::files::emit(&out);
    if io_failed {
        EXIT_ERROR
    } else if errors > 0 {
        1
    } else {
        0
    }
}
