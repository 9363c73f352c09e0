//! Tries the combinations of variables for one class of requests and builds witnesses, each
//! decided by the compiled engine under both sets before it is reported.

use crate::conditions::{context_for, Atoms, TestChecker};
use crate::principals::Principals;
use crate::scopes::{Live, Shape, SideView};
use crate::search::{Side, Stmt, Var};
use crate::Witness;
use ramjet_compiler::model::{PolicyPlace, PolicySet};
use ramjet_compiler::parse_request;
use ramjet_engine::{CompiledPolicySet, Decision, Scratch};
use std::collections::BTreeMap;

/// Condition variables tried exhaustively per class pair.
pub(crate) const MAX_VARIABLES: usize = 16;

/// The account a witness's principal belongs to when the resource names none.
const WITNESS_ACCOUNT: &str = "1234567890123456";

/// Tries condition combinations for one class and builds checked witnesses.
pub(crate) struct Prover<'a> {
    pub(crate) atoms: &'a Atoms,
    pub(crate) checker: &'a TestChecker,
    /// The sets as analysed (for the scopes each side has).
    pub(crate) sets: [&'a PolicySet; 2],
    /// The sets as a witness is checked.
    pub(crate) old: &'a CompiledPolicySet,
    pub(crate) new: &'a CompiledPolicySet,
    /// The resource groups the sets' attachments name (`Scope::Group` indexes them).
    pub(crate) groups: &'a [String],
    /// For no-public-access: the outside principals a witness may name.
    pub(crate) principals: Option<&'a Principals>,
    /// The principal of every witness, when the question names one.
    pub(crate) principal: Option<&'a serde_json::Value>,
    pub(crate) scratch: Scratch,
    pub(crate) undecided: Option<String>,
    /// For no-public-access: an allowed principal that may belong to the owner after all.
    pub(crate) ambiguous: Option<String>,
}

