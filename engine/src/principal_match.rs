//! Compiled `Principal` elements (spec §5.3) and the request-side facts they are matched against.

//! `compile::principal` builds the matchers.

use crate::glob::Glob;
use crate::request::{Principal, PrincipalKind};

/// A compiled `Principal` element.
#[derive(Debug, Clone)]
pub(crate) enum PrincipalMatcher {
    /// `"*"`.
    Everyone,
    /// `{"RAM": …, "Service": …, "Federated": …}`.
    Named {
        /// `acs:ram::<A>:root` entries: globs over the account.
        root_accounts: Box<[Glob]>,
        /// Other RAM entries: globs over the principal's ARNs.
        arns: Box<[Glob]>,
        /// Service entries.
        services: Box<[ServiceEntry]>,
        /// IdP ARNs.
        federated: Box<[Box<str>]>,
    },
    /// An OSS list of `"*"` and UIDs.
    AccountList {
        /// The list holds `"*"`.
        everyone: bool,
        /// The UIDs.
        ids: Box<[Box<str>]>,
    },
}

/// A `Service` entry: the ASCII-lowercased service name and, for `<uid>@<service>`, the account
/// the service must act for.
#[derive(Debug, Clone)]
pub(crate) struct ServiceEntry {
    pub(crate) account: Option<Box<str>>,
    pub(crate) service: Box<str>,
}

impl PrincipalMatcher {
    /// Whether the element names the request's principal. `arns` are the principal's ARNs
    /// (spec §5.2); `unconditional` is true when the statement has no Condition (the OSS
    /// bucket-owner rule); `resource_account` is the account of the requested resource.
    pub(crate) fn matches(
        &self,
        principal: Option<&Principal>,
        arns: &[String],
        unconditional: bool,
        resource_account: Option<&str>,
    ) -> bool {
        match self {
            PrincipalMatcher::Everyone => true,
            PrincipalMatcher::AccountList { everyone, ids } => {
                let Some(principal) = principal else {
                    return *everyone;
                };
                let is_bucket_owner = matches!(
                    &principal.kind,
                    PrincipalKind::RootAccount { account } if Some(account.as_str()) == resource_account
                );
                if *everyone && unconditional && is_bucket_owner {
                    return false;
                }
                *everyone
                    || ids.iter().any(|id| {
                        principal.account() == Some(&**id) || principal.id() == Some(&**id)
                    })
            }
            PrincipalMatcher::Named {
                root_accounts,
                arns: arn_globs,
                services,
                federated,
            } => {
                let Some(principal) = principal else {
                    return false;
                };
                match &principal.kind {
                    PrincipalKind::RootAccount { account }
                    | PrincipalKind::RamUser { account, .. }
                    | PrincipalKind::AssumedRole { account, .. } => {
                        root_accounts.iter().any(|g| g.is_match(account))
                            || arn_globs
                                .iter()
                                .any(|g| arns.iter().any(|arn| g.is_match(arn)))
                    }
                    PrincipalKind::Service { service, account } => services.iter().any(|entry| {
                        entry.service.eq_ignore_ascii_case(service)
                            && entry
                                .account
                                .as_deref()
                                .is_none_or(|uid| account.as_deref() == Some(uid))
                    }),
                    PrincipalKind::Federated { provider } => {
                        federated.iter().any(|f| **f == **provider)
                    }
                    PrincipalKind::Anonymous => false,
                }
            }
        }
    }
}

/// Writes the principal's ARNs (spec §5.2) into reusable buffers, returning how many there are.
pub(crate) fn write_arns(principal: Option<&Principal>, buffers: &mut Vec<String>) -> usize {
    use std::fmt::Write;
    let next = |buffers: &mut Vec<String>, index: usize| -> usize {
        if buffers.len() <= index {
            buffers.push(String::with_capacity(64));
        }
        index
    };
    let Some(principal) = principal else { return 0 };
    let mut count = 0;
    let mut push = |args: std::fmt::Arguments<'_>, buffers: &mut Vec<String>| {
        let i = next(buffers, count);
        if let Some(buffer) = buffers.get_mut(i) {
            buffer.clear();
            let _ = buffer.write_fmt(args);
        }
        count += 1;
    };
    match &principal.kind {
        PrincipalKind::RootAccount { account } => {
            push(format_args!("acs:ram::{account}:root"), buffers)
        }
        PrincipalKind::RamUser { account, name, .. } => {
            push(format_args!("acs:ram::{account}:user/{name}"), buffers)
        }
        PrincipalKind::AssumedRole {
            account,
            role,
            session,
            ..
        } => {
            push(
                format_args!("acs:ram::{account}:role/{role}/{session}"),
                buffers,
            );
            push(format_args!("acs:ram::{account}:role/{role}"), buffers);
        }
        _ => {}
    }
    count
}
