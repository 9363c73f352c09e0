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
use ramjet_engine::model::{Account, Bundle, Group, Policy, ResourceGroupAttachments, Role, User};
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

/// Reads and validates the bundle in `dir`: the manifest, the policy files there are, the names
/// the manifest uses, then each policy file as the kind it is used as. Errors come in that order:
/// an unreadable `policies/` directory, the manifest's, then each policy file's.
pub fn load_bundle(dir: &Path) -> Result<Bundle, BundleError> {
    let manifest_path = dir.join("bundle.json");
    let (manifest, mut diagnostics) = read_manifest_file(&manifest_path)?;
    let mut errors = Vec::new();
    let policy_dir = dir.join("policies");
    let files = policy_files(&policy_dir, &mut errors);
    let kinds = match &manifest {
        Some(manifest) => {
            check_references(&manifest.references, &files, &policy_dir, &mut diagnostics)
        }
        None => Kinds::new(),
    };
    push_errors(&manifest_path, diagnostics.into_vec(), &mut errors);
    let policies = read_policies(&files, &kinds, &mut errors);
    match manifest {
        Some(manifest) if errors.is_empty() => Ok(Bundle {
            policies,
            accounts: manifest.accounts,
        }),
        _ => Err(BundleError::Invalid(errors)),
    }
}

/// Policy files by name (the file stem).
type PolicyFiles = BTreeMap<String, PathBuf>;

/// The kind each policy is used as, with the first place that uses it.
type Kinds = BTreeMap<String, (PolicyKind, JsonPath)>;

/// Appends the errors among `diagnostics` of `file` to `errors` (warnings are left out).
fn push_errors(file: &Path, diagnostics: Vec<Diagnostic>, errors: &mut Vec<FileDiagnostic>) {
    errors.extend(
        diagnostics
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|diagnostic| FileDiagnostic {
                file: file.to_path_buf(),
                diagnostic,
            }),
    );
}

/// The error for a file or directory that cannot be read.
fn io_error(file: &Path, error: std::io::Error) -> FileDiagnostic {
    FileDiagnostic {
        file: file.to_path_buf(),
        diagnostic: Diagnostic {
            severity: Severity::Error,
            location: "(file)".to_string(),
            message: format!("cannot read: {error}"),
        },
    }
}

/// Reads and parses `bundle.json`: the manifest, if it is valid, and the diagnostics so far. A
/// manifest that cannot be read is the only error reported.
fn read_manifest_file(path: &Path) -> Result<(Option<Manifest>, Diagnostics), BundleError> {
    let bytes = std::fs::read(path).map_err(|e| BundleError::Invalid(vec![io_error(path, e)]))?;
    let mut diagnostics = Diagnostics::default();
    let manifest = json::parse(&bytes, &mut diagnostics).and_then(|json| {
        json::report_duplicate_members(&json, &JsonPath::root(), &mut diagnostics);
        read_manifest(&json, &mut diagnostics)
    });
    Ok((manifest, diagnostics))
}

/// Every `*.json` file in `policy_dir`, by its stem; an unreadable directory is an error.
fn policy_files(policy_dir: &Path, errors: &mut Vec<FileDiagnostic>) -> PolicyFiles {
    let mut files = PolicyFiles::new();
    match std::fs::read_dir(policy_dir) {
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
        Err(e) => errors.push(io_error(policy_dir, e)),
    }
    files
}

/// Checks that every policy the manifest names has a file and is used as one kind only, and
/// returns the kind of each.
fn check_references(
    references: &References,
    files: &PolicyFiles,
    policy_dir: &Path,
    diagnostics: &mut Diagnostics,
) -> Kinds {
    let mut kinds = Kinds::new();
    for (path, name, kind) in references {
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
    kinds
}

/// Reads and validates every policy file, as the kind the manifest uses it as or, if it does
/// not use it, as the kind its content suggests.
fn read_policies(
    files: &PolicyFiles,
    kinds: &Kinds,
    errors: &mut Vec<FileDiagnostic>,
) -> BTreeMap<String, Policy> {
    let mut policies = BTreeMap::new();
    for (name, path) in files {
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
            Err(diagnostics) => push_errors(path, diagnostics, errors),
        }
    }
    policies
}

