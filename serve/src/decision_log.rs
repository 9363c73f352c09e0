//! The decision log (`--decision-log FILE`): one JSON line per decided call — an id, the time,
//! the revision, where the call came from, the RAM request, the decision, the step and the
//! determining statements. Lines go through a bounded queue to a writer thread, so a slow disk
//! never slows a decision: when the queue is full a line is dropped and counted
//! (`ramjet_decision_log_dropped_total`), and the count is reported at shutdown.

use crate::answer::{determining_json, to_json, DeterminingJson};
use ramjet_engine::{Outcome, PrincipalKind, Request};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::thread::JoinHandle;

/// Lines the queue holds before it drops.
pub const QUEUE_LINES: usize = 65_536;

/// The open log.
#[derive(Debug)]
pub struct DecisionLog {
    queue: SyncSender<String>,
    next_id: AtomicU64,
    dropped: AtomicU64,
}

#[derive(Serialize)]
struct Line<'a> {
    id: u64,
    time: String,
    revision: u64,
    source: &'a str,
    action: &'a str,
    resource: &'a str,
    principal: Option<String>,
    decision: &'static str,
    step: &'static str,
    determining: Vec<DeterminingJson<'a>>,
}

impl DecisionLog {
    /// Opens (appends to) `path` and starts the writer thread, which ends, having written every
    /// queued line, at [`DecisionLog::close`] or once the log is dropped.
    pub fn open(path: &Path) -> std::io::Result<(DecisionLog, JoinHandle<std::io::Result<()>>)> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        let (queue, lines) = sync_channel(QUEUE_LINES);
        let writer = std::thread::Builder::new()
            .name("decision-log".into())
            .spawn(move || write_lines(file, lines))?;
        let log = DecisionLog {
            queue,
            next_id: AtomicU64::new(1),
            dropped: AtomicU64::new(0),
        };
        Ok((log, writer))
    }

    /// Queues one decided call's line; `false` when it was dropped.
    pub fn record(
        &self,
        source: &str,
        request: &Request,
        outcome: &Outcome,
        revision: u64,
    ) -> bool {
        let line = Line {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            time: jiff::Timestamp::now().to_string(),
            revision,
            source,
            action: request.action(),
            resource: request.resource(),
            principal: request.principal().map(|p| match &p.kind {
                PrincipalKind::Service { service, .. } => service.clone(),
                PrincipalKind::Federated { provider } => provider.clone(),
                PrincipalKind::Anonymous => "(anonymous)".to_string(),
                _ => p.arns().into_iter().next().unwrap_or_default(),
            }),
            decision: outcome.decision.as_str(),
            step: outcome.step.as_str(),
            determining: determining_json(outcome),
        };
        match self.queue.try_send(to_json(&line)) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// Asks the writer to stop once it has written every line queued so far (waiting for room
    /// in the queue if need be). Lines recorded afterwards are dropped.
    pub fn close(&self) {
        let _ = self.queue.send(String::new());
    }

    /// Lines dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

fn write_lines(file: File, lines: Receiver<String>) -> std::io::Result<()> {
    let mut out = BufWriter::new(file);
    // An empty line is `close`'s: no decision's line is empty.
    while let Ok(line) = lines.recv() {
        if line.is_empty() {
            break;
        }
        writeln!(out, "{line}")?;
        // Write what came in a burst, then flush, so that a reader sees lines promptly.
        while let Ok(line) = lines.try_recv() {
            if line.is_empty() {
                return out.flush();
            }
            writeln!(out, "{line}")?;
        }
        out.flush()?;
    }
    out.flush()
}
