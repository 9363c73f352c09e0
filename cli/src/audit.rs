//! `ramjet audit` and `ramjet gen-events`: replay ActionTrail events against a bundle, and make
//! realistic events to replay.

use crate::{FileArg, EXIT_ERROR};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use ramjet_audit::mapping::Mapping;
use ramjet_audit::report::{report, summary, unused_permissions};
use ramjet_audit::run::audit;
use ramjet_compiler::load_bundle;
use ramjet_engine::Snapshot;
use std::io::{BufWriter, IsTerminal, Write};
use std::time::Instant;

/// Replay ActionTrail events against a bundle: exit 0 when every input line was read, 1 when
/// some were malformed, 2 on usage, bundle or I/O errors.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    ramjet audit --bundle corpus/bundle corpus/actiontrail/sample-events.jsonl\n  \
    ramjet audit --bundle corpus/bundle --report report.json --decisions decisions.jsonl logs/*.json.gz\n\n\
    EVENTS are ActionTrail records: JSON Lines, a JSON array, a LookupEvents response\n\
    ({\"Events\": [...]}), records wrapped in `Detail` or SLS `event` fields; any of them gzipped.\n\
    Every input line is accounted for: events = evaluated + system + unmapped + malformed.")]
pub struct AuditArgs {
    /// The bundle directory (bundle.json and policies/)
    #[arg(long, value_name = "DIR")]
    bundle: FileArg,

    /// Write the full report (counts, per-principal and per-action breakdowns, samples, findings)
    #[arg(long, value_name = "FILE.json")]
    report: Option<FileArg>,

    /// Write one decision per event, in input order
    #[arg(long, value_name = "FILE.jsonl")]
    decisions: Option<FileArg>,

    /// ActionTrail event files (.gz allowed)
    #[arg(required = true, value_name = "EVENTS")]
    events: Vec<FileArg>,
}

fn create(path: &FileArg) -> Option<BufWriter<std::fs::File>> {
    match std::fs::File::create(path) {
        Ok(file) => Some(BufWriter::new(file)),
        Err(e) => {
            eprintln!("ramjet: {}: cannot write: {e}", path.display());
            None
        }
    }
}

fn load(dir: &FileArg) -> Option<(ramjet_engine::model::Bundle, Snapshot)> {
    let bundle = match load_bundle(dir) {
        Ok(bundle) => bundle,
        Err(error) => {
            eprintln!("ramjet: {}", error.to_string().replace('\n', "\nramjet: "));
            return None;
        }
    };
    match Snapshot::compile(&bundle, 1) {
        Ok(snapshot) => Some((bundle, snapshot)),
        Err(error) => {
            eprintln!("ramjet: {}: {error}", dir.display());
            None
        }
    }
}

pub fn run(args: &AuditArgs) -> u8 {
    let Some((bundle, snapshot)) = load(&args.bundle) else {
        return EXIT_ERROR;
    };
    let mut decisions = match &args.decisions {
        Some(path) => match create(path) {
            Some(w) => Some(w),
            None => return EXIT_ERROR,
        },
        None => None,
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos} events ({per_sec}) {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let (stats, failures) = audit(
        &args.events,
        &snapshot,
        &Mapping::default(),
        decisions.as_mut().map(|w| w as &mut dyn Write),
        &mut |events| bar.set_position(events),
    );
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let unused = unused_permissions(&bundle, &stats);
    crate::files::emit(&summary(&stats, &unused, seconds));
    let mut status = if stats.malformed > 0 { 1 } else { 0 };
    if let Some(path) = &args.report {
        let written = create(path).and_then(|mut w| {
            serde_json::to_writer_pretty(&mut w, &report(&stats, &unused)).ok()?;
            w.flush().ok()
        });
        if written.is_none() {
            status = EXIT_ERROR;
        }
    }
    if let Some(mut w) = decisions {
        if w.flush().is_err() {
            status = EXIT_ERROR;
        }
    }
    for (path, error) in &failures {
        eprintln!("ramjet: {}: cannot read: {error}", path.display());
        status = EXIT_ERROR;
    }
    if !stats.balances() {
        eprintln!("ramjet: internal error: the event counts do not add up");
        status = EXIT_ERROR;
    }
    status
}

/// Write realistic, deterministic ActionTrail events for a bundle, as JSON Lines on stdout.
#[derive(Args)]
#[command(
    after_help = "Example:\n  ramjet gen-events --bundle corpus/bundle --count 1000000 --seed 7 > events.jsonl"
)]
pub struct GenEventsArgs {
    /// The bundle whose principals and policies the events exercise
    #[arg(long, value_name = "DIR")]
    bundle: FileArg,

    /// How many events
    #[arg(long, default_value_t = 1000)]
    count: u64,

    /// The seed: the same seed gives the same events
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn generate(args: &GenEventsArgs) -> u8 {
    let Some((bundle, _)) = load(&args.bundle) else {
        return EXIT_ERROR;
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match ramjet_audit::generate::generate(&bundle, args.count, args.seed, &mut out)
        .and_then(|()| out.flush())
    {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("ramjet: writing events: {e}");
            EXIT_ERROR
        }
    }
}
