//! The audit itself: every file read in chunks, each chunk's records mapped and decided in
//! parallel on one compiled snapshot, results folded into [`Stats`] in input order. Every input
//! item is accounted for: `events == evaluated + skipped.system + skipped.unmapped +
//! skipped.malformed`.

use crate::input::{read_file, Item, Position};
use crate::mapping::Mapping;
use crate::record::{classify_value, Classified, EventFacts, Malformed};
use hashbrown::{HashMap, HashSet};
use ramjet_engine::batch::par_map_chunks;
use ramjet_engine::{Decision, Outcome, PrincipalKind, Request, Scratch, Snapshot};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Samples kept of each kind of finding.
pub const SAMPLES: usize = 20;

/// Counts for one principal or action.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Events evaluated.
    pub events: u64,
    /// Allowed.
    pub allowed: u64,
    /// Explicitly denied.
    pub explicit_deny: u64,
    /// Implicitly denied.
    pub implicit_deny: u64,
}

impl Tally {
    fn absorb(&mut self, other: Tally) {
        self.events += other.events;
        self.allowed += other.allowed;
        self.explicit_deny += other.explicit_deny;
        self.implicit_deny += other.implicit_deny;
    }

    fn add(&mut self, decision: Decision) {
        self.events += 1;
        match decision {
            Decision::Allow => self.allowed += 1,
            Decision::ExplicitDeny => self.explicit_deny += 1,
            Decision::ImplicitDeny => self.implicit_deny += 1,
        }
    }
}

/// How ramjet's decisions compare with the outcomes ActionTrail recorded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GroundTruth {
    /// Events whose `errorCode` says they were refused for lack of permission.
    pub recorded_denied: u64,
    /// Of those, how many ramjet denies too.
    pub recorded_denied_ramjet_denied: u64,
    /// Of those, how many ramjet would allow (the policies have widened since, or ramjet is wrong).
    pub recorded_denied_ramjet_allowed: u64,
    /// Events that succeeded (no permission error) but that ramjet denies: drift since, or an
    /// attack that succeeded before a fix.
    pub recorded_allowed_ramjet_denied: u64,
    /// Events that succeeded and that ramjet allows.
    pub recorded_allowed_ramjet_allowed: u64,
}

// The report's records are structs, not `serde_json::Value`s, so that their members come out in
// the order written here whether or not some crate of the build turns on serde_json's
// `preserve_order` (without it a `Value` object sorts its members).

/// Where an input item is: its file, and its line or record number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct At {
    /// The file, as given.
    pub file: String,
    /// `"line": N` or `"record": N`.
    #[serde(flatten)]
    pub position: Position,
}

/// A statement that determined a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Determining {
    /// The policy's name.
    pub policy: String,
    /// The statement's index in the policy.
    pub statement: usize,
    /// The statement's `Sid`.
    pub sid: Option<String>,
    /// The policy's kind: `identity`, `resource` (a trust policy) or `control`.
    pub kind: &'static str,
    /// Its position in the principal's identity policies or in its control level.
    pub index: usize,
    /// For a control policy, its level (0 is the member account's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
}

