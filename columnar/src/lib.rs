//! # ramjet-columnar
//!
//! Requests and answers as Arrow record batches (interfaces.md, Python package, `check_batch`):
//! a batch of requests in, a batch of answers out, one row per row in order, decided on a
//! snapshot in parallel (rayon). The Python package hands pyarrow batches to [`check_batch`]
//! with the GIL released; the `columnar` fuzz target hands it arbitrary ones.
//!
//! A row is read as `ramjet eval` reads a line ([`rows`] builds the line), so its answer or its
//! error is `eval`'s; a column of the wrong type fails the whole batch ([`BatchError`]).

pub mod rows;

use crate::rows::Rows;
use arrow::array::{
    ArrayRef, ListBuilder, RecordBatch, StringBuilder, StructBuilder, UInt64Builder,
};
use arrow::datatypes::{DataType, Field, Fields, Schema};
use ramjet_compiler::{one_line, parse_request};
use ramjet_engine::{Outcome, Scratch, Snapshot};
use rayon::prelude::*;
use std::sync::Arc;

/// Rows decided by one parallel task in turn.
const TASK_ROWS: usize = 256;

/// Why a whole batch cannot be decided: a column of the wrong type, no request columns, or (an
/// internal fault) answers that do not assemble.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchError(pub String);

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BatchError {}

/// Decides every row of `batch` on `snapshot`: a batch of [`answers_schema`], one row per row in
/// order. A row that cannot be read gets `ramjet eval`'s message in `error` (and null `decision`
/// and `step`); `Err` when the batch's columns cannot be read at all.
pub fn check_batch(snapshot: &Snapshot, batch: &RecordBatch) -> Result<RecordBatch, BatchError> {
    let rows = Rows::of(batch).map_err(BatchError)?;
    let answers: Vec<Result<Outcome, String>> = (0..batch.num_rows())
        .into_par_iter()
        .with_min_len(TASK_ROWS)
        .map_init(Scratch::default, |scratch, row| {
            let line = rows.line(row)?;
            let request = parse_request(line.as_bytes()).map_err(|d| one_line(&d))?;
            Ok(snapshot.outcome(&request, scratch))
        })
        .collect();
    answers_batch(&answers, snapshot.revision()).map_err(|e| BatchError(e.to_string()))
}

/// Decides several batches (a table's chunks) and returns their answers as one batch.
pub fn check_batches(
    snapshot: &Snapshot,
    batches: &[RecordBatch],
) -> Result<RecordBatch, BatchError> {
    let answers = batches
        .iter()
        .map(|b| check_batch(snapshot, b))
        .collect::<Result<Vec<_>, _>>()?;
    arrow::compute::concat_batches(&Arc::new(answers_schema()), &answers)
        .map_err(|e| BatchError(e.to_string()))
}

fn determining_fields() -> Fields {
    Fields::from(vec![
        Field::new("policy", DataType::Utf8, false),
        Field::new("statement", DataType::UInt64, false),
        Field::new("sid", DataType::Utf8, true),
        Field::new("kind", DataType::Utf8, false),
        Field::new("index", DataType::UInt64, false),
        Field::new("level", DataType::UInt64, true),
    ])
}

/// The answers' schema: `decision`, `step` (strings, null on error), `determining` (a list of
/// structs `policy`, `statement`, `sid`, `kind`, `index`, `level`), `revision` (uint64) and
/// `error` (null unless the row could not be read).
pub fn answers_schema() -> Schema {
    let item = Field::new("item", DataType::Struct(determining_fields()), true);
    Schema::new(vec![
        Field::new("decision", DataType::Utf8, true),
        Field::new("step", DataType::Utf8, true),
        Field::new("determining", DataType::List(Arc::new(item)), true),
        Field::new("revision", DataType::UInt64, false),
        Field::new("error", DataType::Utf8, true),
    ])
}

fn answers_batch(
    answers: &[Result<Outcome, String>],
    revision: u64,
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let mut decision = StringBuilder::new();
    let mut step = StringBuilder::new();
    let mut error = StringBuilder::new();
    let mut revisions = UInt64Builder::with_capacity(answers.len());
    let entry = StructBuilder::from_fields(determining_fields(), 0);
    let mut determining = ListBuilder::new(entry).with_field(Arc::new(Field::new(
        "item",
        DataType::Struct(determining_fields()),
        true,
    )));
    for answer in answers {
        revisions.append_value(revision);
        match answer {
            Ok(outcome) => {
                decision.append_value(outcome.decision.as_str());
                step.append_value(outcome.step.as_str());
                error.append_null();
                let entries = determining.values();
                for s in &outcome.determining {
                    append_string(entries, 0, Some(&s.policy));
                    append_u64(entries, 1, Some(s.statement));
                    append_string(entries, 2, s.sid.as_deref());
                    append_string(entries, 3, Some(s.place.kind().as_str()));
                    append_u64(entries, 4, Some(s.place.index()));
                    append_u64(entries, 5, s.place.level());
                    entries.append(true);
                }
                determining.append(true);
            }
            Err(message) => {
                decision.append_null();
                step.append_null();
                error.append_value(message);
                determining.append(true); // an empty list, as for ImplicitDeny
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(decision.finish()),
        Arc::new(step.finish()),
        Arc::new(determining.finish()),
        Arc::new(revisions.finish()),
        Arc::new(error.finish()),
    ];
    RecordBatch::try_new(Arc::new(answers_schema()), columns)
}

fn append_string(entries: &mut StructBuilder, field: usize, value: Option<&str>) {
    if let Some(b) = entries.field_builder::<StringBuilder>(field) {
        b.append_option(value);
    }
}

fn append_u64(entries: &mut StructBuilder, field: usize, value: Option<usize>) {
    if let Some(b) = entries.field_builder::<UInt64Builder>(field) {
        b.append_option(value.and_then(|v| u64::try_from(v).ok()));
    }
}
