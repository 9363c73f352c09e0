//! `ramjet analyze`: what a policy set grants, proven for every request: `no-new-access` (does
//! the new set allow anything the old does not?) and `access-not-granted` (can any of these
//! actions be allowed?), `equivalent` and `no-public-access` (can a resource policy let in a
//! principal from outside the owner's account?). PASS, FAIL with a witness request, or UNKNOWN
//! with the reason.

use crate::check::{load_policy, stem};
use crate::files::{read, report_errors};
use crate::{Format, EXIT_ERROR};
use clap::{Args, Subcommand};
use ramjet_analyze::{access_not_granted, equivalent, no_new_access, no_public_access, Verdict};
use ramjet_compiler::{parse_scenario, PolicyKind, PolicySet};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Prove what policies grant: PASS (for every request), FAIL with a witness request the engine
/// checked, or UNKNOWN with the reason. Exit 0 PASS, 1 FAIL, 2 UNKNOWN or error.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    ramjet analyze no-new-access --old corpus/policies/seeds/pai-eas-list-services.json \\\n      \
        --new corpus/bundle/policies/PaiDeveloper.json\n  \
    ramjet analyze access-not-granted corpus/bundle/policies/PaiDeveloper.json \\\n      \
        --action eas:DeleteService --resource acs:eas:cn-hangzhou:1234567890123456:service/prod-a\n\n\
    PATHs are identity policies (each named by its file stem, as `ramjet check --policy` takes\n\
    them) or scenario files (their policies). The model and its limits: README, `ramjet analyze`.")]
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
    let (result, reason, witness, statements) = match &verdict {
        Verdict::Pass => ("PASS", proven.to_string(), None, Vec::new()),
        Verdict::Fail(w) => (
            "FAIL",
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
        Verdict::Unknown(reason) => ("UNKNOWN", reason.clone(), None, Vec::new()),
    };
    let text = match format {
        Format::Json => {
            let json = VerdictJson {
                result,
                reason,
                witness,
                statements,
            };
            format!("{}\n", crate::explain::to_json(&json))
        }
        Format::Text => {
            let mut text = format!("{result}: {reason}\n");
            if let Some(witness) = witness {
                text.push_str(&format!("witness: {witness}\n"));
            }
            for s in &statements {
                let sid = s.sid.map(|sid| format!(" ({sid:?})")).unwrap_or_default();
                text.push_str(&format!(
                    "allowed by: policy {}, Statement[{}]{sid}\n",
                    s.policy, s.statement
                ));
            }
            text
        }
    };
    crate::files::emit(&text);
    match verdict {
        Verdict::Pass => 0,
        Verdict::Fail(_) => 1,
        Verdict::Unknown(_) => EXIT_ERROR,
    }
}

/// Identity policy files (named by stem) and scenario files (their policy sets), merged.
fn load_set(paths: &[PathBuf]) -> Option<PolicySet> {
    let mut set = PolicySet::default();
    let mut ok = true;
    for path in paths {
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