/// One decided event: a line of the decisions file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionLine {
    /// Where the event is.
    #[serde(flatten)]
    pub at: At,
    /// `eventId`.
    pub event_id: Option<String>,
    /// The principal, as an ARN ([`principal_name`]).
    pub principal: String,
    /// The request's action.
    pub action: String,
    /// The request's resource.
    pub resource: String,
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`.
    pub decision: &'static str,
    /// The step that ended evaluation.
    pub step: &'static str,
    /// The statements that determined the decision.
    pub determining: Vec<Determining>,
    /// The event's `errorCode`.
    pub recorded_error: Option<String>,
}

/// A line of the decisions file for an event that was not decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedLine {
    /// Where the event is.
    #[serde(flatten)]
    pub at: At,
    /// `system`, `unmapped` or `malformed`.
    pub skipped: &'static str,
    /// Why, for unmapped and malformed input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A denied event with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeniedSample {
    /// The event's decision.
    #[serde(flatten)]
    pub line: DecisionLine,
    /// The statements that denied it, or why nothing allowed it.
    pub reason: String,
}

/// A record that could not be mapped to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmappedSample {
    /// Where the record is.
    #[serde(flatten)]
    pub at: At,
    /// `eventId`.
    pub event_id: Option<String>,
    /// Why it could not be mapped.
    pub reason: String,
}

/// Input that is not a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MalformedSample {
    /// Where the input is.
    #[serde(flatten)]
    pub at: At,
    /// What is wrong with it.
    pub error: String,
}

/// A file read, with its shape and event count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    /// The file, as given.
    pub file: String,
    /// `jsonl`, `array`, `json` or `empty`.
    pub shape: &'static str,
    /// The events in it.
    pub events: u64,
}

/// Everything the audit found.
#[derive(Debug, Default)]
pub struct Stats {
    /// Input items: records found plus unreadable pieces.
    pub events: u64,
    /// Records decided.
    pub evaluated: u64,
    /// Decided Allow.
    pub allowed: u64,
    /// Decided ExplicitDeny.
    pub explicit_deny: u64,
    /// Decided ImplicitDeny.
    pub implicit_deny: u64,
    /// `system` events.
    pub system: u64,
    /// Records that could not be mapped.
    pub unmapped: u64,
    /// Input that is not a record.
    pub malformed: u64,
    /// White-space-only lines (not events).
    pub blank_lines: u64,
    /// Well-formed values that hold no record (`[]`, a LookupEvents page `{"Events": []}`): not
    /// events either, but counted so that every line of a JSON Lines file is accounted for.
    pub empty_values: u64,
    /// Per principal ARN.
    pub principals: HashMap<String, Tally>,
    /// Per action.
    pub actions: HashMap<String, Tally>,
    /// Unmapped reasons with their counts.
    pub unmapped_reasons: BTreeMap<String, u64>,
    /// Samples: denied events with their deciding statements.
    pub denied_samples: Vec<DeniedSample>,
    /// Samples: unmapped records.
    pub unmapped_samples: Vec<UnmappedSample>,
    /// Samples: malformed input.
    pub malformed_samples: Vec<MalformedSample>,
    /// Recorded outcomes against ramjet's.
    pub ground_truth: GroundTruth,
    /// Actions each principal was allowed to use, and used.
    pub used: HashMap<String, HashSet<String>>,
    /// Files read, with their shape and event count.
    pub files: Vec<FileSummary>,
}

impl Stats {
    /// The accounting identity.
    pub fn balances(&self) -> bool {
        self.events == self.evaluated + self.system + self.unmapped + self.malformed
    }
}

/// One item's result, computed in parallel.
enum Outcomes {
    Records(Vec<RecordResult>),
    Malformed(String),
}

enum RecordResult {
    Decided {
        request: Box<Request>,
        outcome: Outcome,
        facts: EventFacts,
    },
    System,
    Unmapped(String, EventFacts),
    Malformed(String),
}

/// The principal as an ARN, for reports.
pub fn principal_name(request: &Request) -> String {
    match request.principal().map(|p| &p.kind) {
        Some(PrincipalKind::RootAccount { account }) => format!("acs:ram::{account}:root"),
        Some(PrincipalKind::RamUser { account, name, .. }) => {
            format!("acs:ram::{account}:user/{name}")
        }
        Some(PrincipalKind::AssumedRole { account, role, .. }) => {
            format!("acs:ram::{account}:role/{role}")
        }
        Some(PrincipalKind::Service { service, .. }) => service.clone(),
        Some(PrincipalKind::Federated { provider }) => provider.clone(),
        Some(PrincipalKind::Anonymous) | None => "(anonymous)".to_string(),
    }
}

/// Decides the records of one item. With `explain`, denied events get their determining
/// statements (for the decisions file and the samples); otherwise only the decision.
fn decide_item(
    item: &Item,
    snapshot: &Snapshot,
    mapping: &Mapping,
    scratch: &mut Scratch,
    explain: bool,
) -> Outcomes {
    let text = match &item.text {
        Ok(span) => match std::str::from_utf8(span.bytes()) {
            Ok(text) => text,
            Err(e) => return Outcomes::Malformed(format!("not UTF-8: {e}")),
        },
        Err(e) => return Outcomes::Malformed(e.clone()),
    };
    let mut classified = Vec::new();
    classify_value(text, mapping, &mut classified);
    Outcomes::Records(
        classified
            .into_iter()
            .map(|c| match c {
                Ok(Classified::Request(request, facts)) => {
                    let checked = snapshot.check(&request, scratch);
                    // The determining statements only where a report shows them.
                    let outcome = if checked.verdict.decision == Decision::Allow || !explain {
                        Outcome {
                            decision: checked.verdict.decision,
                            step: checked.verdict.step,
                            determining: Vec::new(),
                        }
                    } else {
                        snapshot.outcome(&request, scratch)
                    };
                    RecordResult::Decided {
                        request,
                        outcome,
                        facts,
                    }
                }
                Ok(Classified::System(_)) => RecordResult::System,
                Ok(Classified::Unmapped(reason, facts)) => RecordResult::Unmapped(reason, facts),
                Err(Malformed(e)) => RecordResult::Malformed(e),
            })
            .collect(),
    )
}

/// Where decisions go, one JSON line per event.
pub type DecisionSink<'a> = Option<&'a mut dyn Write>;

/// Items per parallel task: each task folds its items into a [`Stats`] of its own; the tasks'
/// results are merged in input order.
const TASK_ITEMS: usize = 256;

/// Audits `files` against `snapshot`. `progress` is called after each chunk with the events so
/// far. I/O errors opening a file are returned with the file, after the others are read.
pub fn audit(
    files: &[PathBuf],
    snapshot: &Snapshot,
    mapping: &Mapping,
    mut decisions: DecisionSink<'_>,
    progress: &mut dyn FnMut(u64),
) -> (Stats, Vec<(PathBuf, std::io::Error)>) {
    let mut stats = Stats::default();
    let mut failures = Vec::new();
    let want_lines = decisions.is_some();
    for path in files {
        let before = stats.events;
        let mut fold = |chunk: Vec<Item>| {
            let partials: Vec<(Stats, Vec<String>)> =
                par_map_chunks(&chunk, TASK_ITEMS, |items, scratch| {
                    let mut partial = Stats::default();
                    let mut lines = Vec::new();
                    for item in items {
                        let explain = want_lines || partial.denied_samples.len() < SAMPLES;
                        let result = decide_item(item, snapshot, mapping, scratch, explain);
                        record(
                            &mut partial,
                            path,
                            item.position,
                            result,
                            want_lines.then_some(&mut lines),
                        );
                    }
                    (partial, lines)
                });
            for (partial, lines) in partials {
                stats.merge(partial);
                if let Some(out) = decisions.as_mut() {
                    for line in lines {
                        let _ = writeln!(out, "{line}");
                    }
                }
            }
            progress(stats.events);
        };
        // Read on a thread of its own, a couple of chunks ahead of the evaluation.
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Item>>(2);
        let read = std::thread::scope(|scope| {
            let reader = scope.spawn(move || {
                read_file(path, &mut |chunk| {
                    let _ = sender.send(chunk);
                })
            });
            for chunk in receiver {
                fold(chunk);
            }
            reader.join()
        });
        let read = match read {
            Ok(read) => read,
            Err(_) => Err(std::io::Error::other("the reader thread failed")),
        };
        match read {
            Ok((shape, summary)) => {
                stats.blank_lines += summary.blank_lines as u64;
                stats.files.push(FileSummary {
                    file: path.display().to_string(),
                    shape: shape.as_str(),
                    events: stats.events - before,
                });
            }
            Err(e) => failures.push((path.clone(), e)),
        }
    }
    (stats, failures)
}

impl Stats {
    /// Adds what `other` counted (after what this one counted, for the samples).
    fn merge(&mut self, other: Stats) {
        self.events += other.events;
        self.evaluated += other.evaluated;
        self.allowed += other.allowed;
        self.explicit_deny += other.explicit_deny;
        self.implicit_deny += other.implicit_deny;
        self.system += other.system;
        self.unmapped += other.unmapped;
        self.malformed += other.malformed;
        self.blank_lines += other.blank_lines;
        self.empty_values += other.empty_values;
        for (k, t) in other.principals {
            self.principals.entry(k).or_default().absorb(t);
        }
        for (k, t) in other.actions {
            self.actions.entry(k).or_default().absorb(t);
        }
        for (k, n) in other.unmapped_reasons {
            *self.unmapped_reasons.entry(k).or_default() += n;
        }
        fn room<T>(v: &[T]) -> usize {
            SAMPLES.saturating_sub(v.len())
        }
        let take = room(&self.denied_samples);
        self.denied_samples
            .extend(other.denied_samples.into_iter().take(take));
        let take = room(&self.unmapped_samples);
        self.unmapped_samples
            .extend(other.unmapped_samples.into_iter().take(take));
        let take = room(&self.malformed_samples);
        self.malformed_samples
            .extend(other.malformed_samples.into_iter().take(take));
        let (a, b) = (&mut self.ground_truth, other.ground_truth);
        a.recorded_denied += b.recorded_denied;
        a.recorded_denied_ramjet_denied += b.recorded_denied_ramjet_denied;
        a.recorded_denied_ramjet_allowed += b.recorded_denied_ramjet_allowed;
        a.recorded_allowed_ramjet_denied += b.recorded_allowed_ramjet_denied;
        a.recorded_allowed_ramjet_allowed += b.recorded_allowed_ramjet_allowed;
        for (k, actions) in other.used {
            self.used.entry(k).or_default().extend(actions);
        }
    }
}

/// Folds one item's result into `stats` and, with `lines`, appends its decision lines: one per
/// record, or one for an item that is not a record. An item with no record counts as an empty
/// value, not as an event.
fn record(
    stats: &mut Stats,
    path: &Path,
    position: Position,
    result: Outcomes,
    mut lines: Option<&mut Vec<String>>,
) {
    let at = || At {
        file: path.display().to_string(),
        position,
    };
    let results = match result {
        Outcomes::Malformed(error) => {
            stats.events += 1;
            record_malformed(stats, at, error, lines);
            return;
        }
        Outcomes::Records(results) if results.is_empty() => {
            stats.empty_values += 1;
            return;
        }
        Outcomes::Records(results) => results,
    };
    for result in results {
        stats.events += 1;
        let lines = lines.as_deref_mut();
        match result {
            RecordResult::Malformed(error) => record_malformed(stats, at, error, lines),
            RecordResult::System => {
                stats.system += 1;
                if let Some(lines) = lines {
                    lines.push(json_line(&skipped_line(at(), "system", None)));
                }
            }
            RecordResult::Unmapped(reason, facts) => {
                record_unmapped(stats, at, reason, facts, lines)
            }
            RecordResult::Decided {
                request,
                outcome,
                facts,
            } => record_decided(stats, at, &request, &outcome, facts, lines),
        }
    }
}

fn skipped_line(at: At, skipped: &'static str, reason: Option<&String>) -> SkippedLine {
    SkippedLine {
        at,
        skipped,
        reason: reason.cloned(),
    }
}

/// An item or record that is not readable as an event.
fn record_malformed(
    stats: &mut Stats,
    at: impl Fn() -> At,
    error: String,
    lines: Option<&mut Vec<String>>,
) {
    stats.malformed += 1;
    if let Some(lines) = lines {
        lines.push(json_line(&skipped_line(at(), "malformed", Some(&error))));
    }
    if stats.malformed_samples.len() < SAMPLES {
        stats
            .malformed_samples
            .push(MalformedSample { at: at(), error });
    }
}

/// A record that does not map to a request, with the reason.
fn record_unmapped(
    stats: &mut Stats,
    at: impl Fn() -> At,
    reason: String,
    facts: EventFacts,
    lines: Option<&mut Vec<String>>,
) {
    stats.unmapped += 1;
    *stats.unmapped_reasons.entry(reason.clone()).or_default() += 1;
    if let Some(lines) = lines {
        lines.push(json_line(&skipped_line(at(), "unmapped", Some(&reason))));
    }
    if stats.unmapped_samples.len() < SAMPLES {
        stats.unmapped_samples.push(UnmappedSample {
            at: at(),
            event_id: facts.event_id,
            reason,
        });
    }
}

/// A decided record: counted, compared with what ActionTrail recorded, its allowed action
/// noted as used, and its decision line and denied sample written when wanted.
fn record_decided(
    stats: &mut Stats,
    at: impl Fn() -> At,
    request: &Request,
    outcome: &Outcome,
    facts: EventFacts,
    lines: Option<&mut Vec<String>>,
) {
    let decision = outcome.decision;
    let principal = principal_name(request);
    count_decision(stats, &principal, request.action(), decision);
    compare_with_recorded(&mut stats.ground_truth, facts.recorded_denied, decision);
    if decision.is_allow() && !facts.recorded_denied {
        note_used(stats, &principal, request.action());
    }
    let wants_sample = !decision.is_allow() && stats.denied_samples.len() < SAMPLES;
    if lines.is_none() && !wants_sample {
        return;
    }
    let line = DecisionLine {
        at: at(),
        event_id: facts.event_id,
        principal,
        action: request.action().to_string(),
        resource: request.resource().to_string(),
        decision: decision.as_str(),
        step: outcome.step.as_str(),
        determining: outcome
            .determining
            .iter()
            .map(|d| Determining {
                policy: d.policy.clone(),
                statement: d.statement,
                sid: d.sid.clone(),
                kind: d.place.kind().as_str(),
                index: d.place.index(),
                level: d.place.level(),
            })
            .collect(),
        recorded_error: facts.error_code,
    };
    if let Some(lines) = lines {
        lines.push(json_line(&line));
    }
    if wants_sample {
        let reason = denied_reason(outcome);
        stats.denied_samples.push(DeniedSample { line, reason });
    }
}

/// The decision counted overall, per principal and per action. A tally is looked up before it
/// is inserted, so that a name already counted is not copied again.
fn count_decision(stats: &mut Stats, principal: &str, action: &str, decision: Decision) {
    stats.evaluated += 1;
    match decision {
        Decision::Allow => stats.allowed += 1,
        Decision::ExplicitDeny => stats.explicit_deny += 1,
        Decision::ImplicitDeny => stats.implicit_deny += 1,
    }
    for (tallies, key) in [
        (&mut stats.principals, principal),
        (&mut stats.actions, action),
    ] {
        match tallies.get_mut(key) {
            Some(tally) => tally.add(decision),
            None => tallies.entry(key.to_string()).or_default().add(decision),
        }
    }
}

/// The decision against the outcome ActionTrail recorded (an `errorCode` of a denial or not).
fn compare_with_recorded(truth: &mut GroundTruth, recorded_denied: bool, decision: Decision) {
    match (recorded_denied, decision.is_allow()) {
        (true, false) => {
            truth.recorded_denied += 1;
            truth.recorded_denied_ramjet_denied += 1;
        }
        (true, true) => {
            truth.recorded_denied += 1;
            truth.recorded_denied_ramjet_allowed += 1;
        }
        (false, false) => truth.recorded_allowed_ramjet_denied += 1,
        (false, true) => truth.recorded_allowed_ramjet_allowed += 1,
    }
}

/// Notes that `principal` used `action` (lowered) in an allowed call.
fn note_used(stats: &mut Stats, principal: &str, action: &str) {
    let action = action.to_ascii_lowercase();
    match stats.used.get_mut(principal) {
        Some(used) => {
            used.insert(action);
        }
        None => {
            stats
                .used
                .entry(principal.to_string())
                .or_default()
                .insert(action);
        }
    }
}

/// Why a denied sample was denied, for people.
fn denied_reason(outcome: &Outcome) -> String {
    if outcome.determining.is_empty() {
        return format!(
            "no statement allows it (ImplicitDeny at step {})",
            outcome.step
        );
    }
    let names: Vec<String> = outcome
        .determining
        .iter()
        .map(|d| format!("{} Statement[{}]", d.policy, d.statement))
        .collect();
    format!("denied by {}", names.join(", "))
}

fn json_line<T: Serialize>(line: &T) -> String {
    // Serialising these structs (strings, numbers, options) cannot fail.
    serde_json::to_string(line).unwrap_or_default()
}
