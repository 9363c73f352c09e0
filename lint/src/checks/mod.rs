//! The checks past the grammar: each module holds the rules of one concern, run over a document
//! that the validator accepted. A check reports a rule code, a JSON path and a message; the
//! caller places the path in the file.

mod actions;
mod conditions;
mod grants;
mod overlap;

use crate::catalog::Catalog;
use crate::rules::{self, Rule};
use ramjet_compiler::json::Json;
use ramjet_compiler::{JsonPath, Policy, PolicyKind, Statement};
use std::collections::BTreeSet;

/// A finding before it is placed in the file.
pub(crate) struct RawFinding {
    pub rule: &'static Rule,
    pub path: String,
    pub message: String,
    pub sid: Option<String>,
}

/// What the checks found.
#[derive(Default)]
pub(crate) struct Checked {
    pub findings: Vec<RawFinding>,
    pub uncatalogued: BTreeSet<String>,
    /// The work budget ran out: some catalog or overlap questions were not asked.
    pub incomplete: bool,
}

/// Work allowed per document, in glob-matching steps (pattern characters × text characters;
/// about a second at worst): a hostile
/// document of the engine's caps (100,000 statements, 8,192-character patterns) is checked as
/// far as the budget goes, and the report says it stopped.
pub(crate) const WORK_BUDGET: u64 = 1_000_000_000;

/// A statement of the model with its place in the document.
pub(crate) struct Stmt<'a> {
    pub statement: &'a Statement,
    pub path: JsonPath,
    json: Option<&'a Json>,
}

impl Stmt<'_> {
    /// The path of whichever of `names` the statement has (the first name when none).
    pub fn member(&self, names: &[&str]) -> JsonPath {
        let present = self.members().and_then(|members| {
            names
                .iter()
                .find(|name| members.iter().any(|(n, _)| n == *name))
        });
        self.path
            .key(present.or(names.first()).copied().unwrap_or_default())
    }

    /// The path of entry `index` of that member: `Action[2]`, or `Action` for a single string.
    pub fn entry(&self, names: &[&str], index: usize) -> JsonPath {
        let member = self.member(names);
        let is_array = self.members().is_some_and(|members| {
            members
                .iter()
                .any(|(n, v)| names.contains(&n.as_str()) && matches!(v, Json::Array(_)))
        });
        if is_array {
            member.index(index)
        } else {
            member
        }
    }

    /// Path of action entry `index`.
    pub fn action_entry(&self, index: usize) -> JsonPath {
        self.entry(&["Action", "NotAction"], index)
    }

    /// Path of resource entry `index`.
    pub fn resource_entry(&self, index: usize) -> JsonPath {
        self.entry(&["Resource", "NotResource"], index)
    }

    fn members(&self) -> Option<&[(String, Json)]> {
        match self.json {
            Some(Json::Object(members)) => Some(members),
            _ => None,
        }
    }

    /// `Statement[1]` with its Sid: `Statement[1] ("ReadOnly")`.
    pub fn name(&self) -> String {
        match &self.statement.sid {
            Some(sid) => format!("{} ({sid:?})", self.path),
            None => self.path.to_string(),
        }
    }
}

/// The state the checks share: the catalog and what they found.
pub(crate) struct Context<'a> {
    pub kind: PolicyKind,
    pub catalog: &'a Catalog,
    pub out: Checked,
    budget: u64,
}

impl Context<'_> {
    /// Takes `cost` steps from the budget; false (and the report marked incomplete) when it
    /// does not have them.
    pub fn spend(&mut self, cost: usize) -> bool {
        let cost = u64::try_from(cost).unwrap_or(u64::MAX);
        match self.budget.checked_sub(cost) {
            Some(left) => {
                self.budget = left;
                true
            }
            None => {
                self.out.incomplete = true;
                false
            }
        }
    }

    /// Records a finding of rule `code` at `path` of `stmt`.
    pub fn report(&mut self, code: &str, stmt: &Stmt, path: &JsonPath, message: String) {
        self.out.findings.push(RawFinding {
            rule: rules::get(code),
            path: path.to_string(),
            message,
            sid: stmt.statement.sid.clone(),
        });
    }
}

/// Runs every check over an accepted document.
pub(crate) fn check(
    policy: &Policy,
    document: &Json,
    kind: PolicyKind,
    catalog: &Catalog,
) -> Checked {
    let objects = crate::statement_objects(document);
    let statements: Vec<Stmt> = policy
        .statements
        .iter()
        .enumerate()
        .map(|(i, statement)| {
            let (path, json) = match objects.get(i) {
                Some((path, json)) => (path.clone(), Some(*json)),
                None => (JsonPath::root().key("Statement").index(i), None),
            };
            Stmt {
                statement,
                path,
                json,
            }
        })
        .collect();
    let mut context = Context {
        kind,
        catalog,
        out: Checked::default(),
        budget: WORK_BUDGET,
    };
    actions::check(&mut context, &statements);
    grants::check(&mut context, &statements);
    conditions::check(&mut context, &statements);
    overlap::check(&mut context, &statements);
    context.out
}

/// Whether an Allow of this kind of policy grants (identity and resource policies) rather than
/// bounds what others grant (control and session policies, spec 6).
pub(crate) fn grants(kind: PolicyKind) -> bool {
    matches!(kind, PolicyKind::Identity | PolicyKind::Resource)
}

/// The service part of an action pattern when it is literal (`eas` of `eas:Create*`), lowercase.
pub(crate) fn literal_service(pattern: &str) -> Option<String> {
    let (service, _) = pattern.split_once(':')?;
    crate::glob::is_literal(service).then(|| service.to_ascii_lowercase())
}

/// A short list for messages: `a, b, c and 4 more`.
pub(crate) fn list<S: AsRef<str>>(items: &[S], shown: usize) -> String {
    let mut text: Vec<&str> = items.iter().take(shown).map(AsRef::as_ref).collect();
    let more = items.len().saturating_sub(shown);
    let more_text = format!("{more} more");
    if more > 0 {
        text.push(&more_text);
    }
    match text.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => (*last).to_string(),
        None => String::new(),
    }
}
