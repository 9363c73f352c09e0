//! `ramjet lint`: RAM's policy check offline, over files, directories and bundles, with text,
//! JSON and SARIF output and an exit status for CI.

use crate::validate::KindArg;
use crate::EXIT_ERROR;
use clap::{Args, ValueEnum};
use ramjet_compiler::PolicyKind;
use ramjet_lint::output::{self, FileFindings};
use ramjet_lint::{lint_file, Baseline, Catalog, Severity, Suppressions, RULES};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Lint RAM policy documents: errors RAM would refuse, statements that can never apply, grants
/// wider than they look, and simplifications (RAM's four classes of findings).
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    ramjet lint corpus/policies/\n  \
    ramjet lint --format sarif policies/ > ramjet.sarif\n  \
    ramjet lint --fail-on security_warning --disable RJ203@PowerUser policy.json\n  \
    ramjet lint --format json policies/ > baseline.json; ramjet lint --baseline baseline.json policies/\n  \
    ramjet lint --explain RJ201\n\n\
    A directory is searched for *.json files; in a bundle (a directory with bundle.json) the\n\
    manifest says which policies are control and trust policies, and a MANIFEST.tsv of\n\
    file<TAB>kind rows gives its directory's kinds. Without --kind or a manifest, files with a\n\
    Principal are read as resource-based policies, the rest as identity policies.\n\n\
    Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 when an input cannot\n\
    be read (the others are still linted).")]
pub struct LintArgs {
    /// text: one line per finding, like a compiler; json: {"findings": [...]}; sarif: SARIF 2.1.0
    #[arg(long, value_enum, default_value = "text")]
    format: LintFormat,

    /// The least severe class that makes the exit status 1
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,

    /// Check every file as this kind of policy
    #[arg(long, value_enum)]
    kind: Option<KindArg>,

    /// Turn a rule off (code or name), or off for the statements with one Sid: RULE@SID
    #[arg(long, value_name = "RULE[@SID]")]
    disable: Vec<String>,

    /// Leave out the findings of an earlier `--format json` run (matched by file, rule and path)
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Print a rule's documentation (with no RULE: list every rule) and exit
    #[arg(long, value_name = "RULE", num_args = 0..=1, default_missing_value = "")]
    explain: Option<String>,

    /// Policy files, directories of them, bundle directories, or Terraform JSON (plans from
    /// `terraform show -json`, `.tf.json` files): their alicloud_ram_policy and alicloud_ram_role
    /// documents
    #[arg(value_name = "PATH", required_unless_present = "explain")]
    paths: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LintFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    #[value(name = "security_warning")]
    SecurityWarning,
    Warning,
    Suggestion,
}

impl From<FailOn> for Severity {
    fn from(value: FailOn) -> Self {
        match value {
            FailOn::Error => Severity::Error,
            FailOn::SecurityWarning => Severity::SecurityWarning,
            FailOn::Warning => Severity::Warning,
            FailOn::Suggestion => Severity::Suggestion,
        }
    }
}

pub fn run(args: &LintArgs) -> u8 {
    if let Some(rule) = &args.explain {
        return explain(rule);
    }
    let suppressions = match Suppressions::parse(&args.disable) {
        Ok(s) => s,
        Err(message) => {
            eprintln!("ramjet: {message}");
            return EXIT_ERROR;
        }
    };
    let baseline = match &args.baseline {
        None => Baseline::default(),
        Some(path) => match crate::files::read(path).map(|bytes| Baseline::parse(&bytes)) {
            Some(Ok(baseline)) => baseline,
            Some(Err(message)) => {
                eprintln!("ramjet: {}: {message}", path.display());
                return EXIT_ERROR;
            }
            None => return EXIT_ERROR,
        },
    };
    let mut unreadable = false;
    let mut inputs = Vec::new();
    for path in &args.paths {
        unreadable |= !collect(path, &mut inputs);
    }
    let catalog = Catalog::bundled();
    let mut files = Vec::new();
    let mut uncatalogued = BTreeSet::new();
    let mut suppressed = 0;
    for input in inputs {
        let Some(bytes) = crate::files::read(&input.path) else {
            unreadable = true;
            continue;
        };
        let kind = args.kind.map(PolicyKind::from).or(input.kind);
        let report = lint_file(&bytes, kind, catalog);
        uncatalogued.extend(report.uncatalogued);
        let name = input.path.display().to_string();
        if !report.complete {
            eprintln!(
                "ramjet: {name}: too large to check completely; some catalog and overlap rules were skipped"
            );
        }
        let before = report.findings.len();
        let findings: Vec<_> = report
            .findings
            .into_iter()
            .filter(|f| !suppressions.suppresses(f) && !baseline.contains(&name, f))
            .collect();
        suppressed += before - findings.len();
        files.push(FileFindings {
            file: name,
            findings,
        });
    }
    if !uncatalogued.is_empty() {
        let list: Vec<String> = uncatalogued.into_iter().collect();
        eprintln!(
            "ramjet: no action catalog for {}: their actions get the grammar and semantic checks only",
            list.join(", ")
        );
    }
    let text = match args.format {
        LintFormat::Text => output::text(&files, suppressed),
        LintFormat::Json => output::json(&files),
        LintFormat::Sarif => output::sarif(&files),
    };
    crate::files::emit(&text);
    let threshold = Severity::from(args.fail_on);
    if unreadable {
        EXIT_ERROR
    } else if files
        .iter()
        .flat_map(|f| &f.findings)
        .any(|f| f.severity() >= threshold)
    {
        1
    } else {
        0
    }
}

