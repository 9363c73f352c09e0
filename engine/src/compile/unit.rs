//! Evaluation units (spec §6.2) built: the statements of a set of policies given dense
//! [`StatementId`]s, their action index in visit order, and each statement's matchers. One
//! [`PolicyIndex`] per unit: a principal's identity policies (account scope, then one group per
//! resource group), the control-policy levels (one group per level), or one session or resource
//! policy.

use super::action_index::{complete_with_not_action, ActionIndexBuilder};
use super::principal::compile_principal;
use super::{CompileError, Interner};
use crate::compiled::CompiledPolicySet;
use crate::index::{next_index_id, CompiledStatement, PolicyIndex, StatementOrigin};
use crate::model::{Effect, NamedPolicy, PolicyPlace, PolicySet, PrincipalSpec, Statement};
use crate::statement_id::StatementId;
use std::sync::Arc;

/// A policy and the group of its unit it belongs to.
struct GroupedPolicy<'a> {
    /// The group (identity: 0 for account scope; control: the level).
    group: u32,
    /// Where the policy sits in its set, for determining-statement reports.
    place: PolicyPlace,
    policy: &'a NamedPolicy,
}

/// A group number, or `TooLarge`.
fn group_number(position: usize, what: &'static str) -> Result<u32, CompileError> {
    u32::try_from(position).map_err(|_| CompileError::TooLarge { what })
}

/// Compiles identity policies into one unit: group 0 for account scope, then one group per
/// resource group, in order of first appearance.
pub(crate) fn compile_identity(
    policies: &[NamedPolicy],
    interner: &mut Interner,
) -> Result<PolicyIndex, CompileError> {
    let mut group_names: Vec<Option<Arc<str>>> = vec![None];
    let mut group_of: hashbrown::HashMap<&str, usize> = hashbrown::HashMap::new();
    let mut grouped = Vec::with_capacity(policies.len());
    for (index, policy) in policies.iter().enumerate() {
        let group = match &policy.resource_group {
            None => 0,
            Some(rg) => *group_of.entry(rg.as_str()).or_insert_with(|| {
                group_names.push(Some(rg.as_str().into()));
                group_names.len() - 1
            }),
        };
        grouped.push(GroupedPolicy {
            group: group_number(group, "resource groups in one principal's policies")?,
            place: PolicyPlace::Identity { index },
            policy,
        });
    }
    build_index(&grouped, group_names, interner)
}

/// Compiles control-policy levels into one unit, one group per level.
pub(crate) fn compile_control(
    levels: &[Vec<NamedPolicy>],
    interner: &mut Interner,
) -> Result<PolicyIndex, CompileError> {
    let mut grouped = Vec::new();
    for (level, policies) in levels.iter().enumerate() {
        let group = group_number(level, "control policy levels")?;
        grouped.extend(
            policies
                .iter()
                .enumerate()
                .map(|(index, policy)| GroupedPolicy {
                    group,
                    place: PolicyPlace::Control { level, index },
                    policy,
                }),
        );
    }
    build_index(&grouped, vec![None; levels.len()], interner)
}

/// Compiles one policy as a one-group unit (a session or resource policy, as `place` says).
pub(crate) fn compile_single(
    policy: &NamedPolicy,
    place: PolicyPlace,
    interner: &mut Interner,
) -> Result<PolicyIndex, CompileError> {
    let grouped = GroupedPolicy {
        group: 0,
        place,
        policy,
    };
    build_index(&[grouped], vec![None], interner)
}

impl CompiledPolicySet {
    /// Compiles every unit of `set` (one scenario's policies, as `ramjet check` reads them).
    ///
    /// ```
    /// use ramjet_engine::model::{Effect, NamedPolicy, PatternList, Policy, PolicySet, Statement};
    /// use ramjet_engine::{CompiledPolicySet, Decision, Request, Scratch};
    ///
    /// let allow_eas = Statement {
    ///     sid: None,
    ///     effect: Effect::Allow,
    ///     actions: PatternList { negated: false, patterns: vec!["eas:*".into()] },
    ///     resources: Some(PatternList { negated: false, patterns: vec!["*".into()] }),
    ///     principal: None,
    ///     conditions: vec![],
    /// };
    /// let mut set = PolicySet::default();
    /// set.identity.push(NamedPolicy {
    ///     name: "P1".into(),
    ///     resource_group: None,
    ///     policy: Policy { statements: vec![allow_eas] },
    /// });
    /// let compiled = CompiledPolicySet::compile(&set).unwrap();
    /// let request = Request::new("eas:ListServices", "*").unwrap();
    /// let outcome = compiled.outcome(&request, &mut Scratch::default());
    /// assert_eq!(outcome.decision, Decision::Allow);
    /// assert_eq!(outcome.determining[0].policy, "P1");
    /// ```
    pub fn compile(set: &PolicySet) -> Result<Self, CompileError> {
        let mut interner = Interner::default();
        let control = if set.control.is_empty() {
            None
        } else {
            Some(compile_control(&set.control, &mut interner)?)
        };
        let session = set
            .session
            .as_ref()
            .map(|p| compile_single(p, PolicyPlace::Session, &mut interner))
            .transpose()?;
        let identity = if set.identity.is_empty() {
            None
        } else {
            Some(compile_identity(&set.identity, &mut interner)?)
        };
        let resource = set
            .resource
            .as_ref()
            .map(|p| compile_single(p, PolicyPlace::Resource, &mut interner))
            .transpose()?;
        Ok(CompiledPolicySet {
            keys: interner.keys,
            control,
            session,
            identity,
            resource,
        })
    }
}

