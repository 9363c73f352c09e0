//! # ramjet-lint
//!
//! RAM's policy check, offline: findings in RAM's four classes (error, security warning, general
//! warning, suggestion; [`Severity`]), each with a stable rule code ([`RULES`]), the JSON path
//! and the line and column in the file, and a message that says what will happen at decision
//! time. The checks know the action catalogs of `corpus/catalog/` ([`Catalog`]); a service
//! without a catalog gets the grammar and semantic checks only, and the report names it.
//!
//! ```
//! use ramjet_lint::{lint_document, Catalog};
//! let doc = br#"{"Version": "1", "Statement": [
//!   {"Effect": "Allow", "Action": "eas:CreateServices", "Resource": "*"}]}"#;
//! let report = lint_document(doc, None, Catalog::bundled());
//! let finding = &report.findings[0];
//! assert_eq!((finding.rule.code, finding.path.as_str()), ("RJ101", "Statement[0].Action"));
//! assert!(finding.message.contains("did you mean eas:CreateService?"));
//! assert_eq!((finding.position.line, finding.position.column), (2, 33));
//! ```
//!
//! Output formats (text, JSON, SARIF 2.1.0) are [`output`]'s; suppressions (rules turned off
//! per run or per statement `Sid`, baselines) are [`Suppressions`]'.

pub mod catalog;
mod checks;
pub mod glob;
pub mod locate;
pub mod output;
pub mod rules;
mod suppress;
pub mod terraform;

pub use catalog::Catalog;
pub use locate::Position;
pub use rules::{rule, Rule, Severity, RULES};
pub use suppress::{Baseline, Suppressions};
pub use terraform::Embedded;

use ramjet_compiler::json::{self, Json};
use ramjet_compiler::{Diagnostic, JsonPath, PolicyKind};
use std::collections::BTreeSet;

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule that found it.
    pub rule: &'static Rule,
    /// The JSON path in the document (`Statement[1].Resource[0]`; `(root)` for the document).
    pub path: String,
    /// Where that path's value starts in the file.
    pub position: Position,
    /// What will happen at decision time, and what to do.
    pub message: String,
    /// The `Sid` of the statement the finding is in, if it has one.
    pub sid: Option<String>,
}

impl Finding {
    /// The finding's class.
    pub fn severity(&self) -> Severity {
        self.rule.severity
    }
}

/// What linting one document found.
#[derive(Debug, Clone)]
pub struct DocumentReport {
    /// The kind the document was checked as.
    pub kind: PolicyKind,
    /// The findings, in document order.
    pub findings: Vec<Finding>,
    /// Services the document names that have no catalog (lowercase RAM codes): only the grammar
    /// and semantic checks applied to their actions.
    pub uncatalogued: BTreeSet<String>,
    /// False when the document was too large to check completely: the work budget ran out
    /// and some catalog or overlap rules were not asked (what was found still holds).
    pub complete: bool,
}

/// Lints one policy document. `kind` is guessed when `None` (a document whose statements have a
/// `Principal` is resource-based, any other an identity policy), as `ramjet validate` does.
pub fn lint_document(bytes: &[u8], kind: Option<PolicyKind>, catalog: &Catalog) -> DocumentReport {
    match read(bytes) {
        Some((document, offsets)) => lint_read(bytes, &document, &offsets, kind, catalog),
        None => unreadable(bytes, kind),
    }
}

/// The document with where each value starts, unless it is too big, starts with a byte order
/// mark or is not JSON (then [`unreadable`] reports why).
fn read(bytes: &[u8]) -> Option<(Json, Vec<usize>)> {
    (bytes.len() <= json::MAX_DOCUMENT_BYTES && !bytes.starts_with(b"\xEF\xBB\xBF"))
        .then(|| json::read_with_offsets(bytes).ok())
        .flatten()
}

/// A document that does not read: the validator says why and where.
fn unreadable(bytes: &[u8], kind: Option<PolicyKind>) -> DocumentReport {
    let kind = kind.unwrap_or(PolicyKind::Identity);
    let diagnostics = match ramjet_compiler::parse_policy(bytes, kind) {
        Ok(parsed) => parsed.warnings,
        Err(diagnostics) => diagnostics,
    };
    DocumentReport {
        kind,
        findings: validator_findings(&diagnostics, &locate::Locator::default()),
        uncatalogued: BTreeSet::new(),
        complete: true,
    }
}

