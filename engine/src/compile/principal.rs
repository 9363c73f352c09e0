//! `Principal` elements compiled (spec §5.3): RAM entries as globs (root entries over the
//! account), service names lowered, IdP ARNs and OSS account lists kept.

use crate::glob::Glob;
use crate::model::PrincipalSpec;
use crate::principal_match::{PrincipalMatcher, ServiceEntry};

/// Compiles a `Principal` element.
pub(crate) fn compile_principal(spec: &PrincipalSpec) -> PrincipalMatcher {
    match spec {
        PrincipalSpec::Everyone => PrincipalMatcher::Everyone,
        PrincipalSpec::Named {
            ram,
            service,
            federated,
        } => {
            let mut root_accounts = Vec::new();
            let mut arns = Vec::new();
            for entry in ram {
                let root_of = entry
                    .strip_prefix("acs:ram::")
                    .and_then(|rest| rest.strip_suffix(":root"))
                    .filter(|account| !account.contains(':'));
                match root_of {
                    Some(account) => root_accounts.push(Glob::new(account)),
                    None => arns.push(Glob::new(entry)),
                }
            }
            PrincipalMatcher::Named {
                root_accounts: root_accounts.into(),
                arns: arns.into(),
                services: service
                    .iter()
                    .map(|entry| match entry.split_once('@') {
                        Some((uid, name)) => ServiceEntry {
                            account: Some(uid.into()),
                            service: name.to_ascii_lowercase().into(),
                        },
                        None => ServiceEntry {
                            account: None,
                            service: entry.to_ascii_lowercase().into(),
                        },
                    })
                    .collect(),
                federated: federated.iter().map(|f| f.as_str().into()).collect(),
            }
        }
        PrincipalSpec::AccountList(entries) => PrincipalMatcher::AccountList {
            everyone: entries.iter().any(|e| e == "*"),
            ids: entries
                .iter()
                .filter(|e| *e != "*")
                .map(|e| e.as_str().into())
                .collect(),
        },
    }
}
