//! `lint`: any bytes, linted as a file (a policy, or Terraform JSON with documents inside) and
//! as a policy of every kind (`ramjet lint`'s input surface). Never panics; every finding is placed at line and column 1 or later with a known rule; a document
//! the validator rejects has an RJ100 finding and no other check's, an accepted one none; the
//! three outputs are well formed (JSON and SARIF parse). For an accepted identity document, a
//! shadowed Allow (RJ301) or subsumed statement (RJ401) is a claim that removing the statement
//! changes no decision: it is checked with the reference interpreter on requests made from the
//! document's own statements.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ramjet_compiler::{parse_policy, PolicyKind};
use ramjet_fuzz::{requests_for, set_of, KINDS, MAX_CONCRETE_CHARS};
use ramjet_lint::output::{self, FileFindings};
use ramjet_lint::{lint_document, lint_file, rule, Catalog};

fuzz_target!(|data: &[u8]| {
    let catalog = Catalog::bundled();
    // As a file: a policy, or a Terraform plan or configuration with documents inside.
    for finding in lint_file(data, None, catalog).findings {
        assert!(finding.position.line >= 1 && finding.position.column >= 1);
    }
    for kind in KINDS {
        let report = lint_document(data, Some(kind), catalog);
        let rejected = parse_policy(data, kind).is_err();
        for finding in &report.findings {
            assert!(finding.position.line >= 1 && finding.position.column >= 1);
            assert!(rule(finding.rule.code).is_some());
            if rejected {
                assert!(
                    matches!(finding.rule.code, "RJ100" | "RJ300"),
                    "{kind:?}: a check ran on a rejected document: {finding:?}"
                );
            }
        }
        let has_rj100 = report.findings.iter().any(|f| f.rule.code == "RJ100");
        assert_eq!(
            has_rj100, rejected,
            "{kind:?}: RJ100 and the validator disagree"
        );
        let files = [FileFindings {
            file: "fuzz.json".to_string(),
            findings: report.findings.clone(),
        }];
        let json: serde_json::Value = serde_json::from_str(&output::json(&files)).unwrap();
        assert_eq!(
            json["findings"].as_array().map(Vec::len),
            Some(report.findings.len())
        );
        let sarif: serde_json::Value = serde_json::from_str(&output::sarif(&files)).unwrap();
        assert_eq!(sarif["version"], "2.1.0");
        let _ = output::text(&files, 0);
        if kind == PolicyKind::Identity && !rejected {
            claims_hold(data, &report.findings);
        }
    }
});

/// Removing a statement RJ301 or RJ401 reports changes no decision.
fn claims_hold(data: &[u8], findings: &[ramjet_lint::Finding]) {
    let Ok(parsed) = parse_policy(data, PolicyKind::Identity) else {
        return;
    };
    let policy = parsed.policy;
    for finding in findings {
        if !matches!(finding.rule.code, "RJ301" | "RJ401") {
            continue;
        }
        let Some(index) = statement_index(&finding.path) else {
            continue;
        };
        if policy.statements.len() < 2 || index >= policy.statements.len() {
            continue;
        }
        let mut rest = policy.clone();
        rest.statements.remove(index);
        let whole = set_of(PolicyKind::Identity, policy.clone());
        let without = set_of(PolicyKind::Identity, rest);
        for request in requests_for(&policy, 8, MAX_CONCRETE_CHARS) {
            let before = ramjet_reference::evaluate(&whole, &request).decision;
            let after = ramjet_reference::evaluate(&without, &request).decision;
            assert_eq!(
                before,
                after,
                "removing {} ({}) changes the decision on {request:?} of {:?}",
                finding.path,
                finding.rule.code,
                String::from_utf8_lossy(data)
            );
        }
    }
}

/// `Statement[3]` -> 3; `Statement` (a lone statement object) -> 0.
fn statement_index(path: &str) -> Option<usize> {
    if path == "Statement" {
        return Some(0);
    }
    path.strip_prefix("Statement[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}
