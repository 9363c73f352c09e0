//! Diagnostics: an error or warning at a JSON path, with a reason a person can act on. Parsing
//! collects every diagnostic it can rather than stopping at the first, so `validate` reports a
//! whole document at once.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The document or request is rejected.
    Error,
    /// Accepted, but probably not what the author meant, or beyond a RAM limit.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A JSON path from the root of a file: `Statement[1].Condition.IpAddress.acs:SourceIp[0]`.
/// The root itself displays as `(root)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct JsonPath(String);

impl JsonPath {
    /// The root of a document.
    pub fn root() -> Self {
        JsonPath(String::new())
    }

    /// The path of member `name` of the object at this path.
    pub fn key(&self, name: &str) -> Self {
        if self.0.is_empty() {
            JsonPath(name.to_string())
        } else {
            JsonPath(format!("{}.{name}", self.0))
        }
    }

    /// The path of element `index` of the array at this path.
    pub fn index(&self, index: usize) -> Self {
        JsonPath(format!("{}[{index}]", self.0))
    }

    /// True for the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("(root)")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// One finding: severity, where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where in the file; a syntax error gives the line and column here instead.
    pub location: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Diagnostics as one line, `path: message; path: message`: how `ramjet eval`, the service and
/// the Python package report a request that cannot be read.
pub fn one_line(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The most diagnostics kept for one file; past it one more says how many were dropped.
pub const MAX_DIAGNOSTICS: usize = 100;

/// Collects diagnostics while a document is read.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    errors: usize,
    dropped: usize,
    dropped_errors: usize,
}

impl Diagnostics {
    /// Records an error at `path`.
    pub fn error(&mut self, path: &JsonPath, message: impl Into<String>) {
        self.errors += 1;
        self.push(Severity::Error, path.to_string(), message.into());
    }

    /// Records a warning at `path`.
    pub fn warning(&mut self, path: &JsonPath, message: impl Into<String>) {
        self.push(Severity::Warning, path.to_string(), message.into());
    }

    /// Records an error whose location is not a JSON path (a syntax error's line and column).
    pub fn error_at(&mut self, location: String, message: String) {
        self.errors += 1;
        self.push(Severity::Error, location, message);
    }

    fn push(&mut self, severity: Severity, location: String, message: String) {
        if self.items.len() < MAX_DIAGNOSTICS {
            self.items.push(Diagnostic {
                severity,
                location,
                message,
            });
        } else {
            self.dropped += 1;
            self.dropped_errors += usize::from(severity == Severity::Error);
        }
    }

    /// True when an error was recorded.
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// The diagnostics, errors and warnings in the order found, and a last one counting those
    /// dropped past [`MAX_DIAGNOSTICS`].
    pub fn into_vec(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            self.items.push(Diagnostic {
                severity: if self.dropped_errors > 0 {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                location: "(file)".to_string(),
                message: format!(
                    "{} more diagnostics not shown ({} of them errors)",
                    self.dropped, self.dropped_errors
                ),
            });
        }
        self.items
    }
}
