//! A [`PolicySet`](crate::model::PolicySet) compiled into evaluation units: what `ramjet check`
//! and the conformance suite run on. [`CompiledPolicySet::compile`] builds one (`compile::unit`).

use crate::evaluate::{decide, Mode, Scratch, Units, Verdict};
use crate::index::PolicyIndex;
use crate::keys::KeyTable;
use crate::request::Request;
use crate::Outcome;

/// Every unit of one scenario's policies, compiled, with the condition keys they share.
#[derive(Debug)]
pub struct CompiledPolicySet {
    pub(crate) keys: KeyTable,
    pub(crate) control: Option<PolicyIndex>,
    pub(crate) session: Option<PolicyIndex>,
    pub(crate) identity: Option<PolicyIndex>,
    pub(crate) resource: Option<PolicyIndex>,
}

impl CompiledPolicySet {
    /// The units, for [`decide`].
    fn units(&self) -> Units<'_> {
        Units {
            keys: &self.keys,
            control: self.control.as_ref(),
            session: self.session.as_ref(),
            identity: self.identity.as_ref(),
            resource: self.resource.as_ref(),
        }
    }

    /// Decides `request` (the decision only: the fast path).
    pub fn decide(&self, request: &Request, scratch: &mut Scratch) -> Verdict {
        decide(&self.units(), request, scratch, Mode::Verdict)
    }

    /// Decides `request`, with the determining statements as references.
    pub fn outcome(&self, request: &Request, scratch: &mut Scratch) -> Outcome {
        self.units().outcome(request, scratch)
    }
}
