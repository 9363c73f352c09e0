//! Reads a bundle directory (interfaces.md): `bundle.json` and `policies/<Name>.json`. Every file
//! is validated — each policy as the kind its attachments give it (`trust` → resource-based,
//! `control` → control, the rest identity), or by its content if nothing names it — and every
//! name `bundle.json` uses must exist. Errors name the file and the JSON path.
//!
//! ```no_run
//! use ramjet_engine::PolicyStore;
//! let bundle = ramjet_compiler::load_bundle("corpus/bundle".as_ref()).unwrap();
//! let store = PolicyStore::new(&bundle).unwrap();
//! // later, when the directory changes:
//! let revision = ramjet_compiler::reload(&store, "corpus/bundle".as_ref()).unwrap();
//! ```

use crate::diagnostic::{Diagnostic, Diagnostics, JsonPath, Severity};
use crate::json::{self, Json, Members};
use crate::policy::{guess_kind, parse_policy};
use ramjet_engine::model::PolicyKind;
use ramjet_engine::model::{Account, Bundle, Group, ResourceGroupAttachments, Role, User};
use ramjet_engine::{CompileError, PolicyStore};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A diagnostic in one file of a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiagnostic {
    /// The file.
    pub file: PathBuf,
    /// What, where and why.
    pub diagnostic: Diagnostic,
}

impl fmt::Display for FileDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.diagnostic)
    }
}

/// Why a bundle was not loaded.
#[derive(Debug, Clone)]
pub enum BundleError {
    /// Files that cannot be read or are invalid: every error found.
    Invalid(Vec<FileDiagnostic>),
    /// The bundle is valid but does not compile.
    Compile(CompileError),
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundleError::Invalid(errors) => {
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            BundleError::Compile(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for BundleError {}

/// Loads the bundle in `dir` into `store` as its next revision. On any error the store keeps its
/// current snapshot.
pub fn reload(store: &PolicyStore, dir: &Path) -> Result<u64, BundleError> {
    let bundle = load_bundle(dir)?;
    store.swap(&bundle).map_err(BundleError::Compile)
}

/// Reads and validates the bundle in `dir`.
pub fn load_bundle(dir: &Path) -> Result<Bundle, BundleError> {
    let manifest_path = dir.join("bundle.json");
    let mut errors = Vec::new();
    let file_errors =
        |file: &Path, diagnostics: Vec<Diagnostic>, errors: &mut Vec<FileDiagnostic>| {
            errors.extend(
                diagnostics
                    .into_iter()
                    .filter(|d| d.severity == Severity::Error)
                    .map(|diagnostic| FileDiagnostic {
                        file: file.to_path_buf(),
                        diagnostic,
                    }),
            );
        };
    let io_error = |file: &Path, error: std::io::Error| FileDiagnostic {
        file: file.to_path_buf(),
        diagnostic: Diagnostic {
            severity: Severity::Error,
            location: "(file)".to_string(),
            message: format!("cannot read: {error}"),
        },
    };
    let manifest_bytes = std::fs::read(&manifest_path)
        .map_err(|e| BundleError::Invalid(vec![io_error(&manifest_path, e)]))?;
    let mut diagnostics = Diagnostics::default();
    let accounts = json::parse(&manifest_bytes, &mut diagnostics).and_then(|json| {
        json::report_duplicate_members(&json, &JsonPath::root(), &mut diagnostics);
        read_manifest(&json, &mut diagnostics)
    });

    // Policy files: every `policies/*.json`, each named by its stem.
    let policy_dir = dir.join("policies");
    let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
    match std::fs::read_dir(&policy_dir) {
        Ok(entries) => {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "json") {
                    if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                        files.insert(stem.to_string(), path);
                    }
                }
            }
        }
        Err(e) => errors.push(io_error(&policy_dir, e)),
    }

    // Which kind each policy is used as, and that every named policy and group exists.
    let mut kinds: BTreeMap<String, (PolicyKind, JsonPath)> = BTreeMap::new();
    if let Some(accounts) = &accounts {
        for (path, name, kind) in &accounts.references {
            if !files.contains_key(name) {
                diagnostics.error(
                    path,
                    format!("policy {name:?} is not in {}", policy_dir.display()),
                );
                continue;
            }
            match kinds.get(name) {
                Some((other, first)) if other != kind => diagnostics.error(
                    path,
                    format!(
                        "policy {name:?} is used as a {} policy here and as a {} policy at {first}",
                        kind.as_str(),
                        other.as_str()
                    ),
                ),
                Some(_) => {}
                None => {
                    kinds.insert(name.clone(), (*kind, path.clone()));
                }
            }
        }
    }
    file_errors(&manifest_path, diagnostics.into_vec(), &mut errors);

