//! The three output formats: SARIF validates against the SARIF 2.1.0 schema, JSON has exactly
//! the shape `docs/interfaces.md` fixes, text is one compiler-style line per finding.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ramjet_lint::output::{self, FileFindings};
use ramjet_lint::{lint_document, Catalog, RULES};
use serde_json::Value;

/// Findings of every class, with a syntax error in a second file.
fn sample() -> Vec<FileFindings> {
    let doc = r#"{"Version": "1", "Statement": [
  {"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"},
  {"Effect": "Allow", "Action": "eas:DescribeServcie", "Resource": "*",
   "Condition": {"DateLessThanIfExists": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}}},
  {"Effect": "Allow", "Action": "eas:DescribeService", "Resource": "*"}
]}"#;
    let broken = "{\"Version\": \"1\", \"Statement\": [}";
    let lint = |text: &str| lint_document(text.as_bytes(), None, Catalog::bundled()).findings;
    vec![
        FileFindings {
            file: "policies/admin policy.json".to_string(),
            findings: lint(doc),
        },
        FileFindings {
            file: "policies/broken.json".to_string(),
            findings: lint(broken),
        },
    ]
}

#[test]
fn sarif_validates_against_the_schema_and_carries_rules_and_regions() {
    let files = sample();
    let log: Value = serde_json::from_str(&output::sarif(&files)).unwrap();
    let schema: Value = serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    assert!(rules
        .iter()
        .all(|r| r["help"]["text"].as_str().unwrap().len() > 100));
    let results = run["results"].as_array().unwrap();
    let total: usize = files.iter().map(|f| f.findings.len()).sum();
    assert_eq!(results.len(), total);
    for (result, finding) in results.iter().zip(files.iter().flat_map(|f| &f.findings)) {
        assert_eq!(result["ruleId"], finding.rule.code);
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], finding.rule.code);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], finding.position.line);
        assert_eq!(region["startColumn"], finding.position.column);
        assert_eq!(
            result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            finding.path.as_str()
        );
    }
    let security = results.iter().find(|r| r["ruleId"] == "RJ202").unwrap();
    assert_eq!(security["level"], "warning");
    let rule = rules.iter().find(|r| r["id"] == "RJ202").unwrap();
    assert_eq!(rule["properties"]["security-severity"], "7.0");
    // A space in a file name is percent-encoded in the URI.
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "policies/admin%20policy.json"
    );
}

#[test]
fn json_has_exactly_the_documented_fields() {
    let files = sample();
    let report: Value = serde_json::from_str(&output::json(&files)).unwrap();
    let object = report.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["findings"]);
    let findings = report["findings"].as_array().unwrap();
    let classes: std::collections::BTreeSet<&str> = findings
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert_eq!(
        classes.into_iter().collect::<Vec<_>>(),
        ["error", "security_warning", "suggestion", "warning"]
    );
    for finding in findings {
        let mut keys: Vec<&str> = finding
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["column", "file", "line", "message", "path", "rule", "severity"]
        );
        assert!(finding["line"].as_u64().unwrap() >= 1 && finding["column"].as_u64().unwrap() >= 1);
    }
    let typo = findings.iter().find(|f| f["rule"] == "RJ101").unwrap();
    assert_eq!(typo["file"], "policies/admin policy.json");
    assert_eq!(typo["path"], "Statement[1].Action");
    assert_eq!(
        (typo["line"].as_u64(), typo["column"].as_u64()),
        (Some(3), Some(33))
    );
    let syntax = findings
        .iter()
        .find(|f| f["file"] == "policies/broken.json")
        .unwrap();
    assert_eq!(syntax["rule"], "RJ100");
}

#[test]
fn text_is_one_line_per_finding_and_a_summary() {
    let files = sample();
    let text = output::text(&files, 2);
    let lines: Vec<&str> = text.lines().collect();
    let total: usize = files.iter().map(|f| f.findings.len()).sum();
    assert_eq!(lines.len(), total + 1);
    assert!(lines.contains(
        &"policies/admin policy.json:2:49: security warning[RJ202 allow-all]: allows every action of every service on every resource: administrator access, including RAM itself (Statement[0].Action)"
    ), "{text}");
    assert!(lines
        .last()
        .unwrap()
        .starts_with("2 files linted: 2 errors, 1 security warning, "));
    assert!(lines.last().unwrap().ends_with(" (2 suppressed)"));
}
