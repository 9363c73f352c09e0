//! Peer engines on ramjet's benchmark workload: each translates the workload's RAM policies into
//! its own language once, turns each request into its own input once, and then decides requests.
//! [`disagreements`] compares every peer decision with ramjet's before anything is timed: a
//! disagreement is a bug in the translation, and the benchmark refuses to run.
//!
//! Built only with the `peers` feature (cedar-policy and regorus take minutes to compile).
//! Each translation's encoding and its fidelity limits are written in its module docs and in
//! bench/README.md.

use crate::Workload;
use ramjet_engine::Scratch;
use ramjet_engine::Snapshot;
use ramjet_engine::{Decision, Request};

pub mod cedar;
pub mod rego;

/// An authorization engine that can stand in for ramjet on the benchmark workload.
pub trait Peer {
    /// The engine's own form of one request, built before timing starts (as ramjet's
    /// [`Request`] is).
    type Input;

    /// The engine's name in tables.
    fn name(&self) -> &'static str;

    /// Turns a ramjet request into the engine's input.
    fn prepare(&self, request: &Request) -> Self::Input;

    /// Decides one prepared request. Peers that cannot tell an explicit from an implicit deny
    /// answer [`Decision::ImplicitDeny`] for both; [`disagreements`] then compares allow/deny.
    fn decide(&mut self, input: &Self::Input) -> Decision;

    /// Whether [`Peer::decide`] distinguishes [`Decision::ExplicitDeny`].
    fn tells_explicit_deny(&self) -> bool {
        true
    }
}

/// Every request of `workload` on which `peer` and ramjet decide differently, described for a
/// person (empty when they agree on all).
pub fn disagreements<P: Peer>(peer: &mut P, workload: &Workload) -> Vec<String> {
    let snapshot = match Snapshot::compile(&workload.bundle, 1) {
        Ok(snapshot) => snapshot,
        Err(error) => return vec![format!("the workload does not compile: {error}")],
    };
    let mut scratch = Scratch::default();
    let mut found = Vec::new();
    for (i, request) in workload.requests.iter().enumerate() {
        let expected = snapshot.check(request, &mut scratch).verdict.decision;
        let input = peer.prepare(request);
        let got = peer.decide(&input);
        let same = if peer.tells_explicit_deny() {
            got == expected
        } else {
            got.is_allow() == expected.is_allow()
        };
        if !same {
            found.push(format!(
                "request {i} ({} on {}): ramjet {expected}, {} {got}",
                request.action(),
                request.resource(),
                peer.name()
            ));
        }
    }
    found
}
