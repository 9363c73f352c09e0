//! Hot reloads: the bundle directory is watched, or the bundle URL polled (`SIGHUP` and the admin
//! endpoint ask too); a new bundle is compiled off the request path and swapped in atomically,
//! or refused with the reason while the last good bundle keeps deciding. Calls in flight finish on the snapshot they started
//! with. One reload runs at a time, so revisions follow the order reloads were asked in.

use crate::fetch::{FetchError, Fetched, Fetcher};
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
    /// The bundle at the URL has not changed (304, or the same bytes): this revision decides.
    Unchanged(u64),
    /// The bundle was refused; the revision that keeps deciding, and why.
    Refused {
        /// The revision still deciding.
        kept: u64,
        /// Why the bundle was refused.
        reason: String,
    },
    /// The bundle could not be fetched; the revision that keeps deciding, and why.
    Failed {
        /// The revision still deciding.
        kept: u64,
        /// Why the fetch failed.
        reason: String,
    },
}

/// Where bundles come from.
pub enum Source {
    /// The bundle directory (watched).
    Directory(PathBuf),
    /// A URL, polled (`--bundle-url`).
    Url(Box<Fetcher>),
}

/// What the last fetch from a URL left: the `ETag` and bytes of the archive last swapped in.
#[derive(Default)]
struct LastFetched {
    etag: Option<String>,
    archive: Option<Vec<u8>>,
}

/// Reloads bundles from one source into one store, one reload at a time.
pub struct Reloader {
    source: Source,
    store: Arc<PolicyStore>,
    metrics: Arc<Metrics>,
    one_at_a_time: tokio::sync::Mutex<LastFetched>,
}

impl Reloader {
    /// A reloader from `source` into `store`, counting reloads in `metrics`.
    pub fn new(source: Source, store: Arc<PolicyStore>, metrics: Arc<Metrics>) -> Reloader {
        Reloader {
            source,
            store,
            metrics,
            one_at_a_time: tokio::sync::Mutex::new(LastFetched::default()),
        }
    }

    /// Loads (or fetches) and compiles the bundle on a blocking thread and swaps it in, or
    /// reports why not (on stderr, in the metrics and in the result).
    pub async fn reload(self: &Arc<Self>) -> Reloaded {
        let mut last = self.one_at_a_time.lock().await;
        let (shown, result) = match &self.source {
            Source::Directory(dir) => {
                let shown = dir.display().to_string();
                let (dir, store) = (dir.clone(), self.store.clone());
                let result = tokio::task::spawn_blocking(move || {
                    ramjet_compiler::reload(&store, &dir)
                        .map_err(|e| Refusal::Bundle(e.to_string()))
                })
                .await;
                (shown, result.map(|r| r.map(Some)))
            }
            Source::Url(fetcher) => {
                let this = self.clone();
                let etag = last.etag.clone();
                let previous = last.archive.take();
                let result = tokio::task::spawn_blocking(move || {
                    let outcome = this.fetch_and_swap(etag.as_deref(), previous.as_deref());
                    (outcome, previous)
                })
                .await;
                let result = result.map(|(outcome, previous)| match outcome {
                    Ok(Some((revision, etag, archive))) => {
                        *last = LastFetched {
                            etag,
                            archive: Some(archive),
                        };
                        Ok(Some(revision))
                    }
                    other => {
                        last.archive = previous;
                        other.map(|_| None)
                    }
                });
                (fetcher.url().to_string(), result)
            }
        };
        let kept = self.store.snapshot().revision();
        let refusal = match result {
            Ok(Ok(Some(revision))) => {
                self.metrics.record_reload(Ok(revision));
                eprintln!("ramjet serve: {shown}: revision {revision} swapped in");
                return Reloaded::Swapped(revision);
            }
            Ok(Ok(None)) => return Reloaded::Unchanged(kept),
            Ok(Err(refusal)) => refusal,
            Err(join) => Refusal::Bundle(format!("the reload failed: {join}")),
        };
        match refusal {
            Refusal::Bundle(reason) => {
                self.metrics.record_reload(Err(()));
                eprintln!(
                    "ramjet serve: {shown}: refused, the last good bundle keeps deciding:\n  {}",
                    reason.replace('\n', "\n  ")
                );
                Reloaded::Refused { kept, reason }
            }
            Refusal::Fetch(reason) => {
                self.metrics.record_fetch_failure();
                eprintln!("ramjet serve: fetching the bundle failed, the last good bundle keeps deciding: {reason}");
                Reloaded::Failed { kept, reason }
            }
        }
    }