/// The accounts of `bundle.json`, and every policy name it uses with its path and kind.
struct Manifest {
    accounts: BTreeMap<String, Account>,
    references: References,
}

/// Reads the manifest's members: its accounts, every one read even after one fails.
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

/// An array of non-empty names.
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

/// Every policy name the manifest uses: where, which, and as what kind.
type References = Vec<(JsonPath, String, PolicyKind)>;

/// The members an account may have.
const ACCOUNT_MEMBERS: &[&str] = &[
    "users",
    "groups",
    "roles",
    "resource_group_policies",
    "control",
    "management_account",
];

/// Reads one account, in member order: users, groups, roles, resource group policies, that the
/// users' groups exist, control levels, the management account flag. Every part is read (and
/// every error reported) even after one fails; the account is `None` if any did.
fn read_account(
    json: &Json,
    path: &JsonPath,
    refs: &mut References,
    d: &mut Diagnostics,
) -> Option<Account> {
    let members = Members::of(json, path, "an account", d)?;
    members.reject_unknown(ACCOUNT_MEMBERS, d);
    let mut reader = AccountReader { refs, d, ok: true };
    let users = reader.entries(&members, "users", AccountReader::user);
    let groups = reader.entries(&members, "groups", AccountReader::group);
    let roles = reader.entries(&members, "roles", AccountReader::role);
    let resource_group_policies = reader.entries(
        &members,
        "resource_group_policies",
        AccountReader::resource_group,
    );
    reader.groups_exist(&members, &users, &groups);
    let control = reader.control(&members);
    let management_account = reader.management_account(&members);
    reader.ok.then_some(Account {
        users,
        groups,
        roles,
        resource_group_policies,
        control,
        management_account,
    })
}

/// Reads the parts of one account: records each policy name it uses in `refs`, each error in
/// `d`, and clears `ok` when a part is invalid.
struct AccountReader<'r> {
    refs: &'r mut References,
    d: &'r mut Diagnostics,
    ok: bool,
}

