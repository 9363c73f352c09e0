//! `ramjet._ramjet`: the native module behind the `ramjet` Python package (`pysrc/ramjet`).
//!
//! A [`Snapshot`] is a compiled bundle, loaded once and shared by every thread; `check` decides one
//! request, given as the dict a `ramjet eval` line holds, and answers with the dict `ramjet eval
//! --bundle` prints for it. Requests are read by the same reader as `ramjet eval` (the dict is
//! written as JSON text and read back), so a request that cannot be read raises `RequestError`
//! with the same message, JSON path included. Deciding runs with the GIL released.

use arrow::array::RecordBatch;
use arrow::pyarrow::{FromPyArrow, ToPyArrow};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use ramjet_compiler::{load_bundle, one_line, parse_request};
use ramjet_engine::{Outcome, Scratch};
use std::path::PathBuf;

create_exception!(
    ramjet,
    RequestError,
    PyValueError,
    "A request that cannot be read: the message is `ramjet eval`'s, with the JSON path of the fault."
);
create_exception!(
    ramjet,
    BundleError,
    PyValueError,
    "A bundle that cannot be loaded: every file's faults, as `ramjet eval --bundle` reports them."
);

/// A compiled bundle (a directory with `bundle.json` and `policies/`), immutable and shared:
/// decide as many requests as you like, from any thread.
#[pyclass(frozen, module = "ramjet")]
pub struct Snapshot {
    compiled: ramjet_engine::Snapshot,
}

#[pymethods]
impl Snapshot {
    /// Loads and compiles the bundle in `path` (a directory with `bundle.json` and `policies/`).
    /// Raises `BundleError` naming each faulty file and JSON path.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Snapshot> {
        let compiled = py.detach(|| {
            let bundle = load_bundle(&path).map_err(|e| e.to_string())?;
            ramjet_engine::Snapshot::compile(&bundle, 1)
                .map_err(|e| format!("{}: {e}", path.display()))
        });
        compiled
            .map(|compiled| Snapshot { compiled })
            .map_err(BundleError::new_err)
    }

    /// The snapshot's revision (1 for a snapshot just loaded).
    #[getter]
    fn revision(&self) -> u64 {
        self.compiled.revision()
    }

    /// Decides one request: a dict as in a `ramjet eval` line (`action`, `resource`, and
    /// optionally `principal`, `resource_group`, `context`). Returns `{"decision", "step",
    /// "determining": [{"policy", "statement", "sid", "kind", "index", "level"?}], "revision"}`,
    /// as `ramjet eval --bundle` prints it. Raises `RequestError` for a request that cannot be
    /// read.
    fn check<'py>(&self, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
        let py = request.py();
        let text: String = py
            .import("json")?
            .call_method1("dumps", (request,))
            .and_then(|t| t.extract())
            .map_err(|e| RequestError::new_err(format!("not JSON: {e}")))?;
        let outcome = py.detach(|| {
            parse_request(text.as_bytes())
                .map(|request| self.compiled.outcome(&request, &mut Scratch::default()))
                .map_err(|diagnostics| one_line(&diagnostics))
        });
        match outcome {
            Ok(outcome) => answer(py, &outcome, self.compiled.revision()),
            Err(message) => Err(RequestError::new_err(message)),
        }
    }

    /// Decides every row of a `pyarrow.RecordBatch` or `Table` of requests: columns `action`
    /// and `resource` (strings), `principal` (a struct with the principal's fields, absent ones
    /// null), optional `context` (a JSON object as a string) and `resource_group`; or a column
    /// `request` of whole request lines as JSON strings. Returns a `RecordBatch`, one row per
    /// input row in order: `decision`, `step` (null on error), `determining` (a list of structs
    /// `policy`, `statement`, `sid`, `kind`, `index`, `level`), `revision`, and `error` (null
    /// unless the row could not be read, then `ramjet eval`'s message). Raises `ValueError` when
    /// a column has the wrong type. Rows are decided in parallel with the GIL released.
    fn check_batch<'py>(&self, batch: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = batch.py();
        let batches = record_batches(batch)?;
        let answers = py.detach(|| ramjet_columnar::check_batches(&self.compiled, &batches));
        answers
            .map_err(|e| PyValueError::new_err(e.to_string()))?
            .to_pyarrow(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "<ramjet.Snapshot revision {}, {} statements>",
            self.compiled.revision(),
            self.compiled.statement_count()
        )
    }
}

/// The answer as `ramjet eval --bundle` prints it (serve's `OutcomeJson`), as a dict.
fn answer<'py>(py: Python<'py>, outcome: &Outcome, revision: u64) -> PyResult<Bound<'py, PyDict>> {
    let determining = PyList::empty(py);
    for statement in &outcome.determining {
        let entry = PyDict::new(py);
        entry.set_item("policy", &statement.policy)?;
        entry.set_item("statement", statement.statement)?;
        entry.set_item("sid", statement.sid.as_deref())?;
        entry.set_item("kind", statement.place.kind().as_str())?;
        entry.set_item("index", statement.place.index())?;
        if let Some(level) = statement.place.level() {
            entry.set_item("level", level)?;
        }
        determining.append(entry)?;
    }
    let out = PyDict::new(py);
    out.set_item("decision", outcome.decision.as_str())?;
    out.set_item("step", outcome.step.as_str())?;
    out.set_item("determining", determining)?;
    out.set_item("revision", revision)?;
    Ok(out)
}

/// The record batches of a `pyarrow.RecordBatch`, `Table` or anything else that exports an Arrow
/// stream (`__arrow_c_stream__`).
fn record_batches(value: &Bound<'_, PyAny>) -> PyResult<Vec<RecordBatch>> {
    if value.hasattr("__arrow_c_stream__")? {
        let reader = arrow::ffi_stream::RecordBatchStreamReader::from_pyarrow_bound(value)?;
        return reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PyValueError::new_err(e.to_string()));
    }
    Ok(vec![RecordBatch::from_pyarrow_bound(value)?])
}

/// The native module.
#[pymodule]
fn _ramjet(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Snapshot>()?;
    m.add("RequestError", m.py().get_type::<RequestError>())?;
    m.add("BundleError", m.py().get_type::<BundleError>())?;
    Ok(())
}