fn explain(rule: &str) -> u8 {
    let text = if rule.is_empty() {
        let mut text = String::new();
        for r in RULES {
            text.push_str(&format!(
                "{} {:<42} {:<16} {}\n",
                r.code,
                r.name,
                r.severity.as_str(),
                r.summary
            ));
        }
        text
    } else if let Some(r) = ramjet_lint::rule(rule) {
        format!(
            "{} {} ({})\n{}\n\n{}\n",
            r.code,
            r.name,
            r.severity.as_str(),
            r.summary,
            wrap(r.help, 96)
        )
    } else {
        eprintln!("ramjet: no rule {rule:?}; `ramjet lint --explain` lists them");
        return EXIT_ERROR;
    };
    crate::files::emit(&text);
    0
}

fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line_len = 0;
    for word in text.split_whitespace() {
        if line_len > 0 && line_len + 1 + word.chars().count() > width {
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += word.chars().count();
    }
    out
}

/// A file to lint, with the kind a bundle manifest gives it.
struct Input {
    path: PathBuf,
    kind: Option<PolicyKind>,
}

/// Adds a file, or a directory's `*.json` files (sorted, recursively), with the kinds manifests
/// give them; false when a path cannot be read.
fn collect(path: &Path, out: &mut Vec<Input>) -> bool {
    let mut kinds = HashMap::new();
    let before = out.len();
    let ok = walk(path, out, &mut kinds);
    for input in out.iter_mut().skip(before) {
        if let Some(kind) = kinds.get(&input.path) {
            input.kind = Some(*kind);
        }
    }
    ok
}

fn walk(path: &Path, out: &mut Vec<Input>, kinds: &mut HashMap<PathBuf, PolicyKind>) -> bool {
    if !path.is_dir() {
        if !path.exists() {
            eprintln!(
                "ramjet: {}: cannot read: no such file or directory",
                path.display()
            );
            return false;
        }
        out.push(Input {
            path: path.to_path_buf(),
            kind: None,
        });
        return true;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(error) => {
            eprintln!("ramjet: {}: cannot read: {error}", path.display());
            return false;
        }
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    let manifest = path.join("bundle.json");
    if manifest.is_file() {
        bundle_kinds(path, &manifest, kinds);
    }
    let listing = path.join("MANIFEST.tsv");
    if listing.is_file() {
        listed_kinds(path, &listing, kinds);
    }
    let mut ok = true;
    for child in children {
        let name = child.file_name().map(|n| n.to_string_lossy().into_owned());
        let hidden = name.as_deref().is_some_and(|n| n.starts_with('.'));
        if hidden || child == manifest {
            continue;
        }
        if child.is_dir() {
            ok &= walk(&child, out, kinds);
        } else if child.extension().is_some_and(|e| e == "json") {
            out.push(Input {
                path: child,
                kind: None,
            });
        }
    }
    ok
}

fn kind_named(name: &str) -> Option<PolicyKind> {
    KindArg::from_str(name, true).ok().map(PolicyKind::from)
}

/// A `MANIFEST.tsv` of `file<TAB>kind` rows (the corpus's): kinds by path.
fn listed_kinds(dir: &Path, listing: &Path, kinds: &mut HashMap<PathBuf, PolicyKind>) {
    let Ok(text) = std::fs::read_to_string(listing) else {
        return;
    };
    for line in text.lines() {
        let mut fields = line.split('\t');
        if let (Some(file), Some(kind)) = (fields.next(), fields.next().and_then(kind_named)) {
            kinds.insert(dir.join(file), kind);
        }
    }
}

/// Policy kinds a bundle manifest implies: control policies and roles' trust policies (files
/// `policies/<name>.json`).
fn bundle_kinds(dir: &Path, manifest: &Path, kinds: &mut HashMap<PathBuf, PolicyKind>) {
    let Some(value) = std::fs::read(manifest)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
    else {
        return;
    };
    let mut put = |name: &str, kind| {
        kinds.insert(dir.join("policies").join(format!("{name}.json")), kind);
    };
    let accounts = value.get("accounts").and_then(|a| a.as_object());
    for account in accounts.into_iter().flat_map(|a| a.values()) {
        let control = account.get("control").and_then(|c| c.as_array());
        for name in control
            .into_iter()
            .flatten()
            .filter_map(|l| l.as_array())
            .flatten()
        {
            if let Some(name) = name.as_str() {
                put(name, PolicyKind::Control);
            }
        }
        let roles = account.get("roles").and_then(|r| r.as_object());
        for role in roles.into_iter().flat_map(|r| r.values()) {
            if let Some(trust) = role.get("trust").and_then(|t| t.as_str()) {
                put(trust, PolicyKind::Resource);
            }
        }
    }
}
