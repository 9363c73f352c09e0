//! Findings a run does not want: rules turned off (`--disable RJ203`), turned off for one
//! statement (`--disable RJ203@PowerUser`, by `Sid`), and the findings of a baseline (a previous
//! `--format json` output; a finding matches when its file, rule and JSON path do).

use crate::{rule, Finding};
use serde::Deserialize;
use std::collections::HashSet;

/// Rules turned off for a run, wholly or per statement `Sid`.
#[derive(Debug, Default, Clone)]
pub struct Suppressions {
    rules: HashSet<&'static str>,
    per_sid: HashSet<(&'static str, String)>,
}

impl Suppressions {
    /// Reads `--disable` values: `RJ203`, `allow-not-action`, `RJ203@Sid`. An unknown rule is an
    /// error naming it.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<Suppressions, String> {
        let mut out = Suppressions::default();
        for value in values {
            let value = value.as_ref();
            let (name, sid) = match value.split_once('@') {
                Some((name, sid)) => (name, Some(sid)),
                None => (value, None),
            };
            let Some(found) = rule(name) else {
                return Err(format!(
                    "--disable {value}: no rule {name:?} (`ramjet lint --explain` lists them)"
                ));
            };
            match sid {
                Some(sid) => {
                    out.per_sid.insert((found.code, sid.to_string()));
                }
                None => {
                    out.rules.insert(found.code);
                }
            }
        }
        Ok(out)
    }

    /// Whether the finding is turned off.
    pub fn suppresses(&self, finding: &Finding) -> bool {
        self.rules.contains(finding.rule.code)
            || finding
                .sid
                .as_ref()
                .is_some_and(|sid| self.per_sid.contains(&(finding.rule.code, sid.clone())))
    }
}

/// The findings of an earlier run, to be left out of this one.
#[derive(Debug, Default, Clone)]
pub struct Baseline {
    known: HashSet<(String, String, String)>,
}

#[derive(Deserialize)]
struct BaselineFile {
    findings: Vec<BaselineFinding>,
}

#[derive(Deserialize)]
struct BaselineFinding {
    file: String,
    rule: String,
    path: String,
}

impl Baseline {
    /// Reads a `ramjet lint --format json` output.
    pub fn parse(text: &[u8]) -> Result<Baseline, String> {
        let file: BaselineFile = serde_json::from_slice(text).map_err(|e| {
            format!("not a `ramjet lint --format json` output ({{\"findings\": [...]}}): {e}")
        })?;
        Ok(Baseline {
            known: file
                .findings
                .into_iter()
                .map(|f| (f.file, f.rule, f.path))
                .collect(),
        })
    }

    /// Whether the baseline holds this finding of `file`.
    pub fn contains(&self, file: &str, finding: &Finding) -> bool {
        self.known.contains(&(
            file.to_string(),
            finding.rule.code.to_string(),
            finding.path.clone(),
        ))
    }
}