/// Compiles `policies` into one unit with `group_names.len()` groups.
fn build_index(
    policies: &[GroupedPolicy<'_>],
    group_names: Vec<Option<Arc<str>>>,
    interner: &mut Interner,
) -> Result<PolicyIndex, CompileError> {
    let mut statements = Vec::new();
    let mut origins = Vec::new();
    let mut actions = ActionIndexBuilder::default();
    let mut not_action = ActionIndexBuilder::default();
    let mut not_action_statements = Vec::new();
    let needs_principal_arns = policies
        .iter()
        .flat_map(|g| &g.policy.policy.statements)
        .any(|s| matches!(&s.principal, Some(PrincipalSpec::Named { ram, .. }) if !ram.is_empty()));
    for grouped in policies {
        let name: Arc<str> = grouped.policy.name.as_str().into();
        for (index, statement) in grouped.policy.policy.statements.iter().enumerate() {
            let id = StatementId::new(statements.len()).ok_or(CompileError::TooLarge {
                what: "statements in one evaluation unit",
            })?;
            let target = if statement.actions.negated {
                not_action_statements.push(id);
                &mut not_action
            } else {
                &mut actions
            };
            for pattern in &statement.actions.patterns {
                target.add(pattern, id);
            }
            statements.push(compile_statement(statement, grouped.group, interner)?);
            origins.push(StatementOrigin {
                place: grouped.place,
                policy: name.clone(),
                statement: u32::try_from(index).map_err(|_| CompileError::TooLarge {
                    what: "statements in one policy",
                })?,
                sid: statement.sid.as_deref().map(Arc::from),
            });
        }
    }
    // Requests visit candidates in `visit_rank` order.
    let visit_order = |id: StatementId| -> u64 {
        statements
            .get(id.index())
            .map_or(u64::MAX, |s: &CompiledStatement| s.visit_rank(id))
    };
    let actions = actions.build_ordered(&visit_order);
    let not_action = not_action.build_ordered(&visit_order);
    // Statements that decide alike in `Mode::Verdict`: same effect and group, the same shared
    // resource test and conditions, no principal (principal matchers are not shared). Made once
    // per statement, looked up per candidate list.
    let verdict_keys: Vec<Option<Vec<u32>>> = statements
        .iter()
        .map(|s: &CompiledStatement| {
            if s.principal.is_some() {
                return None;
            }
            let mut key = vec![u32::from(s.effect == Effect::Allow), s.group];
            key.push(s.resources.as_ref().map_or(0, |r| r.memo.saturating_add(1)));
            key.extend(s.conditions.iter().map(|c| c.memo));
            Some(key)
        })
        .collect();
    let verdict_key =
        |id: StatementId| -> Option<&[u32]> { verdict_keys.get(id.index())?.as_deref() };
    let complete_with_not_action = complete_with_not_action(
        &actions,
        &not_action,
        &not_action_statements,
        &visit_order,
        &verdict_key,
    );
    Ok(PolicyIndex {
        id: next_index_id(),
        statements: statements.into(),
        origins: origins.into(),
        actions,
        not_action,
        not_action_statements: not_action_statements.into(),
        complete_with_not_action,
        group_names: group_names.into(),
        needs_principal_arns,
    })
}

/// One statement's matchers; its action patterns are in the unit's action index.
fn compile_statement(
    statement: &Statement,
    group: u32,
    interner: &mut Interner,
) -> Result<CompiledStatement, CompileError> {
    Ok(CompiledStatement {
        effect: statement.effect,
        group,
        resources: statement
            .resources
            .as_ref()
            .map(|r| interner.resources(r))
            .transpose()?
            .filter(|r| !r.test.always()),
        principal: statement.principal.as_ref().map(compile_principal),
        conditions: statement
            .conditions
            .iter()
            .map(|c| interner.condition(c))
            .collect::<Result<_, _>>()?,
    })
}