/// Lints a document read once: the validator's findings, then the checks when it accepts it.
fn lint_read(
    bytes: &[u8],
    document: &Json,
    offsets: &[usize],
    kind: Option<PolicyKind>,
    catalog: &Catalog,
) -> DocumentReport {
    let kind = kind.unwrap_or_else(|| ramjet_compiler::guess_kind_of(document));
    let locator = locate::Locator::new(bytes, document, offsets);
    let mut diagnostics = ramjet_compiler::diagnostic::Diagnostics::default();
    let policy =
        ramjet_compiler::read_policy_document(document, &JsonPath::root(), kind, &mut diagnostics);
    let failed = diagnostics.has_errors();
    let mut report = DocumentReport {
        kind,
        findings: validator_findings(&diagnostics.into_vec(), &locator),
        uncatalogued: BTreeSet::new(),
        complete: true,
    };
    if let (Some(policy), false) = (policy, failed) {
        let mut checked = checks::check(&policy, document, kind, catalog);
        report.uncatalogued = std::mem::take(&mut checked.uncatalogued);
        report.complete = !checked.incomplete;
        for raw in checked.findings {
            report.findings.push(Finding {
                position: locator.position(&raw.path),
                rule: raw.rule,
                path: raw.path,
                message: raw.message,
                sid: raw.sid,
            });
        }
    }
    report
        .findings
        .sort_by(|a, b| (a.position, a.rule.code).cmp(&(b.position, b.rule.code)));
    report
}

/// Lints a file: a policy document as [`lint_document`] does, or a Terraform JSON plan
/// (`terraform show -json`) or `.tf.json` configuration, whose `alicloud_ram_policy` and
/// `alicloud_ram_role` documents are linted each, as the resource type says ([`terraform`];
/// `kind` is then not used). A finding in an embedded document has the path
/// `<path of the document string>:<path in the document>`, is placed at the string, and its
/// message starts with the resource's address.
pub fn lint_file(bytes: &[u8], kind: Option<PolicyKind>, catalog: &Catalog) -> DocumentReport {
    let Some((document, offsets)) = read(bytes) else {
        return unreadable(bytes, kind);
    };
    let is_policy = matches!(&document, Json::Object(members)
        if members.iter().any(|(name, _)| name == "Statement" || name == "Version"));
    let embedded = if is_policy {
        None
    } else {
        terraform::documents(&document)
    };
    let Some(embedded) = embedded else {
        return lint_read(bytes, &document, &offsets, kind, catalog);
    };
    let locator = locate::Locator::new(bytes, &document, &offsets);
    let mut report = DocumentReport {
        kind: PolicyKind::Identity,
        findings: Vec::new(),
        uncatalogued: BTreeSet::new(),
        complete: true,
    };
    for found in embedded {
        let inner = lint_document(found.text.as_bytes(), Some(found.kind), catalog);
        let position = locator.position(&found.path.to_string());
        report.uncatalogued.extend(inner.uncatalogued);
        report.complete &= inner.complete;
        report
            .findings
            .extend(inner.findings.into_iter().map(|f| Finding {
                path: format!("{}:{}", found.path, f.path),
                position,
                message: format!("{}: {}", found.address, f.message),
                ..f
            }));
    }
    report
}

/// The validator's errors (RJ100) and warnings (RJ300), placed in the file.
fn validator_findings(diagnostics: &[Diagnostic], locator: &locate::Locator) -> Vec<Finding> {
    diagnostics
        .iter()
        .map(|d| {
            let rule_code = match d.severity {
                ramjet_compiler::Severity::Error => "RJ100",
                ramjet_compiler::Severity::Warning => "RJ300",
            };
            let position =
                syntax_position(&d.location).unwrap_or_else(|| locator.position(&d.location));
            Finding {
                rule: rules::get(rule_code),
                path: d.location.clone(),
                position,
                message: d.message.clone(),
                sid: None,
            }
        })
        .collect()
}

/// A syntax error's location, `line 3, column 7`.
fn syntax_position(location: &str) -> Option<Position> {
    let rest = location.strip_prefix("line ")?;
    let (line, column) = rest.split_once(", column ")?;
    // The reader counts an error before the first character (an empty file) as column 0.
    Some(Position {
        line: line.parse::<usize>().ok()?.max(1),
        column: column.parse::<usize>().ok()?.max(1),
    })
}

/// The statement objects of a document with their paths: `Statement[i]`, or `Statement` for a
/// single statement object.
pub(crate) fn statement_objects(document: &Json) -> Vec<(JsonPath, &Json)> {
    let root = JsonPath::root();
    let Json::Object(members) = document else {
        return Vec::new();
    };
    match members.iter().find(|(name, _)| name == "Statement") {
        Some((_, Json::Array(items))) => items
            .iter()
            .enumerate()
            .map(|(i, item)| (root.key("Statement").index(i), item))
            .collect(),
        Some((_, single)) => vec![(root.key("Statement"), single)],
        None => Vec::new(),
    }
}
