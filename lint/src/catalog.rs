//! The action catalogs of `corpus/catalog/`, compiled into the linter: per service (RAM code),
//! its actions with the resources each is authorized on, and its typed condition keys.
//!
//! A catalog marked `complete` lists every action of its service, so an action it does not have
//! does not exist; an incomplete one only says what it lists. The rules that conclude from an
//! absence (RJ101-RJ103) use complete catalogs only.

use crate::glob;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Every catalog file, by file name (a test checks the list against the directory).
pub const FILES: &[(&str, &str)] = &[
    (
        "cr-actions.json",
        include_str!("../../corpus/catalog/cr-actions.json"),
    ),
    (
        "cs-actions.json",
        include_str!("../../corpus/catalog/cs-actions.json"),
    ),
    (
        "datasetacc-actions.json",
        include_str!("../../corpus/catalog/datasetacc-actions.json"),
    ),
    (
        "eas-actions.json",
        include_str!("../../corpus/catalog/eas-actions.json"),
    ),
    (
        "ecs-actions.json",
        include_str!("../../corpus/catalog/ecs-actions.json"),
    ),
    (
        "nas-actions.json",
        include_str!("../../corpus/catalog/nas-actions.json"),
    ),
    (
        "oss-actions.json",
        include_str!("../../corpus/catalog/oss-actions.json"),
    ),
    (
        "pai-actions.json",
        include_str!("../../corpus/catalog/pai-actions.json"),
    ),
    (
        "paidataset-actions.json",
        include_str!("../../corpus/catalog/paidataset-actions.json"),
    ),
    (
        "paidesigner-actions.json",
        include_str!("../../corpus/catalog/paidesigner-actions.json"),
    ),
    (
        "paidlc-actions.json",
        include_str!("../../corpus/catalog/paidlc-actions.json"),
    ),
    (
        "paidsw-actions.json",
        include_str!("../../corpus/catalog/paidsw-actions.json"),
    ),
    (
        "paiflow-actions.json",
        include_str!("../../corpus/catalog/paiflow-actions.json"),
    ),
    (
        "pailangstudio-actions.json",
        include_str!("../../corpus/catalog/pailangstudio-actions.json"),
    ),
    (
        "paiworkspace-actions.json",
        include_str!("../../corpus/catalog/paiworkspace-actions.json"),
    ),
    (
        "ram-actions.json",
        include_str!("../../corpus/catalog/ram-actions.json"),
    ),
    (
        "sfm-actions.json",
        include_str!("../../corpus/catalog/sfm-actions.json"),
    ),
    (
        "sts-actions.json",
        include_str!("../../corpus/catalog/sts-actions.json"),
    ),
    (
        "vpc-actions.json",
        include_str!("../../corpus/catalog/vpc-actions.json"),
    ),
];

/// Where an action may be authorized, as far as its catalog row says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceScope {
    /// The row lists "All Resource": the action is requested on `*` (spec 3.5).
    pub star: bool,
    /// ARN templates with every `{placeholder}` made a `*` glob.
    pub arns: Vec<String>,
}

impl ResourceScope {
    /// True when the row says nothing about resources.
    pub fn is_unknown(&self) -> bool {
        !self.star && self.arns.is_empty()
    }

    /// True when the action is authorized on `*` only (no resource-level permission).
    pub fn star_only(&self) -> bool {
        self.star && self.arns.is_empty()
    }

    /// Whether a request of this action can have a resource that `pattern` matches.
    pub fn fits(&self, pattern: &str) -> bool {
        (self.star && glob::matches(pattern, "*", false))
            || self
                .arns
                .iter()
                .any(|arn| glob::intersects(pattern, arn, false))
    }
}

/// One catalogued action.
#[derive(Debug, Clone)]
pub struct Action {
    /// The name as the catalog writes it (`eas:CreateService`).
    pub name: String,
    /// Its resources.
    pub resources: ResourceScope,
}

/// The type a condition key's values have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// Text.
    String,
    /// `true` / `false`.
    Bool,
    /// Numbers.
    Numeric,
    /// Instants.
    Date,
    /// IP addresses.
    Ip,
}

/// One service's catalog.
#[derive(Debug, Clone)]
pub struct Service {
    /// The RAM code (`eas`), lowercase.
    pub code: String,
    /// Whether the catalog lists every action of the service.
    pub complete: bool,
    /// Its actions.
    pub actions: Vec<Action>,
    /// Its condition keys with a documented type, lowercase.
    pub keys: HashMap<String, KeyType>,
    /// Characters in all its action names: the cost of matching a pattern against them all,
    /// per pattern character.
    pub name_chars: usize,
}

impl Service {
    /// The action named `name` (ASCII case-insensitive).
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The catalogued actions an action pattern matches.
    pub fn matching(&self, pattern: &str) -> Vec<&Action> {
        self.actions
            .iter()
            .filter(|a| glob::matches(pattern, &a.name, true))
            .collect()
    }

    /// The catalogued name closest to `name`, when it is close enough to be a typo.
    pub fn closest(&self, name: &str) -> Option<&str> {
        let lowered = name.to_ascii_lowercase();
        self.actions
            .iter()
            .map(|a| {
                let distance = strsim::levenshtein(&lowered, &a.name.to_ascii_lowercase());
                (distance, a.name.as_str())
            })
            .filter(|(distance, _)| *distance <= 3.max(name.len() / 5))
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, name)| name)
    }
}

