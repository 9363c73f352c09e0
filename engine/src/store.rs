//! The policy store: an immutable compiled [`Snapshot`] of a [`Bundle`] behind `arc-swap`.
//! [`PolicyStore::swap`] compiles the whole new bundle first and installs it in one atomic
//! pointer swap; on any error the old snapshot stays. Readers never block and never see a
//! half-built snapshot, and every decision names the revision it was made with. A thread that
//! checks many requests holds a [`StoreReader`] ([`PolicyStore::reader`]): it keeps the current
//! snapshot and its scratch space and sees a swap at its next check; the writer, not a reader,
//! frees the snapshot a swap replaced.
//!
//! ```
//! use ramjet_engine::model::{Account, Bundle, Effect, PatternList, Policy, Statement, User};
//! use ramjet_engine::{Decision, PolicyStore, Principal, Request, Scratch};
//!
//! let mut bundle = Bundle::default();
//! bundle.policies.insert("ListEas".into(), Policy { statements: vec![Statement {
//!     sid: None, effect: Effect::Allow,
//!     actions: PatternList { negated: false, patterns: vec!["eas:List*".into()] },
//!     resources: Some(PatternList { negated: false, patterns: vec!["*".into()] }),
//!     principal: None, conditions: vec![],
//! }]});
//! let mut account = Account::default();
//! account.users.insert("alice".into(), User { policies: vec!["ListEas".into()], groups: vec![] });
//! bundle.accounts.insert("1234567890123456".into(), account);
//!
//! let store = PolicyStore::new(&bundle).unwrap();
//! let request = Request::new("eas:ListServices", "*").unwrap()
//!     .with_principal(Principal::ram_user("1234567890123456", "alice"));
//! let checked = store.check(&request, &mut Scratch::default());
//! assert_eq!(checked.verdict.decision, Decision::Allow);
//! assert_eq!(checked.revision, 1);
//!
//! let mut reader = store.reader();
//! assert_eq!(reader.check(&request).verdict.decision, Decision::Allow);
//! ```

use crate::compile::CompileError;
use crate::evaluate::Scratch;
use crate::model::Bundle;
use crate::request::Request;
use crate::snapshot::{Checked, Snapshot};
use crate::Outcome;
use arc_swap::ArcSwap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// Compiled snapshots behind an atomic pointer: many readers, occasional swaps.
#[derive(Debug)]
pub struct PolicyStore {
    current: ArcSwap<Snapshot>,
    /// Serialises writers so revisions are installed in order.
    writer: Mutex<Writer>,
}

/// The writers' side of a [`PolicyStore`].
#[derive(Debug)]
struct Writer {
    revision: u64,
    /// The snapshot the last swap replaced. Readers let go of it at their next check; keeping it
    /// until the next swap means the writer, not a reader in the middle of a request, usually
    /// pays for freeing it (a compiled snapshot is many allocations).
    retired: Option<Arc<Snapshot>>,
}

impl PolicyStore {
    /// A store holding `bundle` as revision 1.
    pub fn new(bundle: &Bundle) -> Result<Self, CompileError> {
        let snapshot = Snapshot::compile(bundle, 1)?;
        Ok(PolicyStore {
            current: ArcSwap::from_pointee(snapshot),
            writer: Mutex::new(Writer {
                revision: 1,
                retired: None,
            }),
        })
    }

    /// Compiles `bundle` and, if it compiles, installs it as the next revision, which it
    /// returns. On error the current snapshot stays in place.
    pub fn swap(&self, bundle: &Bundle) -> Result<u64, CompileError> {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let snapshot = Snapshot::compile(bundle, writer.revision + 1)?;
        writer.revision += 1;
        let replaced = self.current.swap(Arc::new(snapshot));
        // Frees the snapshot retired by the swap before, unless a reader still holds it.
        writer.retired = Some(replaced);
        Ok(writer.revision)
    }

    /// The current snapshot; hold it for a batch so every decision in it uses one revision.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Decides `request` on the current snapshot without taking a reference count.
    // Hot path: guarded by the `check` benchmarks in bench/.
    pub fn check(&self, request: &Request, scratch: &mut Scratch) -> Checked {
        self.current.load().check(request, scratch)
    }

    /// A reader for one thread: it keeps the current snapshot and its own [`Scratch`], so a
    /// check costs one atomic pointer comparison to see whether the store was swapped.
    ///
    /// ```
    /// use ramjet_engine::model::Bundle;
    /// use ramjet_engine::{Decision, PolicyStore, Request};
    ///
    /// let store = PolicyStore::new(&Bundle::default()).unwrap();
    /// let mut reader = store.reader();
    /// let request = Request::new("eas:ListServices", "*").unwrap();
    /// assert_eq!(reader.check(&request).verdict.decision, Decision::ImplicitDeny);
    /// ```
    pub fn reader(&self) -> StoreReader<'_> {
        StoreReader {
            cache: arc_swap::Cache::new(&self.current),
            scratch: Scratch::default(),
        }
    }
}

/// One thread's handle on a [`PolicyStore`] (see [`PolicyStore::reader`]). A swap is seen by
/// the next check; a snapshot stays alive while a reader still holds it, until that reader's next
/// check.
pub struct StoreReader<'s> {
    cache: arc_swap::Cache<&'s ArcSwap<Snapshot>, Arc<Snapshot>>,
    scratch: Scratch,
}

impl StoreReader<'_> {
    /// Decides `request` on the store's current snapshot.
    // Hot path: guarded by the `check` benchmarks in bench/.
    pub fn check(&mut self, request: &Request) -> Checked {
        let StoreReader { cache, scratch } = self;
        cache.load().check(request, scratch)
    }

    /// Decides `request` with its determining statements, on the current snapshot.
    pub fn outcome(&mut self, request: &Request) -> Outcome {
        let StoreReader { cache, scratch } = self;
        cache.load().outcome(request, scratch)
    }
}

impl fmt::Debug for StoreReader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreReader").finish_non_exhaustive()
    }
}
