//! The audit's outputs: the JSON report (interfaces.md `ramjet audit`), the summary for people,
//! and the unused-permissions finding.

use crate::run::{
    DeniedSample, FileSummary, GroundTruth, MalformedSample, Stats, Tally, UnmappedSample,
};
use ramjet_compiler::wildcard::glob_matches;
use ramjet_engine::model::{Bundle, Effect, Member, Statement};
use serde::Serialize;
use std::collections::BTreeMap;

/// The EAS actions of `corpus/catalog/eas-actions.json`, which is compiled into the binary.
pub fn catalog_actions() -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Catalog {
        actions: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        action: String,
    }
    let text = include_str!("../../corpus/catalog/eas-actions.json");
    // PANIC SAFETY: the text is fixed at build time, and `the_embedded_catalog_is_read` (below)
    // reads it in every test run, so this cannot fail in a binary that passed its tests.
    #[allow(clippy::expect_used)]
    let catalog: Catalog = serde_json::from_str(text).expect("the embedded catalog parses");
    catalog.actions.into_iter().map(|e| e.action).collect()
}

/// For each user and role of the bundle, the catalog actions its identity policies grant — an
/// Allow statement whose `Action` matches the action (or whose `NotAction` does not), whatever
/// its resource and condition — that no allowed event of that principal used.
pub fn unused_permissions(bundle: &Bundle, stats: &Stats) -> BTreeMap<String, Vec<String>> {
    let catalog = catalog_actions();
    let mut findings = BTreeMap::new();
    for (account_id, account) in &bundle.accounts {
        let users = account.users.keys().map(|name| {
            (
                format!("acs:ram::{account_id}:user/{name}"),
                Member::User(name),
            )
        });
        let roles = account.roles.keys().map(|role| {
            (
                format!("acs:ram::{account_id}:role/{role}"),
                Member::Role(role),
            )
        });
        for (arn, member) in users.chain(roles) {
            let statements: Vec<&Statement> = account
                .identity_attachments(member)
                .iter()
                .filter_map(|a| bundle.policies.get(a.policy))
                .flat_map(|p| &p.statements)
                .filter(|s| s.effect == Effect::Allow)
                .collect();
            let used = stats.used.get(&arn);
            let unused: Vec<String> = catalog
                .iter()
                .filter(|action| statements.iter().any(|s| grants(s, action)))
                .filter(|action| used.is_none_or(|u| !u.contains(&action.to_ascii_lowercase())))
                .cloned()
                .collect();
            if !unused.is_empty() {
                findings.insert(arn, unused);
            }
        }
    }
    findings
}

/// Whether `statement`'s `Action` / `NotAction` covers `action`.
fn grants(statement: &Statement, action: &str) -> bool {
    statement
        .actions
        .patterns
        .iter()
        .any(|p| glob_matches(p, action, true))
        != statement.actions.negated
}

/// Events skipped, by reason.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Skipped {
    /// `system` events.
    pub system: u64,
    /// Records that could not be mapped.
    pub unmapped: u64,
    /// Input that is not a record.
    pub malformed: u64,
}

/// The JSON report (interfaces.md `ramjet audit`), members in this order: a struct rather than a
/// `serde_json::Value`, whose object members would come out sorted unless some crate of the
/// build turned on serde_json's `preserve_order`.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
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
    /// Events not decided.
    pub skipped: Skipped,
    /// White-space-only lines.
    pub blank_lines: u64,
    /// Well-formed values that hold no record.
    pub empty_values: u64,
    /// Files read.
    pub files: &'a [FileSummary],
    /// Per principal ARN, sorted.
    pub principals: BTreeMap<&'a str, Tally>,
    /// Per action, sorted.
    pub actions: BTreeMap<&'a str, Tally>,
    /// Denied events with their deciding statements.
    pub denied_samples: &'a [DeniedSample],
    /// Unmapped reasons with their counts.
    pub unmapped_reasons: &'a BTreeMap<String, u64>,
    /// Unmapped records.
    pub unmapped_samples: &'a [UnmappedSample],
    /// Malformed input.
    pub malformed_samples: &'a [MalformedSample],
    /// Recorded outcomes against ramjet's.
    pub ground_truth: GroundTruth,
    /// Catalog actions granted but not used, per principal.
    pub unused_permissions: &'a BTreeMap<String, Vec<String>>,
}