/// Every service's catalog, by lowercase RAM code.
#[derive(Debug, Default)]
pub struct Catalog {
    services: HashMap<String, Service>,
}

impl Catalog {
    /// The catalogs bundled with ramjet, read once.
    pub fn bundled() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            let mut catalog = Catalog::default();
            for (name, text) in FILES {
                // A bundled file that does not read is a build defect; a test reads every one.
                if let Ok(service) = read_service(text) {
                    catalog.services.insert(service.code.clone(), service);
                } else {
                    debug_assert!(false, "catalog {name} does not read");
                }
            }
            catalog
        })
    }

    /// The catalog of a service, by RAM code (ASCII case-insensitive).
    pub fn service(&self, code: &str) -> Option<&Service> {
        self.services.get(&code.to_ascii_lowercase())
    }

    /// The services catalogued.
    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.services.values()
    }
}

#[derive(Deserialize)]
struct FileJson {
    service: String,
    complete: bool,
    #[serde(default)]
    condition_keys: Vec<KeyJson>,
    actions: Vec<ActionJson>,
}

#[derive(Deserialize)]
struct KeyJson {
    key: String,
    #[serde(rename = "type")]
    key_type: Option<String>,
}

#[derive(Deserialize)]
struct ActionJson {
    action: String,
    #[serde(default)]
    resource_types: Vec<ResourceJson>,
}

#[derive(Deserialize)]
struct ResourceJson {
    arn: String,
}

/// Reads one catalog file.
pub fn read_service(text: &str) -> Result<Service, serde_json::Error> {
    let file: FileJson = serde_json::from_str(text)?;
    let actions: Vec<Action> = file
        .actions
        .into_iter()
        .map(|row| {
            let star = row.resource_types.iter().any(|r| r.arn == "*");
            let arns = row
                .resource_types
                .iter()
                .filter(|r| r.arn != "*")
                .map(|r| template_glob(&r.arn))
                .collect();
            Action {
                name: row.action,
                resources: ResourceScope { star, arns },
            }
        })
        .collect();
    let keys = file
        .condition_keys
        .into_iter()
        .filter_map(|k| {
            let key_type = match k.key_type?.to_ascii_lowercase().as_str() {
                "string" => KeyType::String,
                "boolean" | "bool" => KeyType::Bool,
                "numeric" | "number" | "long" | "integer" => KeyType::Numeric,
                "date" => KeyType::Date,
                "ip" | "ipaddress" => KeyType::Ip,
                _ => return None,
            };
            Some((k.key.to_ascii_lowercase(), key_type))
        })
        .collect();
    let name_chars = actions.iter().map(|a| a.name.len()).sum();
    Ok(Service {
        name_chars,
        code: file.service.to_ascii_lowercase(),
        complete: file.complete,
        actions,
        keys,
    })
}

/// `acs:eas:{#regionId}:{#accountId}:service/{#ServiceName}` -> `acs:eas:*:*:service/*`; the
/// RAM pages' `${AccountId}` and OSS's `{bucket_name}` alike.
fn template_glob(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut in_placeholder = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_placeholder = true;
                // `${AccountId}` is a placeholder as a whole.
                if out.ends_with('$') {
                    out.pop();
                }
            }
            '}' if in_placeholder => {
                in_placeholder = false;
                out.push('*');
            }
            _ if in_placeholder => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_catalog_file_is_compiled_in_and_reads() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/catalog");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with("-actions.json"))
            .collect();
        on_disk.sort();
        let listed: Vec<&str> = FILES.iter().map(|(name, _)| *name).collect();
        assert_eq!(on_disk, listed);
        for (name, text) in FILES {
            let service = read_service(text).unwrap();
            assert!(
                name.starts_with(&format!("{}-", service.code)),
                "{name} holds {}",
                service.code
            );
            for action in &service.actions {
                let (prefix, _) = action.name.split_once(':').unwrap();
                assert!(
                    prefix.eq_ignore_ascii_case(&service.code),
                    "{}",
                    action.name
                );
            }
        }
        assert_eq!(Catalog::bundled().services().count(), FILES.len());
    }

    #[test]
    fn templates_become_globs_and_all_resource_rows_mean_star() {
        assert_eq!(
            template_glob("acs:eas:{#regionId}:{#accountId}:service/{#ServiceName}"),
            "acs:eas:*:*:service/*"
        );
        assert_eq!(
            template_glob("acs:oss:{region}:{id}:{b}/{o}"),
            "acs:oss:*:*:*/*"
        );
        let eas = Catalog::bundled().service("EAS").unwrap();
        assert!(eas.complete);
        let update_group = eas.action("eas:updategroup").unwrap();
        assert!(update_group.resources.star_only());
        assert!(update_group.resources.fits("*"));
        assert!(!update_group.resources.fits("acs:eas:*:*:*"));
        let create = eas.action("eas:DescribeService").unwrap();
        assert!(create.resources.fits("acs:eas:cn-hangzhou:1:service/*"));
        assert!(!create.resources.fits("acs:oss:*:*:bucket/*"));
        assert_eq!(eas.closest("eas:CreateServices"), Some("eas:CreateService"));
        assert_eq!(eas.closest("eas:Frobnicate"), None);
    }
}
