//! `ramjet analyze`: what a policy set grants, proven for every request: `no-new-access` (does
//! the new set allow anything the old does not?) and `access-not-granted` (can any of these
//! actions be allowed?), `equivalent` and `no-public-access` (can a resource policy let in a
//! principal from outside the owner's account?). PASS, FAIL with a witness request, or UNKNOWN
//! with the reason.

use crate::check::{load_policy, stem};
use crate::files::{read, report_errors};
use crate::{Format, EXIT_ERROR};
use clap::{Args, Subcommand};
use ramjet_analyze::{
    access_not_granted, diff, equivalent, no_new_access, no_public_access, Verdict,
};
use ramjet_compiler::{load_bundle, parse_scenario, PolicyKind, PolicySet};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Prove what policies grant: PASS (for every request), FAIL with a witness request the engine
/// checked, or UNKNOWN with the reason. Exit 0 PASS, 1 FAIL, 2 UNKNOWN or error.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    ramjet analyze no-new-access --old corpus/policies/seeds/pai-eas-list-services.json \\\n      \
        --new corpus/bundle/policies/PaiDeveloper.json\n  \
    ramjet analyze access-not-granted corpus/bundle/policies/PaiDeveloper.json \\\n      \
        --action eas:DeleteService --resource acs:eas:cn-hangzhou:1234567890123456:service/prod-a\n  \
    ramjet analyze diff --old corpus/examples/diff/old --new corpus/examples/diff/new\n  \
    ramjet analyze no-public-access corpus/bundle/policies/PaiRunnerTrust.json \\\n      \
        --account 1234567890123456\n\n\
    PATHs are identity policies (each named by its file stem, as `ramjet check --policy` takes\n\
    them) or scenario files (their policies: identity, session and control, at account scope\n\
    and at resource groups). The model and its limits: README, `ramjet analyze`.")]
pub struct AnalyzeArgs {
    #[command(subcommand)]
    command: AnalyzeCommand,
}