/// The JSON report.
pub fn report<'a>(stats: &'a Stats, unused: &'a BTreeMap<String, Vec<String>>) -> Report<'a> {
    let sorted = |tallies: &'a hashbrown::HashMap<String, Tally>| {
        tallies.iter().map(|(k, t)| (k.as_str(), *t)).collect()
    };
    Report {
        events: stats.events,
        evaluated: stats.evaluated,
        allowed: stats.allowed,
        explicit_deny: stats.explicit_deny,
        implicit_deny: stats.implicit_deny,
        skipped: Skipped {
            system: stats.system,
            unmapped: stats.unmapped,
            malformed: stats.malformed,
        },
        blank_lines: stats.blank_lines,
        empty_values: stats.empty_values,
        files: &stats.files,
        principals: sorted(&stats.principals),
        actions: sorted(&stats.actions),
        denied_samples: &stats.denied_samples,
        unmapped_reasons: &stats.unmapped_reasons,
        unmapped_samples: &stats.unmapped_samples,
        malformed_samples: &stats.malformed_samples,
        ground_truth: stats.ground_truth,
        unused_permissions: unused,
    }
}

/// The summary for people.
pub fn summary(stats: &Stats, unused: &BTreeMap<String, Vec<String>>, seconds: f64) -> String {
    let mut out = String::new();
    let rate = if seconds > 0.0 {
        stats.events as f64 / seconds
    } else {
        0.0
    };
    out.push_str(&format!(
        "{} events in {:.2} s ({:.0} events/s): {} evaluated, {} system, {} unmapped, {} malformed\n",
        stats.events, seconds, rate, stats.evaluated, stats.system, stats.unmapped, stats.malformed
    ));
    out.push_str(&format!(
        "decisions: {} allowed, {} explicitly denied, {} implicitly denied\n",
        stats.allowed, stats.explicit_deny, stats.implicit_deny
    ));
    let t = stats.ground_truth;
    out.push_str(&format!(
        "recorded outcomes: {} refused for lack of permission ({} denied by ramjet too, {} allowed now); {} succeeded but would be denied now\n",
        t.recorded_denied, t.recorded_denied_ramjet_denied, t.recorded_denied_ramjet_allowed, t.recorded_allowed_ramjet_denied
    ));
    let mut denied: Vec<(&String, u64)> = stats
        .principals
        .iter()
        .map(|(p, t)| (p, t.explicit_deny + t.implicit_deny))
        .filter(|(_, n)| *n > 0)
        .collect();
    denied.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if !denied.is_empty() {
        out.push_str("most denied principals:\n");
        for (principal, n) in denied.iter().take(5) {
            out.push_str(&format!("  {n:>8}  {principal}\n"));
        }
    }
    if !stats.unmapped_reasons.is_empty() {
        out.push_str("unmapped:\n");
        for (reason, n) in stats.unmapped_reasons.iter().take(5) {
            out.push_str(&format!("  {n:>8}  {reason}\n"));
        }
    }
    for sample in stats.malformed_samples.iter().take(3) {
        let sample = serde_json::to_string(sample).unwrap_or_default();
        out.push_str(&format!("malformed: {sample}\n"));
    }
    if !unused.is_empty() {
        out.push_str("granted but unused (EAS catalog actions):\n");
        for (principal, actions) in unused.iter().take(5) {
            out.push_str(&format!(
                "  {principal}: {} actions, e.g. {}\n",
                actions.len(),
                actions
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_catalog_is_read() {
        let actions = super::catalog_actions();
        assert_eq!(actions.len(), 97);
        assert!(actions.iter().all(|a| a.starts_with("eas:")));
    }
}