impl AccountReader<'_> {
    /// The entries of the object `member` of the account (users, groups, roles or resource
    /// groups by name), each read by `read`; the ones that fail are left out. Absent is empty.
    fn entries<'j, T>(
        &mut self,
        account: &Members<'j>,
        member: &str,
        mut read: impl FnMut(&mut Self, &Members<'j>) -> Option<T>,
    ) -> BTreeMap<String, T> {
        let mut out = BTreeMap::new();
        let Some(value) = account.get(member) else {
            return out;
        };
        let Some(entries) = Members::of(value, &account.path_of(member), member, self.d) else {
            self.ok = false;
            return out;
        };
        for (name, entry) in entries.iter() {
            let read = match Members::of(entry, &entries.path_of(name), "an entry", self.d) {
                Some(fields) => read(self, &fields),
                None => None,
            };
            match read {
                Some(read) => {
                    out.insert(name.to_string(), read);
                }
                None => self.ok = false,
            }
        }
        out
    }

    /// An array of policy names at `path`, each recorded as used as a `kind` policy.
    fn policy_names(
        &mut self,
        json: &Json,
        path: &JsonPath,
        kind: PolicyKind,
    ) -> Option<Vec<String>> {
        let list = names(json, path, self.d)?;
        for (i, name) in list.iter().enumerate() {
            self.refs.push((path.index(i), name.clone(), kind));
        }
        Some(list)
    }

    /// The entry's `policies` member: identity policy names, none when absent.
    fn identity_policies(&mut self, fields: &Members) -> Option<Vec<String>> {
        match fields.get("policies") {
            Some(p) => self.policy_names(p, &fields.path_of("policies"), PolicyKind::Identity),
            None => Some(vec![]),
        }
    }

    /// A user: its policies and its groups.
    fn user(&mut self, fields: &Members) -> Option<User> {
        fields.reject_unknown(&["policies", "groups"], self.d);
        let policies = self.identity_policies(fields);
        let groups = match fields.get("groups") {
            Some(g) => names(g, &fields.path_of("groups"), self.d),
            None => Some(vec![]),
        };
        Some(User {
            policies: policies?,
            groups: groups?,
        })
    }

    /// A group: its policies.
    fn group(&mut self, fields: &Members) -> Option<Group> {
        fields.reject_unknown(&["policies"], self.d);
        let policies = self.identity_policies(fields)?;
        Some(Group { policies })
    }

    /// A role: its policies and its trust policy, a resource-based policy.
    fn role(&mut self, fields: &Members) -> Option<Role> {
        fields.reject_unknown(&["policies", "trust"], self.d);
        let policies = self.identity_policies(fields);
        let trust = match fields.get("trust") {
            None => Some(None),
            Some(Json::String(t)) if !t.is_empty() => {
                self.refs
                    .push((fields.path_of("trust"), t.clone(), PolicyKind::Resource));
                Some(Some(t.clone()))
            }
            Some(other) => {
                self.d.error(
                    &fields.path_of("trust"),
                    format!(
                        "expected a policy name, found {}",
                        crate::policy::describe(other)
                    ),
                );
                None
            }
        };
        Some(Role {
            policies: policies?,
            trust: trust?,
        })
    }

    /// A resource group's attachments: identity policies per user, group and role.
    fn resource_group(&mut self, fields: &Members) -> Option<ResourceGroupAttachments> {
        fields.reject_unknown(&["users", "groups", "roles"], self.d);
        let users = self.policies_by_principal(fields, "users");
        let groups = self.policies_by_principal(fields, "groups");
        let roles = self.policies_by_principal(fields, "roles");
        Some(ResourceGroupAttachments {
            users: users?,
            groups: groups?,
            roles: roles?,
        })
    }

    /// The object `member` of a resource group: identity policy names by principal name, every
    /// one read even after one fails. Absent is empty.
    fn policies_by_principal(
        &mut self,
        fields: &Members,
        member: &str,
    ) -> Option<BTreeMap<String, Vec<String>>> {
        let mut out = BTreeMap::new();
        let Some(value) = fields.get(member) else {
            return Some(out);
        };
        let by_name = Members::of(
            value,
            &fields.path_of(member),
            "policies by principal name",
            self.d,
        )?;
        let mut fine = true;
        for (name, list) in by_name.iter() {
            match self.policy_names(list, &by_name.path_of(name), PolicyKind::Identity) {
                Some(list) => {
                    out.insert(name.to_string(), list);
                }
                None => fine = false,
            }
        }
        fine.then_some(out)
    }

    /// Checks that every group a user of the account belongs to is one of its groups.
    fn groups_exist(
        &mut self,
        account: &Members,
        users: &BTreeMap<String, User>,
        groups: &BTreeMap<String, Group>,
    ) {
        for (name, user) in users {
            for (i, group) in user.groups.iter().enumerate() {
                if !groups.contains_key(group) {
                    self.d.error(
                        &account.path_of("users").key(name).key("groups").index(i),
                        format!("group {group:?} is not in this account's groups"),
                    );
                    self.ok = false;
                }
            }
        }
    }

    /// The account's control policy levels, each an array of control policy names.
    fn control(&mut self, account: &Members) -> Vec<Vec<String>> {
        let mut levels = Vec::new();
        let Some(control) = account.get("control") else {
            return levels;
        };
        let control_path = account.path_of("control");
        let Json::Array(items) = control else {
            self.d.error(
                &control_path,
                format!("expected an array of levels, found {}", control.kind()),
            );
            self.ok = false;
            return levels;
        };
        for (l, level) in items.iter().enumerate() {
            match self.policy_names(level, &control_path.index(l), PolicyKind::Control) {
                Some(level) => levels.push(level),
                None => self.ok = false,
            }
        }
        levels
    }

    /// Whether the account is the Resource Directory management account; false when absent.
    fn management_account(&mut self, account: &Members) -> bool {
        match account.get("management_account") {
            None => false,
            Some(Json::Bool(b)) => *b,
            Some(other) => {
                self.d.error(
                    &account.path_of("management_account"),
                    format!("expected true or false, found {}", other.kind()),
                );
                self.ok = false;
                false
            }
        }
    }
}
