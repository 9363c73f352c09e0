//! Where statements sit, and what a side's decision needs of them (spec 6.2): every control
//! level must allow (skipped for principals of the management account); a session's policy must
//! allow (only for role sessions); the identity policies at account scope decide, and when they
//! neither allow nor deny, those attached at the request's resource group. A request's *shape*
//! (role session or not, management account or not, its resource group) says which of those
//! apply; the search tries every shape the policies can tell apart.

use crate::resources::{none_applies, some_applies, Case};
use crate::search::Stmt;
use ramjet_compiler::model::PolicySet;
use ramjet_compiler::Effect;

/// Where a statement sits, as the decision uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Control policy level `n` (0 is the member account's).
    Control(usize),
    /// The session policy.
    Session,
    /// An identity policy at account scope (and, for `no-public-access`, the resource policy).
    Account,
    /// An identity policy attached at resource group `n` (of the question's group names).
    Group(usize),
}

/// What kind of request is decided: which scopes apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    /// The principal is a role session (a session policy applies to it).
    pub(crate) role_session: bool,
    /// The principal belongs to the management account (control policies do not apply).
    pub(crate) management: bool,
    /// The request's resource group (of the question's group names), if any.
    pub(crate) group: Option<usize>,
}

impl Shape {
    /// Every shape that `sets` can tell apart: role sessions only when a set has a session
    /// policy, the management account only when one has control policies, each resource group
    /// named by a resource-group attachment and none.
    pub(crate) fn all(sets: [&PolicySet; 2], groups: usize) -> Vec<Shape> {
        let sessions = sets.iter().any(|s| s.session.is_some());
        let control = sets.iter().any(|s| !s.control.is_empty());
        let mut out = Vec::new();
        for role_session in [false, true].into_iter().filter(|&r| !r || sessions) {
            for management in [false, true].into_iter().filter(|&m| !m || control) {
                for group in std::iter::once(None).chain((0..groups).map(Some)) {
                    out.push(Shape {
                        role_session,
                        management,
                        group,
                    });
                }
            }
        }
        out
    }

    /// Whether a statement in `scope` can apply to requests of this shape.
    pub(crate) fn keeps(&self, scope: Scope) -> bool {
        match scope {
            Scope::Control(_) => !self.management,
            Scope::Session => self.role_session,
            Scope::Account => true,
            Scope::Group(g) => self.group == Some(g),
        }
    }
}

/// The Allow and Deny statements of one scope that can apply.
#[derive(Default)]
pub(crate) struct Effects<'a> {
    pub(crate) allow: Vec<&'a Stmt<'a>>,
    pub(crate) deny: Vec<&'a Stmt<'a>>,
}

impl<'a> Effects<'a> {
    fn push(&mut self, statement: &'a Stmt<'a>) {
        match statement.statement.effect {
            Effect::Allow => self.allow.push(statement),
            Effect::Deny => self.deny.push(statement),
        }
    }

    /// Some Allow applies and no Deny does.
    fn allows(&self) -> bool {
        !self.allow.is_empty() && self.deny.is_empty()
    }
}

/// One side's statements that can apply, by scope.
pub(crate) struct SideView<'a> {
    levels: Vec<Effects<'a>>,
    session: Option<Effects<'a>>,
    account: Effects<'a>,
    group: Effects<'a>,
}

impl<'a> SideView<'a> {
    /// `statements` (of one side, all applying) arranged for a set with `levels` control levels
    /// (0 when the shape skips them) and a session policy when `session`.
    pub(crate) fn new(
        statements: impl Iterator<Item = &'a Stmt<'a>>,
        levels: usize,
        session: bool,
    ) -> SideView<'a> {
        let mut view = SideView {
            levels: (0..levels).map(|_| Effects::default()).collect(),
            session: session.then(Effects::default),
            account: Effects::default(),
            group: Effects::default(),
        };
        for statement in statements {
            let effects = match statement.scope {
                Scope::Control(level) => view.levels.get_mut(level),
                Scope::Session => view.session.as_mut(),
                Scope::Account => Some(&mut view.account),
                Scope::Group(_) => Some(&mut view.group),
            };
            if let Some(effects) = effects {
                effects.push(statement);
            }
        }
        view
    }

    /// The side allows (spec 6.2 without a resource policy): every level, the session, and
    /// decision A.
    pub(crate) fn allows(&self) -> bool {
        self.levels.iter().all(Effects::allows)
            && self.session.as_ref().is_none_or(Effects::allows)
            && self.account.deny.is_empty()
            && (!self.account.allow.is_empty() || self.group.allows())
    }

    /// Some Allow that decision A needs is among the statements (a cheap test before the
    /// resource is looked at).
    pub(crate) fn may_allow(&self) -> bool {
        !self.account.allow.is_empty() || !self.group.allow.is_empty()
    }

    /// The resource cases (added to each of `cases`) under which this side allows.
    pub(crate) fn allow_cases(&self, mut cases: Vec<Case>) -> Vec<Case> {
        for level in &self.levels {
            cases = none_applies(some_applies(cases, &level.allow), &level.deny);
        }
        if let Some(session) = &self.session {
            cases = none_applies(some_applies(cases, &session.allow), &session.deny);
        }
        cases = none_applies(cases, &self.account.deny);
        let by_account = some_applies(cases.clone(), &self.account.allow);
        let by_group = some_applies(
            none_applies(none_applies(cases, &self.account.allow), &self.group.deny),
            &self.group.allow,
        );
        by_account.into_iter().chain(by_group).collect()
    }

    /// The resource cases (added to each of `cases`) under which this side does not allow:
    /// a Deny applies somewhere that counts, or some scope that must allow does not.
    pub(crate) fn fail_cases(&self, cases: Vec<Case>) -> Vec<Case> {
        let mut out = Vec::new();
        for level in &self.levels {
            out.extend(none_applies(cases.clone(), &level.allow));
            out.extend(some_applies(cases.clone(), &level.deny));
        }
        if let Some(session) = &self.session {
            out.extend(none_applies(cases.clone(), &session.allow));
            out.extend(some_applies(cases.clone(), &session.deny));
        }
        out.extend(some_applies(cases.clone(), &self.account.deny));
        let undecided = none_applies(cases, &self.account.allow);
        out.extend(none_applies(undecided.clone(), &self.group.allow));
        out.extend(some_applies(undecided, &self.group.deny));
        out
    }
}

/// Both sides' statements that can apply under one combination of variables (actions already
/// decided).
pub(crate) struct Live<'a> {
    pub(crate) new: SideView<'a>,
    pub(crate) old: SideView<'a>,
}
