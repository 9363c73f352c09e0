//! The data that maps ActionTrail records to requests (spec §7), read from `corpus/actiontrail/`:
//! service names to RAM codes, resource types to ARN templates, and the error codes that mean a
//! call was refused for lack of permission.

use hashbrown::HashMap;

/// The mapping tables.
#[derive(Debug, Clone)]
pub struct Mapping {
    services: HashMap<String, String>,
    resource_types: HashMap<String, String>,
    permission_errors: Vec<String>,
}

fn rows(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .skip(1)
        .filter_map(|l| l.split_once('\t'))
        .map(|(a, b)| (a.trim(), b.trim()))
}

impl Default for Mapping {
    /// The tables of `corpus/actiontrail/`, compiled in.
    fn default() -> Self {
        Mapping::from_tables(
            include_str!("../../corpus/actiontrail/services.tsv"),
            include_str!("../../corpus/actiontrail/resource-types.tsv"),
            include_str!("../../corpus/actiontrail/permission-errors.txt"),
        )
    }
}

impl Mapping {
    /// Builds the tables from their texts (TSV with a header; `#` comments).
    pub fn from_tables(services: &str, resource_types: &str, permission_errors: &str) -> Self {
        Mapping {
            services: rows(services)
                .map(|(name, code)| (name.to_ascii_lowercase(), code.to_string()))
                .collect(),
            resource_types: rows(resource_types)
                .map(|(code, template)| (code.to_ascii_lowercase(), template.to_string()))
                .collect(),
            permission_errors: permission_errors
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_ascii_lowercase)
                .collect(),
        }
    }

    /// The RAM code of an ActionTrail `serviceName`.
    pub fn ram_code(&self, service_name: &str) -> Option<&str> {
        with_lowered(service_name, |lowered| {
            self.services.get(lowered).map(String::as_str)
        })
    }

    /// The ARN template of a resource type: the code itself, or a bare code (`VSwitch`) as
    /// `ACS::<SERVICE>::<code>` for the service of the event, or any service's.
    pub fn arn_template(&self, resource_type: &str, ram_code: &str) -> Option<&str> {
        if let Some(t) = with_lowered(resource_type, |lowered| self.resource_types.get(lowered)) {
            return Some(t);
        }
        let lowered = resource_type.to_ascii_lowercase();
        if lowered.contains("::") {
            return None;
        }
        if let Some(t) = self
            .resource_types
            .get(&format!("acs::{ram_code}::{lowered}"))
        {
            return Some(t);
        }
        let suffix = format!("::{lowered}");
        let mut matches = self
            .resource_types
            .iter()
            .filter(|(code, _)| code.ends_with(&suffix));
        match (matches.next(), matches.next()) {
            (Some((_, t)), None) => Some(t),
            _ => None,
        }
    }

    /// Whether an `errorCode` means the call was refused for lack of permission.
    pub fn is_permission_error(&self, error_code: &str) -> bool {
        with_lowered(error_code, |code| {
            self.permission_errors
                .iter()
                .any(|p| match p.strip_suffix('*') {
                    Some(prefix) => code.starts_with(prefix),
                    None => code == *p,
                })
        })
    }
}

/// Calls `look` with `text` ASCII-lowercased: in a buffer on the stack when it fits (the names
/// looked up are short), so that a lookup per record allocates nothing.
fn with_lowered<T>(text: &str, look: impl FnOnce(&str) -> T) -> T {
    let mut buffer = [0u8; 64];
    if let Some(lowered) = buffer.get_mut(..text.len()) {
        lowered.copy_from_slice(text.as_bytes());
        lowered.make_ascii_lowercase();
        // Lowering ASCII letters keeps UTF-8 valid.
        if let Ok(lowered) = std::str::from_utf8(lowered) {
            return look(lowered);
        }
    }
    look(&text.to_ascii_lowercase())
}

/// Fills an ARN template.
pub fn fill(template: &str, region: &str, account: &str, id: &str) -> String {
    let mut arn = String::new();
    fill_into(&mut arn, template, region, account, id);
    arn
}

/// [`fill`] into `arn` (cleared first), in one pass when no value holds a `{` — a value with one
/// could make a placeholder for the next replacement, as the three replacements in turn do.
pub fn fill_into(arn: &mut String, template: &str, region: &str, account: &str, id: &str) {
    arn.clear();
    if [region, account, id].iter().any(|v| v.contains('{')) {
        arn.push_str(
            &template
                .replace("{region}", region)
                .replace("{account}", account)
                .replace("{id}", id),
        );
        return;
    }
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (head, tail) = rest.split_at(open);
        arn.push_str(head);
        let (value, skip) = if tail.starts_with("{region}") {
            (region, "{region}".len())
        } else if tail.starts_with("{account}") {
            (account, "{account}".len())
        } else if tail.starts_with("{id}") {
            (id, "{id}".len())
        } else {
            ("{", 1)
        };
        arn.push_str(value);
        rest = tail.get(skip..).unwrap_or_default();
    }
    arn.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_map_services_types_and_errors() {
        let m = Mapping::default();
        assert_eq!(m.ram_code("ECS"), Some("ecs"));
        assert_eq!(m.ram_code("Ram"), Some("ram"));
        assert_eq!(m.ram_code("RealtimeCompute"), None);
        assert_eq!(
            m.arn_template("ACS::ECS::Instance", "ecs"),
            Some("acs:ecs:{region}:{account}:instance/{id}")
        );
        assert_eq!(
            m.arn_template("VSwitch", "vpc"),
            Some("acs:vpc:{region}:{account}:vswitch/{id}")
        );
        assert!(m.is_permission_error("NoPermission"));
        assert!(m.is_permission_error("Forbidden.RAM"));
        assert!(m.is_permission_error("NoPermission.Eas"));
        assert!(!m.is_permission_error("InvalidParameter"));
        assert_eq!(m.ram_code(&"E".repeat(100)), None);
    }

    #[test]
    fn filling_in_one_pass_is_the_three_replacements() {
        let chained = |t: &str, r: &str, a: &str, i: &str| {
            t.replace("{region}", r)
                .replace("{account}", a)
                .replace("{id}", i)
        };
        let templates = [
            "acs:ecs:{region}:{account}:instance/{id}",
            "acs:oss:*:{account}:{id}",
            "{id}{id}{{region}}{regio}{",
            "",
        ];
        let values = ["", "cn", "{account}", "{id}", "{reg", "ion}", "x{", "é"];
        for t in templates {
            for r in values {
                for a in values {
                    for i in values {
                        assert_eq!(fill(t, r, a, i), chained(t, r, a, i), "{t} {r} {a} {i}");
                    }
                }
            }
        }
    }
}
