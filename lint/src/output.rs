//! The three output formats of `ramjet lint`: text for people (grouped by file, one line per
//! finding, like a compiler), JSON for scripts (the shape `docs/interfaces.md` fixes), and SARIF
//! 2.1.0 for code-scanning services (rules with help text, results with regions).

use crate::{Finding, Severity, RULES};
use serde::Serialize;
use serde_sarif::sarif;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The findings of one file, as printed.
#[derive(Debug, Clone)]
pub struct FileFindings {
    /// The file's name as given (directories expanded).
    pub file: String,
    /// Its findings, in document order.
    pub findings: Vec<Finding>,
}

/// Counts by class, for the summary line.
fn counts(files: &[FileFindings]) -> [usize; 4] {
    let mut counts = [0; 4];
    for finding in files.iter().flat_map(|f| &f.findings) {
        let slot = match finding.severity() {
            Severity::Error => 0,
            Severity::SecurityWarning => 1,
            Severity::Warning => 2,
            Severity::Suggestion => 3,
        };
        if let Some(count) = counts.get_mut(slot) {
            *count += 1;
        }
    }
    counts
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// `FILE:LINE:COLUMN: severity[CODE name]: message (JSON path)`, then a summary line.
pub fn text(files: &[FileFindings], suppressed: usize) -> String {
    let mut out = String::new();
    for file in files {
        for f in &file.findings {
            let _ = writeln!(
                out,
                "{}:{}:{}: {}[{} {}]: {} ({})",
                file.file,
                f.position.line,
                f.position.column,
                f.severity().as_str().replace('_', " "),
                f.rule.code,
                f.rule.name,
                f.message,
                f.path
            );
        }
    }
    let [errors, security, warnings, suggestions] = counts(files);
    let _ = write!(
        out,
        "{} linted: {}, {}, {}, {}",
        plural(files.len(), "file"),
        plural(errors, "error"),
        plural(security, "security warning"),
        plural(warnings, "warning"),
        plural(suggestions, "suggestion")
    );
    if suppressed > 0 {
        let _ = write!(out, " ({suppressed} suppressed)");
    }
    out.push('\n');
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    file: &'a str,
    rule: &'a str,
    severity: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

/// `{"findings": [{"file", "rule", "severity", "path", "line", "column", "message"}]}`.
pub fn json(files: &[FileFindings]) -> String {
    let findings = files
        .iter()
        .flat_map(|file| {
            file.findings.iter().map(|f| JsonFinding {
                file: &file.file,
                rule: f.rule.code,
                severity: f.severity().as_str(),
                path: &f.path,
                line: f.position.line,
                column: f.position.column,
                message: &f.message,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&JsonReport { findings })
        .unwrap_or_else(|_| "{\"findings\": []}".to_string());
    text.push('\n');
    text
}

fn level(severity: Severity) -> sarif::ResultLevel {
    match severity {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::SecurityWarning | Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Suggestion => sarif::ResultLevel::Note,
    }
}

fn level_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::SecurityWarning | Severity::Warning => "warning",
        Severity::Suggestion => "note",
    }
}

/// Properties GitHub code scanning reads: tags, and a `security-severity` score for security
/// warnings (7.0: "high").
fn rule_properties(severity: Severity) -> sarif::PropertyBag {
    let mut extra = BTreeMap::new();
    let mut tags = vec!["ram-policy".to_string()];
    if severity == Severity::SecurityWarning {
        tags.push("security".to_string());
        extra.insert("security-severity".to_string(), serde_json::json!("7.0"));
    }
    extra.insert(
        "ram-class".to_string(),
        serde_json::json!(severity.as_str()),
    );
    sarif::PropertyBag::builder()
        .tags(tags)
        .additional_properties(extra)
        .build()
}

/// A SARIF 2.1.0 log with one run: every rule, and one result per finding.
pub fn sarif(files: &[FileFindings]) -> String {
    let rules: Vec<sarif::ReportingDescriptor> = RULES
        .iter()
        .map(|rule| {
            sarif::ReportingDescriptor::builder()
                .id(rule.code)
                .name(rule.name)
                .short_description(&rule.summary.to_string())
                .full_description(&rule.help.to_string())
                .help(&format!(
                    "{}\n\nRun `ramjet lint --explain {}` for this text.",
                    rule.help, rule.code
                ))
                .default_configuration(
                    sarif::ReportingConfiguration::builder()
                        .level(serde_json::json!(level_name(rule.severity)))
                        .build(),
                )
                .properties(rule_properties(rule.severity))
                .build()
        })
        .collect();
    let results: Vec<sarif::Result> = files
        .iter()
        .flat_map(|file| file.findings.iter().map(move |f| result(&file.file, f)))
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("ramjet-lint")
        .full_name("ramjet lint: RAM policy checks")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .results(results)
        .build();
    let log = sarif::Sarif::builder()
        .schema(sarif::SCHEMA_URL)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

fn result(file: &str, finding: &Finding) -> sarif::Result {
    let index = RULES
        .iter()
        .position(|r| r.code == finding.rule.code)
        .unwrap_or(0);
    let region = sarif::Region::builder()
        .start_line(i64::try_from(finding.position.line).unwrap_or(i64::MAX))
        .start_column(i64::try_from(finding.position.column).unwrap_or(i64::MAX))
        .build();
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(sarif::ArtifactLocation::builder().uri(uri(file)).build())
        .region(region)
        .build();
    let logical = sarif::LogicalLocation::builder()
        .fully_qualified_name(finding.path.clone())
        .kind("element")
        .build();
    let location = sarif::Location::builder()
        .physical_location(physical)
        .logical_locations(vec![logical])
        .build();
    let mut fingerprint = BTreeMap::new();
    fingerprint.insert(
        "ramjetPath/v1".to_string(),
        format!("{}:{}", finding.rule.code, finding.path),
    );
    sarif::Result::builder()
        .rule_id(finding.rule.code)
        .rule_index(i64::try_from(index).unwrap_or(0))
        .level(level(finding.severity()))
        .message(&finding.message)
        .locations(vec![location])
        .partial_fingerprints(fingerprint)
        .build()
}

/// A file name as a relative URI reference: `/` separators, and the few characters a URI
/// cannot hold percent-encoded.
fn uri(file: &str) -> String {
    let mut out = String::with_capacity(file.len());
    for c in file.replace('\\', "/").chars() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            c => out.push(c),
        }
    }
    out.strip_prefix("./").map(str::to_string).unwrap_or(out)
}
