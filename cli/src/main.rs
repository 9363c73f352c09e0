//! `ramjet`: decide RAM permission requests (one, or a file of them) and validate RAM policies
//! from the command line.
//!
//! Exit statuses are part of the interface (docs/interfaces.md): `check` exits 0 on Allow,
//! 1 on ExplicitDeny or ImplicitDeny, 2 on any error; `eval` exits 0 when every line was read, 1
//! when some were not, 2 on usage errors; `validate` exits 0 when no file has an error, 1 when
//! one has, 2 on usage or I/O errors; `lint` exits 0 when no finding reaches `--fail-on`, 1 when
//! one does, 2 when an input cannot be read.

mod analyze;
mod audit;
mod check;
mod engine_choice;
mod eval;
mod explain;
mod files;
mod lint;
mod serve;
mod validate;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc: the audit allocates many small strings per event (request fields, context values);
/// measured faster than the system allocator on `ramjet audit` (bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit status for any error: unreadable file, invalid policy or request, bad usage.
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "ramjet",
    version,
    about = "A compiled decision engine for Alibaba Cloud RAM permission policies",
    long_about = "A compiled decision engine for Alibaba Cloud RAM permission policies.\n\n\
        Decides whether a request (an action on a resource, by a principal, with context keys) is \
        allowed by a set of RAM policies, exactly as RAM evaluates them, and validates policy \
        documents with errors that name the JSON path of each fault."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Check(check::CheckArgs),
    Analyze(analyze::AnalyzeArgs),
    Audit(audit::AuditArgs),
    GenEvents(audit::GenEventsArgs),
    Eval(eval::EvalArgs),
    Lint(lint::LintArgs),
    Serve(serve::ServeArgs),
    Validate(validate::ValidateArgs),
}

/// Output format of `check` and `validate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An explanation for people.
    Text,
    /// One JSON object, for scripts.
    Json,
}

/// A file argument with the name to print for it.
pub type FileArg = PathBuf;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let status = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Analyze(args) => analyze::run(&args),
        Command::Audit(args) => audit::run(&args),
        Command::GenEvents(args) => audit::generate(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Validate(args) => validate::run(&args),
    };
    ExitCode::from(status)
}
