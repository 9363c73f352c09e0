//! Hot reloads: the bundle directory is watched (and `SIGHUP` and the admin endpoint ask too); a
//! change is compiled off the request path and swapped in atomically, or refused with the reason
//! while the last good bundle keeps deciding. Calls in flight finish on the snapshot they started
//! with. One reload runs at a time, so revisions follow the order reloads were asked in.

use crate::metrics::Metrics;
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use ramjet_engine::PolicyStore;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long the directory must stay quiet before a reload: an editor or `cp -r` writes several
/// files, and a half-written bundle would only be refused.
const SETTLE: Duration = Duration::from_millis(200);

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reloaded {
    /// The new bundle decides from this revision on.
    Swapped(u64),
    /// The bundle was refused; the revision that keeps deciding, and why.
    Refused {
        /// The revision still deciding.
        kept: u64,
        /// Why the bundle was refused.
        reason: String,
    },
}

/// Reloads one bundle directory into one store, one reload at a time.
pub struct Reloader {
    dir: PathBuf,
    store: Arc<PolicyStore>,
    metrics: Arc<Metrics>,
    one_at_a_time: tokio::sync::Mutex<()>,
}

impl Reloader {
    /// A reloader of `dir` into `store`, counting reloads in `metrics`.
    pub fn new(dir: &Path, store: Arc<PolicyStore>, metrics: Arc<Metrics>) -> Reloader {
        Reloader {
            dir: dir.to_path_buf(),
            store,
            metrics,
            one_at_a_time: tokio::sync::Mutex::new(()),
        }
    }

    /// Loads and compiles the directory on a blocking thread and swaps it in, or reports why
    /// not (on stderr, in the metrics and in the result).
    pub async fn reload(&self) -> Reloaded {
        let _turn = self.one_at_a_time.lock().await;
        let shown = self.dir.display().to_string();
        let (dir, store) = (self.dir.clone(), self.store.clone());
        let result =
            tokio::task::spawn_blocking(move || ramjet_compiler::reload(&store, &dir)).await;
        let reason = match result {
            Ok(Ok(revision)) => {
                self.metrics.record_reload(Ok(revision));
                eprintln!("ramjet serve: {shown}: revision {revision} swapped in");
                return Reloaded::Swapped(revision);
            }
            Ok(Err(error)) => error.to_string(),
            Err(join) => format!("the reload failed: {join}"),
        };
        self.metrics.record_reload(Err(()));
        eprintln!(
            "ramjet serve: {shown}: refused, the last good bundle keeps deciding:\n  {}",
            reason.replace('\n', "\n  ")
        );
        Reloaded::Refused {
            kept: self.store.snapshot().revision(),
            reason,
        }
    }
}

/// Starts watching the reloader's directory; the returned watcher must be kept alive. Each
/// burst of changes, and each `SIGHUP`, reloads the bundle once.
pub fn watch(reloader: Arc<Reloader>) -> notify::Result<RecommendedWatcher> {
    let (wake, mut woken) = mpsc::channel::<()>(1);
    let from_watcher = wake.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| !e.kind.is_access()) {
            // A full channel already holds a wake-up: nothing is lost.
            let _ = from_watcher.try_send(());
        }
    })?;
    watcher.watch(&reloader.dir, RecursiveMode::Recursive)?;
    tokio::spawn(on_sighup(wake));
    tokio::spawn(async move {
        while woken.recv().await.is_some() {
            // Let the burst settle, then take every wake-up it left.
            loop {
                tokio::time::sleep(SETTLE).await;
                if woken.try_recv().is_err() {
                    break;
                }
            }
            reloader.reload().await;
        }
    });
    Ok(watcher)
}

async fn on_sighup(wake: mpsc::Sender<()>) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        eprintln!("ramjet serve: cannot listen for SIGHUP; reloads follow the directory only");
        return;
    };
    while hangups.recv().await.is_some() {
        let _ = wake.try_send(());
    }
}