    let mut policies = BTreeMap::new();
    for (name, path) in &files {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                errors.push(io_error(path, e));
                continue;
            }
        };
        let kind = kinds
            .get(name)
            .map_or_else(|| guess_kind(&bytes), |(k, _)| *k);
        match parse_policy(&bytes, kind) {
            Ok(parsed) => {
                policies.insert(name.clone(), parsed.policy);
            }
            Err(diagnostics) => file_errors(path, diagnostics, &mut errors),
        }
    }
    match accounts {
        Some(accounts) if errors.is_empty() => Ok(Bundle {
            policies,
            accounts: accounts.accounts,
        }),
        _ => Err(BundleError::Invalid(errors)),
    }
}

/// The accounts of `bundle.json`, and every policy name it uses with its path and kind.
struct Manifest {
    accounts: BTreeMap<String, Account>,
    references: Vec<(JsonPath, String, PolicyKind)>,
}

fn read_manifest(json: &Json, d: &mut Diagnostics) -> Option<Manifest> {
    let root = Members::of(json, &JsonPath::root(), "a bundle manifest", d)?;
    root.reject_unknown(&["accounts"], d);
    let Some(accounts_json) = root.get("accounts") else {
        d.error(&JsonPath::root(), "member \"accounts\" is required");
        return None;
    };
    let accounts_members = Members::of(
        accounts_json,
        &root.path_of("accounts"),
        "accounts by id",
        d,
    )?;
    let mut manifest = Manifest {
        accounts: BTreeMap::new(),
        references: Vec::new(),
    };
    let mut ok = true;
    for (id, account) in accounts_members.iter() {
        match read_account(
            account,
            &accounts_members.path_of(id),
            &mut manifest.references,
            d,
        ) {
            Some(account) => {
                manifest.accounts.insert(id.to_string(), account);
            }
            None => ok = false,
        }
    }
    ok.then_some(manifest)
}

fn names(json: &Json, path: &JsonPath, d: &mut Diagnostics) -> Option<Vec<String>> {
    let Json::Array(items) = json else {
        d.error(
            path,
            format!("expected an array of names, found {}", json.kind()),
        );
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Json::String(s) if !s.is_empty() => out.push(s.clone()),
            other => {
                d.error(
                    &path.index(i),
                    format!(
                        "expected a non-empty name, found {}",
                        crate::policy::describe(other)
                    ),
                );
                return None;
            }
        }
    }
    Some(out)
}

type References = Vec<(JsonPath, String, PolicyKind)>;

fn policy_names(
    json: &Json,
    path: &JsonPath,
    kind: PolicyKind,
    refs: &mut References,
    d: &mut Diagnostics,
) -> Option<Vec<String>> {
    let list = names(json, path, d)?;
    for (i, name) in list.iter().enumerate() {
        refs.push((path.index(i), name.clone(), kind));
    }
    Some(list)
}