impl Prover<'_> {
    /// Every combination of the variables of `relevant` (statements whose action, and resource
    /// when classes are known, hold, for requests of `shape`) under which the new set can allow
    /// and the old cannot; `resource` gives a resource for the combination's live statements
    /// (`None`: no resource makes it a counterexample). The first checked witness.
    pub(crate) fn try_class<'s>(
        &mut self,
        action: &str,
        shape: Shape,
        relevant: &[&'s Stmt<'s>],
        mut resource: impl FnMut(&Live<'s>) -> Result<Option<String>, String>,
    ) -> Option<Witness> {
        let [old_set, new_set] = self.sets;
        let view = |side: Side, live: &mut dyn Iterator<Item = &'s Stmt<'s>>| {
            let set = match side {
                Side::Old => old_set,
                Side::New => new_set,
            };
            let levels = if shape.management {
                0
            } else {
                set.control.len()
            };
            let session = shape.role_session && set.session.is_some();
            SideView::new(live.filter(|s| s.side == side), levels, session)
        };
        if !view(Side::New, &mut relevant.iter().copied()).may_allow() {
            return None;
        }
        let mut variables: Vec<Var> = relevant.iter().flat_map(|s| s.atoms.clone()).collect();
        variables.sort_unstable();
        variables.dedup();
        if variables.len() > MAX_VARIABLES {
            self.undecided.get_or_insert(format!(
                "{} condition tests bear on {action}; at most {MAX_VARIABLES} are tried",
                variables.len()
            ));
            return None;
        }
        for bits in 0u32..(1u32 << variables.len()) {
            let value = |id: Var| {
                variables
                    .iter()
                    .position(|&v| v == id)
                    .is_some_and(|k| bits >> k & 1 == 1)
            };
            let holds = |s: &&'s Stmt<'s>| s.atoms.iter().all(|&id| value(id));
            let live = Live {
                new: view(Side::New, &mut relevant.iter().copied().filter(holds)),
                old: view(Side::Old, &mut relevant.iter().copied().filter(holds)),
            };
            if !live.new.may_allow() {
                continue;
            }
            let resource = match resource(&live) {
                Ok(Some(resource)) => resource,
                Ok(None) => continue,
                Err(reason) => {
                    self.undecided.get_or_insert(format!("{action}: {reason}"));
                    continue;
                }
            };
            let wanted: BTreeMap<Var, bool> = variables.iter().map(|&id| (id, value(id))).collect();
            if let Some(witness) = self.witness(action, &resource, shape, &wanted) {
                return Some(witness);
            }
            self.undecided.get_or_insert(format!(
                "the new policies may allow {action} on {resource} under some context, but no request that shows it could be built"
            ));
        }
        None
    }

    fn witness(
        &mut self,
        action: &str,
        resource: &str,
        shape: Shape,
        wanted: &BTreeMap<Var, bool>,
    ) -> Option<Witness> {
        let mut tests = BTreeMap::new();
        let mut named = BTreeMap::new();
        for (&var, &value) in wanted {
            match var {
                Var::Test(id) => tests.insert(id, value),
                Var::Principal(id) => named.insert(id, value),
            };
        }
        let context = context_for(self.atoms, self.checker, &tests)?;
        let group = shape
            .group
            .and_then(|g| self.groups.get(g))
            .map(String::as_str);
        let mut request = request_json(action, resource, &context, group);
        let Some(principals) = self.principals else {
            let principal = match self.principal {
                Some(given) => given.clone(),
                None => principal_of_shape(resource, shape),
            };
            set_member(&mut request, "principal", principal);
            let parsed = parse_request(request.to_string().as_bytes()).ok()?;
            let under_new = self.new.outcome(&parsed, &mut self.scratch);
            let under_old = self.old.decide(&parsed, &mut self.scratch);
            return (under_new.decision == Decision::Allow
                && under_old.decision != Decision::Allow)
                .then_some(Witness {
                    request,
                    statements: under_new.determining,
                });
        };
        // no-public-access: the first outside principal the resource policy lets in.
        for candidate in principals.realizing(&named) {
            set_member(&mut request, "principal", candidate.json.clone());
            let Ok(parsed) = parse_request(request.to_string().as_bytes()) else {
                continue;
            };
            let under_new = self.new.outcome(&parsed, &mut self.scratch);
            if under_new.decision != Decision::Allow {
                continue;
            }
            let witness = Witness {
                request: request.clone(),
                statements: under_new
                    .determining
                    .into_iter()
                    .filter(|s| s.place == PolicyPlace::Resource)
                    .collect(),
            };
            if witness.statements.is_empty() {
                continue; // allowed by its own account alone, not by the resource policy
            }
            match principals.ambiguity(candidate) {
                None => return Some(witness),
                Some(reason) => {
                    self.ambiguous
                        .get_or_insert_with(|| format!("{reason}; e.g. {}", witness.request));
                }
            }
        }
        None
    }
}

fn set_member(request: &mut serde_json::Value, name: &str, value: serde_json::Value) {
    if let Some(members) = request.as_object_mut() {
        members.insert(name.to_string(), value);
    }
}

/// A principal of the resource's account (so the request is not cross-account, spec 6.2 step
/// 4): a RAM user, or a session of a role for shapes with a session policy, of the management
/// account for shapes that skip control policies.
fn principal_of_shape(resource: &str, shape: Shape) -> serde_json::Value {
    let account = resource
        .split(':')
        .nth(3)
        .filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(WITNESS_ACCOUNT);
    let mut principal = if shape.role_session {
        serde_json::json!({"type": "AssumedRole", "account": account, "name": "witness", "session": "witness"})
    } else {
        serde_json::json!({"type": "RamUser", "account": account, "name": "witness"})
    };
    if shape.management {
        set_member(
            &mut principal,
            "management_account",
            serde_json::json!(true),
        );
    }
    principal
}

/// The witness as a scenario's request object (its principal set by the caller).
fn request_json(
    action: &str,
    resource: &str,
    context: &BTreeMap<String, Vec<String>>,
    group: Option<&str>,
) -> serde_json::Value {
    let context: serde_json::Map<String, serde_json::Value> = context
        .iter()
        .map(|(k, v)| {
            let value = match v.as_slice() {
                [one] => serde_json::json!(one),
                many => serde_json::json!(many),
            };
            (k.clone(), value)
        })
        .collect();
    let mut request = serde_json::json!({
        "action": action,
        "resource": resource,
        "context": context,
    });
    if let Some(group) = group {
        set_member(&mut request, "resource_group", serde_json::json!(group));
    }
    request
}