    /// Fetches the URL's bundle and swaps it in: `Ok(None)` when it has not changed since
    /// `etag` / `previous`, else the new revision and the archive's `ETag` and bytes.
    #[allow(clippy::type_complexity)]
    fn fetch_and_swap(
        &self,
        etag: Option<&str>,
        previous: Option<&[u8]>,
    ) -> Result<Option<(u64, Option<String>, Vec<u8>)>, Refusal> {
        let Source::Url(fetcher) = &self.source else {
            return Ok(None);
        };
        let (bytes, etag) = match fetcher.fetch(etag) {
            Ok(Fetched::NotModified) => return Ok(None),
            Ok(Fetched::Archive { bytes, etag }) => (bytes, etag),
            // A signature missing or wrong refuses the bundle; a network failure does not.
            Err(FetchError::Refused(reason)) => return Err(Refusal::Bundle(reason)),
            Err(FetchError::Failed(reason)) => return Err(Refusal::Fetch(reason)),
        };
        if previous == Some(bytes.as_slice()) {
            return Ok(None);
        }
        let staging = tempfile::Builder::new()
            .prefix("ramjet-bundle-")
            .tempdir()
            .map_err(|error| Refusal::Fetch(format!("a directory to unpack into: {error}")))?;
        // Errors name the archive's files under the URL, not under the staging directory.
        let under_url =
            |text: String| text.replace(&staging.path().display().to_string(), fetcher.url());
        crate::fetch::unpack(&bytes, staging.path())
            .map_err(|reason| Refusal::Bundle(format!("{}: {reason}", fetcher.url())))?;
        let revision = ramjet_compiler::reload(&self.store, staging.path())
            .map_err(|error| Refusal::Bundle(under_url(error.to_string())))?;
        Ok(Some((revision, etag, bytes)))
    }
}

/// Why a reload did not swap a bundle in.
enum Refusal {
    /// The bundle itself is refused (does not unpack, verify, load or compile).
    Bundle(String),
    /// It could not be fetched.
    Fetch(String),
}

/// Polls the URL source: at once, then every `period` give or take a fifth, so that many
/// services do not poll in step.
pub fn poll(reloader: Arc<Reloader>, period: Duration) {
    tokio::spawn(async move {
        loop {
            reloader.reload().await;
            let jitter = 0.8 + 0.4 * fastrand::f64();
            tokio::time::sleep(period.mul_f64(jitter)).await;
        }
    });
}

/// Reloads on `SIGHUP` (the URL source: fetches now).
pub fn reload_on_sighup(reloader: Arc<Reloader>) {
    let (wake, mut woken) = mpsc::channel::<()>(1);
    tokio::spawn(on_sighup(wake));
    tokio::spawn(async move {
        while woken.recv().await.is_some() {
            reloader.reload().await;
        }
    });
}

/// Starts watching `dir`, the reloader's directory; the returned watcher must be kept alive.
/// Each burst of changes, and each `SIGHUP`, reloads the bundle once.
pub fn watch(dir: &Path, reloader: Arc<Reloader>) -> notify::Result<RecommendedWatcher> {
    let (wake, mut woken) = mpsc::channel::<()>(1);
    let from_watcher = wake.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| !e.kind.is_access()) {
            // A full channel already holds a wake-up: nothing is lost.
            let _ = from_watcher.try_send(());
        }
    })?;
    watcher.watch(dir, RecursiveMode::Recursive)?;
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