#[derive(Subcommand)]
enum AnalyzeCommand {
    /// PASS when every request the new policies allow, the old ones allow too
    NoNewAccess {
        /// The policies before the change
        #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
        old: Vec<PathBuf>,
        /// The policies after the change
        #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
        new: Vec<PathBuf>,
        /// text for people, json for CI
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// PASS when the two policy sets allow exactly the same requests
    Equivalent {
        /// One set (a policy file or a scenario file)
        a: PathBuf,
        /// The other
        b: PathBuf,
        /// text for people, json for CI
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// PASS when none of the actions (on the resources, when given) can be allowed
    AccessNotGranted {
        /// The policies
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// An action (`service:Name`, no wildcards)
        #[arg(long, required = true, num_args = 1.., value_name = "ACTION")]
        action: Vec<String>,
        /// A resource ARN (without it: any resource)
        #[arg(long, num_args = 1.., value_name = "ARN")]
        resource: Vec<String>,
        /// text for people, json for CI
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// For each user and role of two bundles: PASS when the new bundle lets it do nothing the
    /// old one did not, else FAIL with a witness it makes (or UNKNOWN); only principals whose
    /// policies changed are listed
    Diff {
        /// The bundle before the change
        #[arg(long, value_name = "DIR")]
        old: PathBuf,
        /// The bundle after the change
        #[arg(long, value_name = "DIR")]
        new: PathBuf,
        /// text for people, json for CI
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// PASS when no principal outside the owner's account (anonymous, another account's, or
    /// federated through another account's identity provider) can be allowed by a resource
    /// policy (an OSS bucket policy, a role's trust policy)
    NoPublicAccess {
        /// The resource-based policy (or a scenario file: its `resource` policy)
        path: PathBuf,
        /// The account that owns the resource (default: the account every Resource ARN of the
        /// policy names, if they name one; else an answer that depends on it is UNKNOWN)
        #[arg(long, value_name = "ID")]
        account: Option<String>,
        /// text for people, json for CI
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

/// `{"result", "reason", "witness", "statements"}` (interfaces.md).
#[derive(Serialize)]
struct VerdictJson<'a> {
    result: &'static str,
    reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    witness: Option<&'a serde_json::Value>,
    statements: Vec<StatementJson<'a>>,
}

#[derive(Serialize)]
struct StatementJson<'a> {
    policy: &'a str,
    statement: usize,
    sid: Option<&'a str>,
}

pub fn run(args: &AnalyzeArgs) -> u8 {
    let (verdict, format, [proven, refuted]) = match &args.command {
        AnalyzeCommand::Diff { old, new, format } => return run_diff(old, new, *format),
        AnalyzeCommand::NoNewAccess { old, new, format } => {
            let (Some(old), Some(new)) = (load_set(old), load_set(new)) else {
                return EXIT_ERROR;
            };
            let claims = [
                "proven for every request: the new policies allow nothing the old ones do not",
                "the new policies allow the witness and the old ones do not",
            ];
            (no_new_access(&old, &new), *format, claims)
        }
        AnalyzeCommand::Equivalent { a, b, format } => {
            let (Some(first), Some(second)) = (
                load_set(std::slice::from_ref(a)),
                load_set(std::slice::from_ref(b)),
            ) else {
                return EXIT_ERROR;
            };
            let claims = [
                "proven for every request: both allow exactly the same requests",
                "one set allows the witness and the other does not (the statements are the allowing set's)",
            ];
            (equivalent(&first, &second), *format, claims)
        }
        AnalyzeCommand::AccessNotGranted {
            paths,
            action,
            resource,
            format,
        } => {
            let Some(set) = load_set(paths) else {
                return EXIT_ERROR;
            };
            if let Some(bad) = action.iter().find(|a| {
                a.contains(['*', '?'])
                    || a.split(':').count() != 2
                    || a.split(':').any(str::is_empty)
            }) {
                eprintln!("ramjet: --action {bad}: an action is service:Name, without wildcards");
                return EXIT_ERROR;
            }
            let resources = (!resource.is_empty()).then_some(resource.as_slice());
            let claims = [
                "proven for every request: none of the actions is allowed",
                "the policies allow the witness, a request for one of the actions",
            ];
            (access_not_granted(&set, action, resources), *format, claims)
        }
        AnalyzeCommand::NoPublicAccess {
            path,
            account,
            format,
        } => {
            let Some(set) = load_resource_policy(path) else {
                return EXIT_ERROR;
            };
            let claims = [
                "proven for every request: no principal outside the owner's account is allowed",
                "an outside principal is allowed: the witness (its own account's policies taken to allow it whatever it asks)",
            ];
            (no_public_access(&set, account.as_deref()), *format, claims)
        }
    };
    let json = verdict_json(&verdict, proven, refuted);
    let text = match format {
        Format::Json => format!("{}\n", crate::explain::to_json(&json)),
        Format::Text => {
            let mut text = format!("{}: {}\n", json.result, json.reason);
            push_witness_lines(&mut text, &json, "");
            text
        }
    };
    crate::files::emit(&text);
    exit_status(&verdict)
}

fn exit_status(verdict: &Verdict) -> u8 {
    match verdict {
        Verdict::Pass => 0,
        Verdict::Fail(_) => 1,
        Verdict::Unknown(_) => EXIT_ERROR,
    }
}

fn verdict_json<'a>(verdict: &'a Verdict, proven: &str, refuted: &str) -> VerdictJson<'a> {
    let result = verdict_name(verdict);
    let (reason, witness, statements) = match verdict {
        Verdict::Pass => (proven.to_string(), None, Vec::new()),
        Verdict::Fail(w) => (
            refuted.to_string(),
            Some(&w.request),
            w.statements
                .iter()
                .map(|s| StatementJson {
                    policy: &s.policy,
                    statement: s.statement,
                    sid: s.sid.as_deref(),
                })
                .collect(),
        ),
        Verdict::Unknown(reason) => (reason.clone(), None, Vec::new()),
    };
    VerdictJson {
        result,
        reason,
        witness,
        statements,
    }
}

/// `witness: …` and `allowed by: …` lines, each after `indent`.
fn push_witness_lines(text: &mut String, json: &VerdictJson, indent: &str) {
    if let Some(witness) = json.witness {
        text.push_str(&format!("{indent}witness: {witness}\n"));
    }
    for s in &json.statements {
        let sid = s.sid.map(|sid| format!(" ({sid:?})")).unwrap_or_default();
        text.push_str(&format!(
            "{indent}allowed by: policy {}, Statement[{}]{sid}\n",
            s.policy, s.statement
        ));
    }
}

/// One principal of a bundle diff, in the JSON output.
#[derive(Serialize)]
struct ChangeJson<'a> {
    account: &'a str,
    kind: &'static str,
    name: &'a str,
    #[serde(flatten)]
    verdict: VerdictJson<'a>,
}

/// `{"result", "principals", "changed", "pass", "fail", "unknown", "changes": [...]}`.
#[derive(Serialize)]
struct DiffJson<'a> {
    result: &'static str,
    principals: usize,
    changed: usize,
    pass: usize,
    fail: usize,
    unknown: usize,
    changes: Vec<ChangeJson<'a>>,
}

