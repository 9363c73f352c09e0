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
        self.services
            .get(&service_name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The ARN template of a resource type: the code itself, or a bare code (`VSwitch`) as
    /// `ACS::<SERVICE>::<code>` for the service of the event, or any service's.
    pub fn arn_template(&self, resource_type: &str, ram_code: &str) -> Option<&str> {
        let lowered = resource_type.to_ascii_lowercase();
        if let Some(t) = self.resource_types.get(&lowered) {
            return Some(t);
        }
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
        let code = error_code.to_ascii_lowercase();
        self.permission_errors
            .iter()
            .any(|p| match p.strip_suffix('*') {
                Some(prefix) => code.starts_with(prefix),
                None => code == *p,
            })
    }
}

/// Fills an ARN template.
pub fn fill(template: &str, region: &str, account: &str, id: &str) -> String {
    template
        .replace("{region}", region)
        .replace("{account}", account)
        .replace("{id}", id)
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
    }
}