fn read_account(
    json: &Json,
    path: &JsonPath,
    refs: &mut References,
    d: &mut Diagnostics,
) -> Option<Account> {
    let members = Members::of(json, path, "an account", d)?;
    members.reject_unknown(
        &[
            "users",
            "groups",
            "roles",
            "resource_group_policies",
            "control",
            "management_account",
        ],
        d,
    );
    let mut account = Account::default();
    let mut ok = true;
    let mut each =
        |member: &str,
         d: &mut Diagnostics,
         f: &mut dyn FnMut(&str, &Members, &mut Diagnostics) -> bool| {
            if let Some(value) = members.get(member) {
                if let Some(entries) = Members::of(value, &members.path_of(member), member, d) {
                    for (name, entry) in entries.iter() {
                        if let Some(fields) =
                            Members::of(entry, &entries.path_of(name), "an entry", d)
                        {
                            ok &= f(name, &fields, d);
                        } else {
                            ok = false;
                        }
                    }
                } else {
                    ok = false;
                }
            }
        };
    let mut users = BTreeMap::new();
    each("users", d, &mut |name, fields, d| {
        fields.reject_unknown(&["policies", "groups"], d);
        let policies = fields.get("policies").map_or(Some(vec![]), |p| {
            policy_names(
                p,
                &fields.path_of("policies"),
                PolicyKind::Identity,
                refs,
                d,
            )
        });
        let groups = fields
            .get("groups")
            .map_or(Some(vec![]), |g| names(g, &fields.path_of("groups"), d));
        match (policies, groups) {
            (Some(policies), Some(groups)) => {
                users.insert(name.to_string(), User { policies, groups });
                true
            }
            _ => false,
        }
    });
    let mut groups = BTreeMap::new();
    each("groups", d, &mut |name, fields, d| {
        fields.reject_unknown(&["policies"], d);
        match fields.get("policies").map_or(Some(vec![]), |p| {
            policy_names(
                p,
                &fields.path_of("policies"),
                PolicyKind::Identity,
                refs,
                d,
            )
        }) {
            Some(policies) => {
                groups.insert(name.to_string(), Group { policies });
                true
            }
            None => false,
        }
    });
    let mut roles = BTreeMap::new();
    each("roles", d, &mut |name, fields, d| {
        fields.reject_unknown(&["policies", "trust"], d);
        let policies = fields.get("policies").map_or(Some(vec![]), |p| {
            policy_names(
                p,
                &fields.path_of("policies"),
                PolicyKind::Identity,
                refs,
                d,
            )
        });
        let trust = match fields.get("trust") {
            None => Some(None),
            Some(Json::String(t)) if !t.is_empty() => {
                refs.push((fields.path_of("trust"), t.clone(), PolicyKind::Resource));
                Some(Some(t.clone()))
            }
            Some(other) => {
                d.error(
                    &fields.path_of("trust"),
                    format!(
                        "expected a policy name, found {}",
                        crate::policy::describe(other)
                    ),
                );
                None
            }
        };
        match (policies, trust) {
            (Some(policies), Some(trust)) => {
                roles.insert(name.to_string(), Role { policies, trust });
                true
            }
            _ => false,
        }
    });
    let mut rg_policies = BTreeMap::new();
    each("resource_group_policies", d, &mut |rg, fields, d| {
        fields.reject_unknown(&["users", "groups", "roles"], d);
        let mut attachments = ResourceGroupAttachments::default();
        let mut fine = true;
        for (member, target) in [
            ("users", &mut attachments.users),
            ("groups", &mut attachments.groups),
            ("roles", &mut attachments.roles),
        ] {
            let Some(value) = fields.get(member) else {
                continue;
            };
            let Some(by_name) = Members::of(
                value,
                &fields.path_of(member),
                "policies by principal name",
                d,
            ) else {
                fine = false;
                continue;
            };
            for (name, list) in by_name.iter() {
                match policy_names(list, &by_name.path_of(name), PolicyKind::Identity, refs, d) {
                    Some(list) => {
                        target.insert(name.to_string(), list);
                    }
                    None => fine = false,
                }
            }
        }
        rg_policies.insert(rg.to_string(), attachments);
        fine
    });
    // Users' groups must exist.
    for (name, user) in &users {
        for (i, group) in user.groups.iter().enumerate() {
            if !groups.contains_key(group) {
                d.error(
                    &path.key("users").key(name).key("groups").index(i),
                    format!("group {group:?} is not in this account's groups"),
                );
                ok = false;
            }
        }
    }
    if let Some(control) = members.get("control") {
        let control_path = members.path_of("control");
        match control {
            Json::Array(levels) => {
                for (l, level) in levels.iter().enumerate() {
                    match policy_names(level, &control_path.index(l), PolicyKind::Control, refs, d)
                    {
                        Some(level) => account.control.push(level),
                        None => ok = false,
                    }
                }
            }
            other => {
                d.error(
                    &control_path,
                    format!("expected an array of levels, found {}", other.kind()),
                );
                ok = false;
            }
        }
    }
    match members.get("management_account") {
        None => {}
        Some(Json::Bool(b)) => account.management_account = *b,
        Some(other) => {
            d.error(
                &members.path_of("management_account"),
                format!("expected true or false, found {}", other.kind()),
            );
            ok = false;
        }
    }
    account.users = users;
    account.groups = groups;
    account.roles = roles;
    account.resource_group_policies = rg_policies;
    ok.then_some(account)
}
