//! `ramjet check`: decide one request, from a scenario file or from policy and request files.

use crate::engine_choice::{Decider, EngineChoice};
use crate::explain;
use crate::files::{read, report_errors};
use crate::{FileArg, Format, EXIT_ERROR};
use clap::Args;
use ramjet_compiler::{
    parse_policy, parse_request, parse_scenario, NamedPolicy, PolicyKind, PolicySet,
};
use ramjet_engine::Scratch;
use ramjet_engine::{Outcome, Request};
use std::path::Path;

/// Decide one request: exit 0 on Allow, 1 on ExplicitDeny or ImplicitDeny, 2 on any error.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    ramjet check --scenario corpus/examples/pai-developer.json\n  \
    ramjet check --policy corpus/policies/seeds/pai-eas-list-services.json \\\n      \
    --request corpus/examples/list-services.json --format json\n  \
    ramjet check --resource-policy corpus/policies/seeds/pai-trust-ram-and-service.json \\\n      \
    --request corpus/examples/assume-role-dataworks.json\n\n\
    A scenario holds the policies by kind and the request (docs/interfaces.md).\n\
    With --policy, each file is an identity policy named by its file stem.")]
pub struct CheckArgs {
    /// A scenario file: {"policies": {...}, "request": {...}}
    #[arg(long, value_name = "FILE", conflicts_with_all = ["policy", "session_policy", "resource_policy", "request"])]
    scenario: Option<FileArg>,

    /// An identity policy document (repeatable); named by its file stem
    #[arg(long, value_name = "FILE")]
    policy: Vec<FileArg>,

    /// The session policy of an assumed-role session
    #[arg(long, value_name = "FILE")]
    session_policy: Option<FileArg>,

    /// A resource-based policy (a role's trust policy included)
    #[arg(long, value_name = "FILE")]
    resource_policy: Option<FileArg>,

    /// The request: {"action", "resource", "principal", "resource_group", "context"}
    #[arg(long, value_name = "FILE", required_unless_present = "scenario")]
    request: Option<FileArg>,

    /// text explains the decision; json prints {"decision", "step", "determining"}
    #[arg(long, value_enum, default_value = "text")]
    format: Format,

    /// The engine that decides
    #[arg(long, value_enum, default_value = "compiled")]
    engine: EngineChoice,
}

pub fn run(args: &CheckArgs) -> u8 {
    let loaded = match &args.scenario {
        Some(path) => load_scenario(path),
        None => load_files(args),
    };
    let Some((policies, request)) = loaded else {
        return EXIT_ERROR;
    };
    let (decider, policies) = match Decider::new(policies, args.engine) {
        Ok(ready) => ready,
        Err(error) => {
            eprintln!("ramjet: {error}");
            return EXIT_ERROR;
        }
    };
    let outcome = decider.outcome(&request, &mut Scratch::default());
    match args.format {
        Format::Json => crate::files::emit(&format!("{}\n", explain::outcome_json(&outcome))),
        Format::Text => crate::files::emit(&explain::outcome_text(&outcome, &policies, &request)),
    }
    exit_status(&outcome)
}

/// 0 for Allow, 1 for either deny.
pub fn exit_status(outcome: &Outcome) -> u8 {
    if outcome.decision.is_allow() {
        0
    } else {
        1
    }
}

fn load_scenario(path: &Path) -> Option<(PolicySet, Request)> {
    let bytes = read(path)?;
    match parse_scenario(&bytes) {
        Ok(scenario) => Some((scenario.policies, scenario.request)),
        Err(diagnostics) => {
            report_errors(path, &diagnostics);
            None
        }
    }
}

pub fn load_policy(path: &Path, kind: PolicyKind, name: String) -> Option<NamedPolicy> {
    let bytes = read(path)?;
    match parse_policy(&bytes, kind) {
        Ok(parsed) => Some(NamedPolicy {
            name,
            resource_group: None,
            policy: parsed.policy,
        }),
        Err(diagnostics) => {
            report_errors(path, &diagnostics);
            None
        }
    }
}

pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn load_files(args: &CheckArgs) -> Option<(PolicySet, Request)> {
    let mut ok = true;
    let mut set = PolicySet::default();
    for path in &args.policy {
        match load_policy(path, PolicyKind::Identity, stem(path)) {
            Some(policy) => set.identity.push(policy),
            None => ok = false,
        }
    }
    if let Some(path) = &args.session_policy {
        set.session = load_policy(path, PolicyKind::Session, "session".to_string());
        ok &= set.session.is_some();
    }
    if let Some(path) = &args.resource_policy {
        set.resource = load_policy(path, PolicyKind::Resource, "resource".to_string());
        ok &= set.resource.is_some();
    }
    let names: Vec<&str> = set.identity.iter().map(|p| p.name.as_str()).collect();
    for (i, name) in names.iter().enumerate() {
        if names.iter().take(i).any(|n| n == name) {
            eprintln!("ramjet: two --policy files are named {name:?} (by file stem); rename one");
            ok = false;
        }
    }
    let request_path = args.request.as_ref()?;
    let request = read(request_path).and_then(|bytes| match parse_request(&bytes) {
        Ok(request) => Some(request),
        Err(diagnostics) => {
            report_errors(request_path, &diagnostics);
            None
        }
    });
    if ok {
        request.map(|request| (set, request))
    } else {
        None
    }
}