fn run_diff(old: &Path, new: &Path, format: Format) -> u8 {
    let load = |dir: &Path| match load_bundle(dir) {
        Ok(bundle) => Some(bundle),
        Err(error) => {
            eprintln!("ramjet: {}", error.to_string().replace('\n', "\nramjet: "));
            None
        }
    };
    let (Some(old), Some(new)) = (load(old), load(new)) else {
        return EXIT_ERROR;
    };
    let found = diff(&old, &new);
    let count = |result: &str| {
        found
            .changes
            .iter()
            .filter(|c| verdict_name(&c.verdict) == result)
            .count()
    };
    let (pass, fail, unknown) = (count("PASS"), count("FAIL"), count("UNKNOWN"));
    let (result, status) = match (fail, unknown) {
        (0, 0) => ("PASS", 0),
        (0, _) => ("UNKNOWN", EXIT_ERROR),
        _ => ("FAIL", 1),
    };
    let changes: Vec<ChangeJson> = found
        .changes
        .iter()
        .map(|c| ChangeJson {
            account: &c.account,
            kind: c.kind.name(),
            name: &c.name,
            verdict: verdict_json(
                &c.verdict,
                "proven for every request: nothing new",
                &new_access(&c.verdict),
            ),
        })
        .collect();
    let text = match format {
        Format::Json => {
            let json = DiffJson {
                result,
                principals: found.principals,
                changed: changes.len(),
                pass,
                fail,
                unknown,
                changes,
            };
            format!("{}\n", crate::explain::to_json(&json))
        }
        Format::Text => {
            let mut text = String::new();
            for change in changes.iter().filter(|c| c.verdict.result != "PASS") {
                text.push_str(&format!(
                    "{} {} {} (account {}): {}\n",
                    change.verdict.result,
                    change.kind,
                    change.name,
                    change.account,
                    change.verdict.reason
                ));
                push_witness_lines(&mut text, &change.verdict, "  ");
            }
            text.push_str(&format!(
                "{result}: {} principals, {} with changed policies: {pass} PASS, {fail} FAIL, {unknown} UNKNOWN\n",
                found.principals,
                changes.len()
            ));
            text
        }
    };
    crate::files::emit(&text);
    status
}

/// "can now ACTION on RESOURCE", from a FAIL's witness.
fn new_access(verdict: &Verdict) -> String {
    let Verdict::Fail(witness) = verdict else {
        return String::new();
    };
    let field = |name: &str| {
        witness
            .request
            .get(name)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    format!(
        "can now {} on {} (the old bundle did not allow it)",
        field("action"),
        field("resource")
    )
}

fn verdict_name(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "PASS",
        Verdict::Fail(_) => "FAIL",
        Verdict::Unknown(_) => "UNKNOWN",
    }
}

/// Identity policy files (named by stem) and scenario files (their policy sets), merged.
fn load_set(paths: &[PathBuf]) -> Option<PolicySet> {
    let mut set = PolicySet::default();
    let mut ok = true;
    for path in paths {
        if path.join("bundle.json").is_file() {
            eprintln!(
                "ramjet: {}: a bundle; compare two with `ramjet analyze diff --old DIR --new DIR`",
                path.display()
            );
            ok = false;
            continue;
        }
        if is_scenario(path) {
            let bytes = read(path)?;
            match parse_scenario(&bytes) {
                Ok(scenario) => merge(&mut set, scenario.policies),
                Err(diagnostics) => {
                    report_errors(path, &diagnostics);
                    ok = false;
                }
            }
        } else {
            match load_policy(path, PolicyKind::Identity, stem(path)) {
                Some(policy) => set.identity.push(policy),
                None => ok = false,
            }
        }
    }
    ok.then_some(set)
}

/// A resource-based policy file (named by stem), or a scenario file's `resource` policy.
fn load_resource_policy(path: &Path) -> Option<PolicySet> {
    if is_scenario(path) {
        let set = load_set(std::slice::from_ref(&path.to_path_buf()))?;
        if set.resource.is_none() {
            eprintln!(
                "ramjet: {}: the scenario has no resource policy",
                path.display()
            );
            return None;
        }
        return Some(set);
    }
    let policy = load_policy(path, PolicyKind::Resource, stem(path))?;
    Some(PolicySet {
        resource: Some(policy),
        ..PolicySet::default()
    })
}

fn is_scenario(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    matches!(
        serde_json::from_slice::<serde_json::Value>(&bytes),
        Ok(serde_json::Value::Object(members)) if members.contains_key("policies")
    )
}

fn merge(set: &mut PolicySet, other: PolicySet) {
    set.identity.extend(other.identity);
    set.control.extend(other.control);
    if other.session.is_some() {
        set.session = other.session;
    }
    if other.resource.is_some() {
        set.resource = other.resource;
    }
}
