//! What an evaluation answers: the decision, the step that ended evaluation and the statements
//! that determined it (spec §6.3). Shared by every engine so their answers compare directly.

use crate::model::PolicyPlace;
use std::fmt;

/// The three outcomes of RAM evaluation (spec §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// An applicable Allow statement, and nothing denied.
    Allow,
    /// An applicable Deny statement.
    ExplicitDeny,
    /// Nothing allowed the request.
    ImplicitDeny,
}

impl Decision {
    /// The decision's name as interfaces.md spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "Allow",
            Decision::ExplicitDeny => "ExplicitDeny",
            Decision::ImplicitDeny => "ImplicitDeny",
        }
    }

    /// True only for [`Decision::Allow`].
    pub fn is_allow(self) -> bool {
        self == Decision::Allow
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The evaluation step that ended evaluation (spec §6.2, §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Step 1: a control-policy level did not allow.
    Control,
    /// Step 2: the session policy did not allow.
    Session,
    /// Step 4: identity and resource-based policies combined.
    Final,
    /// Evaluation met a broken invariant of the compiled snapshot (a bug, never the input's
    /// fault): the decision is a deny, whatever the policies say.
    InternalError,
}

impl Step {
    /// The step's name as interfaces.md spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Control => "control",
            Step::Session => "session",
            Step::Final => "final",
            Step::InternalError => "internal_error",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One statement that determined a decision: its policy's name and place, its index in the
/// policy's `Statement` array and its `Sid`, if any. Ordered by place, then statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementRef {
    /// Where the policy sits in the evaluated set: its kind, position and control level.
    pub place: PolicyPlace,
    /// The policy's name (`P1`, or a positional name such as `identity[0]`). Names may repeat
    /// across kinds and within the identity list; `place` tells such policies apart.
    pub policy: String,
    /// Index of the statement in the policy's `Statement` array.
    pub statement: usize,
    /// The statement's `Sid`.
    pub sid: Option<String>,
}

/// A complete answer: decision, the step that ended evaluation, and the determining statements
/// (for ExplicitDeny the Deny statements that applied, for Allow the Allow statements of the
/// decisions the final step used, for ImplicitDeny none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// The step that ended evaluation.
    pub step: Step,
    /// The statements that determined the decision, in policy order.
    pub determining: Vec<StatementRef>,
}
