//! The audit itself: every file read in chunks, each chunk's records mapped and decided in
//! parallel on one compiled snapshot, results folded into [`Stats`] in input order. Every input
//! item is accounted for: `events == evaluated + skipped.system + skipped.unmapped +
//! skipped.malformed`.

use crate::input::{read_file, Item, Position};
use crate::mapping::Mapping;
use crate::record::{read_records, Facts, Malformed, Mapped, Mapper};
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

/// The principal as an ARN, for reports.
pub fn principal_name(request: &Request) -> String {
    let mut name = String::new();
    principal_name_into(&mut name, request);
    name
}

/// [`principal_name`] into `name` (cleared first).
fn principal_name_into(name: &mut String, request: &Request) {
    name.clear();
    let parts: [&str; 4] = match request.principal().map(|p| &p.kind) {
        Some(PrincipalKind::RootAccount { account }) => ["acs:ram::", account, ":root", ""],
        Some(PrincipalKind::RamUser { account, name, .. }) => {
            ["acs:ram::", account, ":user/", name]
        }
        Some(PrincipalKind::AssumedRole { account, role, .. }) => {
            ["acs:ram::", account, ":role/", role]
        }
        Some(PrincipalKind::Service { service, .. }) => [service, "", "", ""],
        Some(PrincipalKind::Federated { provider }) => [provider, "", "", ""],
        Some(PrincipalKind::Anonymous) | None => ["(anonymous)", "", "", ""],
    };
    parts.iter().for_each(|part| name.push_str(part));
}

/// What a worker reuses from one record to the next, so that auditing a record allocates
/// nothing once its buffers have grown to fit (unless it adds a name to the report).
#[derive(Debug, Default)]
struct Worker {
    mapper: Mapper,
    principal: String,
    lowered_action: String,
}

/// Audits one item: reads its records, maps and decides each, and folds them into `stats` (with
/// `lines`, a decision line per record, or one for an item that is not a record). An item with
/// no record counts as an empty value, not as an event. With `want_lines` (or while denied
/// samples are still wanted), denied events get their determining statements.
#[allow(clippy::too_many_arguments)] // the audit's whole state, passed down once
fn audit_item(
    item: &Item,
    path: &Path,
    snapshot: &Snapshot,
    mapping: &Mapping,
    scratch: &mut Scratch,
    worker: &mut Worker,
    stats: &mut Stats,
    mut lines: Option<&mut Vec<String>>,
) {
    let position = item.position;
    let at = || At {
        file: path.display().to_string(),
        position,
    };
    let text = match &item.text {
        Ok(span) => std::str::from_utf8(span.bytes()).map_err(|e| format!("not UTF-8: {e}")),
        Err(e) => Err(e.clone()),
    };
    let text = match text {
        Ok(text) => text,
        Err(error) => {
            stats.events += 1;
            record_malformed(stats, at, error, lines);
            return;
        }
    };
    let want_lines = lines.is_some();
    let mut records = 0;
    read_records(text, &mut |record| {
        records += 1;
        stats.events += 1;
        let lines = lines.as_deref_mut();
        let record = match record {
            Ok(record) => record,
            Err(Malformed(error)) => return record_malformed(stats, at, error, lines),
        };
        let facts = Facts::of(record, mapping);
        let request = match worker.mapper.map(record, mapping) {
            Mapped::Request(request) => request,
            Mapped::System => {
                stats.system += 1;
                if let Some(lines) = lines {
                    lines.push(json_line(&skipped_line(at(), "system", None)));
                }
                return;
            }
            Mapped::Unmapped(reason) => return record_unmapped(stats, at, reason, facts, lines),
        };
        let checked = snapshot.check(request, scratch);
        // The determining statements only where a report shows them.
        let explain = want_lines || stats.denied_samples.len() < SAMPLES;
        let outcome = if checked.verdict.decision == Decision::Allow || !explain {
            Outcome {
                decision: checked.verdict.decision,
                step: checked.verdict.step,
                determining: Vec::new(),
            }
        } else {
            snapshot.outcome(request, scratch)
        };
        principal_name_into(&mut worker.principal, request);
        let decided = Decided {
            request,
            principal: &worker.principal,
            outcome: &outcome,
            facts,
        };
        record_decided(stats, at, decided, &mut worker.lowered_action, lines);
    });
    if records == 0 {
        stats.empty_values += 1;
    }
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
                    let mut worker = Worker::default();
                    for item in items {
                        audit_item(
                            item,
                            path,
                            snapshot,
                            mapping,
                            scratch,
                            &mut worker,
                            &mut partial,
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
    facts: Facts<'_>,
    lines: Option<&mut Vec<String>>,
) {
    stats.unmapped += 1;
    match stats.unmapped_reasons.get_mut(&reason) {
        Some(count) => *count += 1,
        None => {
            stats.unmapped_reasons.insert(reason.clone(), 1);
        }
    }
    if let Some(lines) = lines {
        lines.push(json_line(&skipped_line(at(), "unmapped", Some(&reason))));
    }
    if stats.unmapped_samples.len() < SAMPLES {
        stats.unmapped_samples.push(UnmappedSample {
            at: at(),
            event_id: facts.event_id.map(str::to_string),
            reason,
        });
    }
}

/// A decided record, borrowed from the worker that decided it.
struct Decided<'a> {
    request: &'a Request,
    /// The principal as an ARN ([`principal_name`]).
    principal: &'a str,
    outcome: &'a Outcome,
    facts: Facts<'a>,
}

/// A decided record: counted, compared with what ActionTrail recorded, its allowed action
/// noted as used, and its decision line and denied sample written when wanted.
fn record_decided(
    stats: &mut Stats,
    at: impl Fn() -> At,
    decided: Decided<'_>,
    lowered_action: &mut String,
    lines: Option<&mut Vec<String>>,
) {
    let Decided {
        request,
        principal,
        outcome,
        facts,
    } = decided;
    let decision = outcome.decision;
    count_decision(stats, principal, request.action(), decision);
    compare_with_recorded(&mut stats.ground_truth, facts.recorded_denied, decision);
    if decision.is_allow() && !facts.recorded_denied {
        lowered_action.clear();
        lowered_action.push_str(request.action());
        lowered_action.make_ascii_lowercase();
        note_used(stats, principal, lowered_action);
    }
    let wants_sample = !decision.is_allow() && stats.denied_samples.len() < SAMPLES;
    if lines.is_none() && !wants_sample {
        return;
    }
    let line = DecisionLine {
        at: at(),
        event_id: facts.event_id.map(str::to_string),
        principal: principal.to_string(),
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
        recorded_error: facts.error_code.map(str::to_string),
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

/// Notes that `principal` used `action` (lowered) in an allowed call; names already noted are
/// not copied again.
fn note_used(stats: &mut Stats, principal: &str, action: &str) {
    match stats.used.get_mut(principal) {
        Some(used) => {
            if !used.contains(action) {
                used.insert(action.to_string());
            }
        }
        None => {
            stats
                .used
                .entry(principal.to_string())
                .or_default()
                .insert(action.to_string());
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
