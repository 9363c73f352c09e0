//! `ramjet eval`: decide every request of a JSON Lines file, in parallel, one output line per
//! input line, in order. Reads and decides in chunks, so memory stays bounded whatever the file's
//! size.

use crate::check::load_policy;
use crate::engine_choice::{Decider, EngineChoice};
use crate::explain::{outcome_json, to_json};
use crate::{FileArg, EXIT_ERROR};
use clap::{Args, ValueEnum};
use ramjet_compiler::{load_bundle, one_line, parse_request, PolicyKind, PolicySet};
use ramjet_engine::batch::par_map_chunks;
use ramjet_engine::model::Bundle;
use ramjet_engine::Outcome;
use ramjet_engine::Scratch;
use ramjet_engine::Snapshot;
use ramjet_reference as reference;
use serde::Serialize;
use std::io::{BufRead, BufReader, BufWriter, Write};

/// Lines read and decided at a time.
const CHUNK_LINES: usize = 16_384;

/// Lines one parallel task decides in turn.
const TASK_LINES: usize = 256;

/// Decide every request of a JSON Lines file: exit 0 when every line was read, 1 when some were
/// not, 2 on usage errors.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    ramjet eval --bundle corpus/bundle --requests corpus/examples/requests.jsonl\n  \
    ramjet eval --policy corpus/policies/seeds/pai-eas-list-services.json --requests corpus/examples/requests.jsonl\n\n\
    Each output line is the `check --format json` object of its request (with \"revision\", the\n\
    bundle snapshot's, when --bundle is given), or {\"line\": N, \"error\": \"...\"} for a line that\n\
    cannot be read.")]
pub struct EvalArgs {
    /// A bundle directory (bundle.json and policies/): each request gets its principal's policies
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "policy",
        required_unless_present = "policy"
    )]
    bundle: Option<FileArg>,

    /// An identity policy document (repeatable), applied to every request
    #[arg(long, value_name = "FILE")]
    policy: Vec<FileArg>,

    /// Requests, one JSON object per line
    #[arg(long, value_name = "FILE.jsonl")]
    requests: FileArg,

    /// Output format
    #[arg(long, value_enum, default_value = "jsonl")]
    format: EvalFormat,

    /// The engine that decides
    #[arg(long, value_enum, default_value = "compiled")]
    engine: EngineChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum EvalFormat {
    /// One JSON object per line
    Jsonl,
}

/// What decides each request.
enum Source {
    Snapshot(Snapshot),
    BundleReference(Bundle),
    Policies(Decider),
}

impl Source {
    fn decide(
        &self,
        request: &ramjet_engine::Request,
        scratch: &mut Scratch,
    ) -> (Outcome, Option<u64>) {
        match self {
            Source::Snapshot(snapshot) => (
                snapshot.outcome(request, scratch),
                Some(snapshot.revision()),
            ),
            Source::BundleReference(bundle) => (
                reference::evaluate(&reference::bundle_policies(bundle, request), request),
                None,
            ),
            Source::Policies(decider) => (decider.outcome(request, scratch), None),
        }
    }
}

fn load(args: &EvalArgs) -> Option<Source> {
    if let Some(dir) = &args.bundle {
        let bundle = match load_bundle(dir) {
            Ok(bundle) => bundle,
            Err(error) => {
                eprintln!("ramjet: {}", error.to_string().replace('\n', "\nramjet: "));
                return None;
            }
        };
        return match args.engine {
            EngineChoice::Reference => Some(Source::BundleReference(bundle)),
            EngineChoice::Compiled => match Snapshot::compile(&bundle, 1) {
                Ok(snapshot) => Some(Source::Snapshot(snapshot)),
                Err(error) => {
                    eprintln!("ramjet: {}: {error}", dir.display());
                    None
                }
            },
        };
    }
    let mut set = PolicySet::default();
    let mut ok = true;
    for path in &args.policy {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match load_policy(path, PolicyKind::Identity, stem) {
            Some(policy) => set.identity.push(policy),
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    match Decider::new(set, args.engine) {
        Ok((decider, _)) => Some(Source::Policies(decider)),
        Err(error) => {
            eprintln!("ramjet: {error}");
            None
        }
    }
}

/// The output line for an input line that cannot be read.
#[derive(Serialize)]
struct LineError<'a> {
    line: usize,
    error: &'a str,
}

/// One input line decided: the output line, and whether the input could be read.
fn decide_line(
    source: &Source,
    number: usize,
    bytes: &[u8],
    scratch: &mut Scratch,
) -> (String, bool) {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return (
            to_json(&LineError {
                line: number,
                error: "empty line",
            }),
            false,
        );
    }
    match parse_request(bytes) {
        Ok(request) => {
            let (outcome, revision) = source.decide(&request, scratch);
            let mut value = outcome_json(&outcome);
            value.revision = revision;
            (value.to_string(), true)
        }
        Err(diagnostics) => (
            to_json(&LineError {
                line: number,
                error: &one_line(&diagnostics),
            }),
            false,
        ),
    }
}

pub fn run(args: &EvalArgs) -> u8 {
    let Some(source) = load(args) else {
        return EXIT_ERROR;
    };
    let file = match std::fs::File::open(&args.requests) {
        Ok(file) => file,
        Err(error) => {
            eprintln!("ramjet: {}: cannot read: {error}", args.requests.display());
            return EXIT_ERROR;
        }
    };
    let mut reader = BufReader::new(file);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut number = 0usize;
    let mut all_read = true;
    loop {
        let mut chunk: Vec<(usize, Vec<u8>)> = Vec::with_capacity(CHUNK_LINES);
        while chunk.len() < CHUNK_LINES {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {
                    number += 1;
                    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                        line.pop();
                    }
                    chunk.push((number, line));
                }
                Err(error) => {
                    eprintln!(
                        "ramjet: {}: read error after line {number}: {error}",
                        args.requests.display()
                    );
                    return EXIT_ERROR;
                }
            }
        }
        if chunk.is_empty() {
            break;
        }
        let decided = par_map_chunks(&chunk, TASK_LINES, |lines, scratch| {
            lines
                .iter()
                .map(|(n, bytes)| decide_line(&source, *n, bytes, scratch))
                .collect::<Vec<(String, bool)>>()
        });
        for (line, read) in decided.into_iter().flatten() {
            all_read &= read;
            if writeln!(out, "{line}").is_err() {
                return EXIT_ERROR;
            }
        }
    }
    if out.flush().is_err() {
        return EXIT_ERROR;
    }
    if all_read {
        0
    } else {
        1
    }
}
