//! Policy documents inside Terraform JSON: a plan as `terraform show -json` prints it (the
//! `planned_values` of the root module and its child modules) or a `.tf.json` configuration (its
//! `resource` block). The documents are `alicloud_ram_policy`'s `policy_document` (or the older
//! `document`), read as identity policies, and `alicloud_ram_role`'s
//! `assume_role_policy_document` (or `document`), read as trust (resource-based) policies.

use ramjet_compiler::json::Json;
use ramjet_compiler::{JsonPath, PolicyKind};

/// One policy document found in a Terraform file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedded {
    /// The resource's address (`module.iam.alicloud_ram_policy.admin`).
    pub address: String,
    /// The JSON path of the document string in the Terraform file.
    pub path: JsonPath,
    /// The document's text.
    pub text: String,
    /// How it is read.
    pub kind: PolicyKind,
}

/// The attributes that hold documents, by resource type, with the kind each is read as.
const ATTRIBUTES: &[(&str, &[&str], PolicyKind)] = &[
    (
        "alicloud_ram_policy",
        &["policy_document", "document"],
        PolicyKind::Identity,
    ),
    (
        "alicloud_ram_role",
        &["assume_role_policy_document", "document"],
        PolicyKind::Resource,
    ),
];

fn member<'a>(json: &'a Json, name: &str) -> Option<&'a Json> {
    match json {
        Json::Object(members) => members.iter().find(|(n, _)| n == name).map(|(_, v)| v),
        _ => None,
    }
}

/// The documents of a Terraform JSON file, or `None` when the file is not one (then it is a
/// policy document itself).
pub fn documents(file: &Json) -> Option<Vec<Embedded>> {
    let root = JsonPath::root();
    if let Some(values) = member(file, "planned_values") {
        let mut found = Vec::new();
        if let Some(module) = member(values, "root_module") {
            let path = root.key("planned_values").key("root_module");
            plan_module(module, &path, &mut found);
        }
        return Some(found);
    }
    let resources = member(file, "resource")?;
    let Json::Object(types) = resources else {
        return None;
    };
    let mut found = Vec::new();
    for (resource_type, instances) in types {
        let Some((_, attributes, kind)) = ATTRIBUTES.iter().find(|(t, _, _)| t == resource_type)
        else {
            continue;
        };
        let Json::Object(named) = instances else {
            continue;
        };
        for (name, body) in named {
            let path = root.key("resource").key(resource_type).key(name);
            let address = format!("{resource_type}.{name}");
            push_document(body, &path, &address, attributes, *kind, &mut found);
        }
    }
    Some(found)
}

fn plan_module(module: &Json, path: &JsonPath, found: &mut Vec<Embedded>) {
    if let Some(Json::Array(resources)) = member(module, "resources") {
        for (i, resource) in resources.iter().enumerate() {
            let resource_type = member(resource, "type").and_then(Json::as_str);
            let Some((_, attributes, kind)) = ATTRIBUTES
                .iter()
                .find(|(t, _, _)| Some(*t) == resource_type)
            else {
                continue;
            };
            let address = member(resource, "address")
                .and_then(Json::as_str)
                .unwrap_or("?")
                .to_string();
            if let Some(values) = member(resource, "values") {
                let values_path = path.key("resources").index(i).key("values");
                push_document(values, &values_path, &address, attributes, *kind, found);
            }
        }
    }
    if let Some(Json::Array(children)) = member(module, "child_modules") {
        for (i, child) in children.iter().enumerate() {
            plan_module(child, &path.key("child_modules").index(i), found);
        }
    }
}

fn push_document(
    body: &Json,
    path: &JsonPath,
    address: &str,
    attributes: &[&str],
    kind: PolicyKind,
    found: &mut Vec<Embedded>,
) {
    for attribute in attributes {
        if let Some(Json::String(text)) = member(body, attribute) {
            found.push(Embedded {
                address: address.to_string(),
                path: path.key(attribute),
                text: text.clone(),
                kind,
            });
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn plans_and_configurations_give_their_documents() {
        let plan = br#"{"format_version": "1.2", "planned_values": {"root_module": {
            "resources": [
              {"address": "alicloud_ram_policy.a", "type": "alicloud_ram_policy", "values": {"policy_document": "{}"}},
              {"address": "alicloud_oss_bucket.b", "type": "alicloud_oss_bucket", "values": {"policy": "{}"}}],
            "child_modules": [{"resources": [
              {"address": "module.m.alicloud_ram_role.r", "type": "alicloud_ram_role", "values": {"document": "{\"x\": 1}"}}]}]}}}"#;
        let json = ramjet_compiler::json::read(plan).unwrap();
        let found = documents(&json).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].address, "alicloud_ram_policy.a");
        assert_eq!(
            found[0].path.to_string(),
            "planned_values.root_module.resources[0].values.policy_document"
        );
        assert_eq!(found[1].kind, PolicyKind::Resource);
        assert_eq!(found[1].text, "{\"x\": 1}");

        let config = br#"{"resource": {"alicloud_ram_policy": {"p": {"policy_name": "p", "policy_document": "{}"}}}}"#;
        let json = ramjet_compiler::json::read(config).unwrap();
        let found = documents(&json).unwrap();
        assert_eq!(
            found[0].path.to_string(),
            "resource.alicloud_ram_policy.p.policy_document"
        );

        let policy = br#"{"Version": "1", "Statement": []}"#;
        assert!(documents(&ramjet_compiler::json::read(policy).unwrap()).is_none());
    }
}
