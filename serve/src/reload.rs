//! Hot reloads: the bundle directory is watched (and `SIGHUP` asks too); a change is compiled off
//! the request path and swapped in atomically, or refused with the reason while the last good
//! bundle keeps deciding. Calls in flight finish on the snapshot they started with.

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

/// Starts watching `dir`; the returned watcher must be kept alive. Each burst of changes, and
/// each `SIGHUP`, reloads the bundle once.
pub fn watch(
    dir: &Path,
    store: Arc<PolicyStore>,
    metrics: Arc<Metrics>,
) -> notify::Result<RecommendedWatcher> {
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
    let dir = dir.to_path_buf();
    tokio::spawn(async move {
        while woken.recv().await.is_some() {
            // Let the burst settle, then take every wake-up it left.
            loop {
                tokio::time::sleep(SETTLE).await;
                if woken.try_recv().is_err() {
                    break;
                }
            }
            reload(dir.clone(), store.clone(), metrics.clone()).await;
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

/// Loads and compiles `dir` on a blocking thread and swaps it in, or reports why not.
async fn reload(dir: PathBuf, store: Arc<PolicyStore>, metrics: Arc<Metrics>) {
    let shown = dir.display().to_string();
    let result = tokio::task::spawn_blocking(move || ramjet_compiler::reload(&store, &dir)).await;
    match result {
        Ok(Ok(revision)) => {
            metrics.record_reload(Ok(revision));
            eprintln!("ramjet serve: {shown}: revision {revision} swapped in");
        }
        Ok(Err(error)) => {
            metrics.record_reload(Err(()));
            let reason = error.to_string().replace('\n', "\n  ");
            eprintln!(
                "ramjet serve: {shown}: refused, the last good bundle keeps deciding:\n  {reason}"
            );
        }
        Err(join) => {
            metrics.record_reload(Err(()));
            eprintln!("ramjet serve: {shown}: reload failed: {join}");
        }
    }
}
