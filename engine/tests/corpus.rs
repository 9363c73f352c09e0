//! The bundled corpus: every real policy validates as its kind, and the EAS action catalog is
//! complete and usable as requests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

use ramjet_compiler::{parse_policy, parse_scenario, PolicyKind, Severity};
use ramjet_engine::Decision;
use ramjet_reference as reference;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

fn kind(name: &str) -> PolicyKind {
    match name {
        "identity" => PolicyKind::Identity,
        "session" => PolicyKind::Session,
        "resource" => PolicyKind::Resource,
        "control" => PolicyKind::Control,
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn every_corpus_policy_validates_as_its_kind() {
    let manifest = std::fs::read_to_string(corpus().join("policies/MANIFEST.tsv")).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split('\t');
        let (file, kind_name) = (fields.next().unwrap(), fields.next().unwrap());
        let bytes = std::fs::read(corpus().join("policies").join(file)).unwrap();
        match parse_policy(&bytes, kind(kind_name)) {
            Ok(_) => checked += 1,
            Err(diagnostics) => failures.push(format!("{file} ({kind_name}): {diagnostics:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The seven seed policies and the published samples.
    assert!(checked >= 78, "only {checked} policies in the manifest");
}

#[test]
fn every_published_sample_is_in_the_manifest() {
    let manifest = std::fs::read_to_string(corpus().join("policies/MANIFEST.tsv")).unwrap();
    for entry in std::fs::read_dir(corpus().join("policies/published")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            assert!(
                manifest.contains(&format!("published/{name}\t")),
                "{name} is not in MANIFEST.tsv"
            );
        }
    }
}

#[test]
fn seed_policy_with_comments_is_rejected_with_the_cause() {
    let raw =
        std::fs::read(corpus().join("policies/seeds/as-published/langstudio-oss-bucket-tag.txt"))
            .unwrap();
    let errors = parse_policy(&raw, PolicyKind::Identity).unwrap_err();
    assert_eq!(errors[0].severity, Severity::Error);
    assert!(errors[0].location.starts_with("line "), "{errors:?}");
}

fn catalog() -> Value {
    serde_json::from_slice(&std::fs::read(corpus().join("catalog/eas-actions.json")).unwrap())
        .unwrap()
}

/// `acs:eas:{#regionId}:{#accountId}:service/{#ServiceName}` with every placeholder filled.
fn instantiate(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{#") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').unwrap() + start;
        out.push_str(match &rest[start + 2..end] {
            "regionId" => "cn-hangzhou",
            "accountId" => "1234567890123456",
            _ => "demo",
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn catalog_holds_all_97_eas_actions_with_well_formed_names_and_arns() {
    let catalog = catalog();
    let actions = catalog["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 97);
    let mut names: Vec<&str> = actions
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    for name in &names {
        assert!(ramjet_engine::check_action(name).is_ok(), "{name}");
        assert!(name.starts_with("eas:"), "{name}");
    }
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 97, "duplicate action names");
    for action in actions {
        for resource in action["resource_types"].as_array().unwrap() {
            let arn = resource["arn"].as_str().unwrap();
            assert!(arn == "*" || arn.starts_with("acs:eas:"), "{arn}");
        }
    }
}

/// Every catalog action on its documented resource is allowed by a full-access policy and, but
/// for `eas:ListServices`, refused by the seed's least-privilege `eas:ListServices` policy.
#[test]
fn catalog_actions_evaluate_against_seed_policies() {
    let catalog = catalog();
    let least_privilege: Value = serde_json::from_slice(
        &std::fs::read(corpus().join("policies/seeds/pai-eas-list-services.json")).unwrap(),
    )
    .unwrap();
    let full_access: Value = serde_json::from_slice(
        &std::fs::read(corpus().join("policies/published/001-AliyunPAIFullAccess.json")).unwrap(),
    )
    .unwrap();
    for action in catalog["actions"].as_array().unwrap() {
        let name = action["action"].as_str().unwrap();
        let arn = instantiate(action["resource_types"][0]["arn"].as_str().unwrap());
        let decide = |policy: &Value| {
            let scenario = serde_json::json!({
                "policies": {"identity": [policy]},
                "request": {"action": name, "resource": arn,
                            "principal": {"type": "RamUser", "account": "1234567890123456", "name": "alice"}}
            });
            let scenario = parse_scenario(scenario.to_string().as_bytes()).unwrap();
            reference::evaluate(&scenario.policies, &scenario.request).decision
        };
        assert_eq!(decide(&full_access), Decision::Allow, "{name} on {arn}");
        let expected = if name == "eas:ListServices" {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        };
        assert_eq!(decide(&least_privilege), expected, "{name} on {arn}");
    }
}
