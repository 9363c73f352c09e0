//! The conformance suite's case files (`corpus/conformance/*.json`, format in that folder's
//! README): loading them and comparing an engine's answer with the expected one. Every engine's
//! test suite (reference interpreter, compiled engine, batch path, CLI) runs the same cases
//! through this module.

use ramjet_compiler::json::{self, Json};
use ramjet_compiler::parse_scenario;
use ramjet_engine::model::PolicyPlace;
use ramjet_engine::{Decision, Outcome, StatementRef, Step};
use std::path::{Path, PathBuf};

/// One conformance case.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file it came from.
    pub file: PathBuf,
    /// Its unique name.
    pub name: String,
    /// The spec sections it tests.
    pub spec: String,
    /// The scenario file's exact bytes.
    pub scenario: Vec<u8>,
    /// What every engine must answer.
    pub expect: Expected,
}

/// The expected answer of a case.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// A decision, with its step and determining statements (compared as a set).
    Decision {
        /// The decision.
        decision: Decision,
        /// The step that ended evaluation.
        step: Step,
        /// The determining statements.
        determining: Vec<StatementRef>,
    },
    /// The scenario is rejected with a message containing this text.
    Error(String),
}

impl Case {
    /// Compares an engine's answer with the expectation; `Err` says how they differ.
    pub fn check(&self, answer: Result<&Outcome, &str>) -> Result<(), String> {
        match (&self.expect, answer) {
            (Expected::Error(text), Err(message)) if message.contains(text.as_str()) => Ok(()),
            (Expected::Error(text), Err(message)) => Err(format!(
                "expected an error containing {text:?}, got error: {message}"
            )),
            (Expected::Error(text), Ok(outcome)) => Err(format!(
                "expected an error containing {text:?}, got {outcome:?}"
            )),
            (Expected::Decision { .. }, Err(message)) => {
                Err(format!("expected a decision, got error: {message}"))
            }
            (
                Expected::Decision {
                    decision,
                    step,
                    determining,
                },
                Ok(outcome),
            ) => {
                let mut want = determining.clone();
                let mut got = outcome.determining.clone();
                want.sort();
                got.sort();
                if outcome.decision == *decision && outcome.step == *step && want == got {
                    Ok(())
                } else {
                    Err(format!(
                        "expected {decision} at {step} by {want:?}, got {} at {} by {got:?}",
                        outcome.decision, outcome.step
                    ))
                }
            }
        }
    }

    /// The exit status `ramjet check` must give: 0 Allow, 1 deny, 2 error.
    pub fn expected_exit_status(&self) -> i32 {
        match &self.expect {
            Expected::Decision {
                decision: Decision::Allow,
                ..
            } => 0,
            Expected::Decision { .. } => 1,
            Expected::Error(_) => 2,
        }
    }
}

/// Loads every case of every `*.json` file in `dir`, sorted by file. A malformed case file is an
/// error naming the file and the case.
pub fn load_cases(dir: &Path) -> Result<Vec<Case>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        // The strict reader keeps each scenario's numbers and member order as written.
        let document = json::read(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let list = match member(&document, "cases") {
            Some(Json::Array(list)) => list,
            _ => return Err(format!("{}: no \"cases\" array", file.display())),
        };
        for (i, case) in list.iter().enumerate() {
            let at = format!("{} case {i}", file.display());
            cases.push(read_case(case, &file).map_err(|e| format!("{at}: {e}"))?);
        }
    }
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|w| w.first() == w.get(1)) {
        return Err(format!("case name {:?} is used twice", pair.first()));
    }
    Ok(cases)
}

/// One expected determining statement: `policy`, `statement`, `sid`, and where the policy sits —
/// `kind`, `index` and (for control) `level` — or, when those are left out, the one place in the
/// scenario that holds a policy of that name.
fn read_determining(entry: &Json, scenario: &[u8]) -> Result<StatementRef, String> {
    let policy = member(entry, "policy")
        .and_then(Json::as_str)
        .ok_or("determining entry without \"policy\"")?
        .to_string();
    let number = |name: &str| match member(entry, name) {
        Some(Json::Number(n)) => n.parse::<usize>().ok(),
        _ => None,
    };
    let statement = number("statement").ok_or("determining entry without \"statement\"")?;
    let sid = member(entry, "sid")
        .and_then(Json::as_str)
        .map(str::to_string);
    let place = match member(entry, "kind").map(Json::as_str) {
        None => place_of(&policy, scenario)?,
        Some(Some("identity")) => PolicyPlace::Identity {
            index: number("index").ok_or("an identity entry needs \"index\"")?,
        },
        Some(Some("control")) => PolicyPlace::Control {
            level: number("level").ok_or("a control entry needs \"level\"")?,
            index: number("index").ok_or("a control entry needs \"index\"")?,
        },
        Some(Some("session")) => PolicyPlace::Session,
        Some(Some("resource")) => PolicyPlace::Resource,
        Some(other) => return Err(format!("unknown determining kind {other:?}")),
    };
    Ok(StatementRef {
        place,
        policy,
        statement,
        sid,
    })
}

/// The place of the one policy called `name` in the scenario.
fn place_of(name: &str, scenario: &[u8]) -> Result<PolicyPlace, String> {
    let scenario = parse_scenario(scenario)
        .map_err(|d| format!("the scenario of an expected decision does not read: {d:?}"))?;
    let mut places = scenario
        .policies
        .placed()
        .filter(|(_, p)| p.name == name)
        .map(|(place, _)| place);
    match (places.next(), places.next()) {
        (Some(place), None) => Ok(place),
        (None, _) => Err(format!("no policy of the scenario is named {name:?}")),
        (Some(_), Some(_)) => Err(format!(
            "several policies are named {name:?}: give the entry's \"kind\" and \"index\""
        )),
    }
}

/// The first member `name` of an object.
fn member<'a>(json: &'a Json, name: &str) -> Option<&'a Json> {
    match json {
        Json::Object(members) => members.iter().find(|(n, _)| n == name).map(|(_, v)| v),
        _ => None,
    }
}

fn read_case(case: &Json, file: &Path) -> Result<Case, String> {
    let text = |name: &str| {
        member(case, name)
            .and_then(Json::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("missing string {name:?}"))
    };
    let scenario = match (member(case, "scenario"), member(case, "scenario_text")) {
        (Some(s), None) => s.to_compact_string().into_bytes(),
        (None, Some(Json::String(t))) => t.clone().into_bytes(),
        _ => return Err("needs exactly one of \"scenario\" and \"scenario_text\"".to_string()),
    };
    let expect = member(case, "expect").ok_or("missing \"expect\"")?;
    let expect = if let Some(error) = member(expect, "error") {
        Expected::Error(
            error
                .as_str()
                .ok_or("\"error\" must be a string")?
                .to_string(),
        )
    } else {
        let decision = match member(expect, "decision").and_then(Json::as_str) {
            Some("Allow") => Decision::Allow,
            Some("ExplicitDeny") => Decision::ExplicitDeny,
            Some("ImplicitDeny") => Decision::ImplicitDeny,
            other => return Err(format!("bad decision {other:?}")),
        };
        let step = match member(expect, "step").and_then(Json::as_str) {
            Some("control") => Step::Control,
            Some("session") => Step::Session,
            Some("final") => Step::Final,
            other => return Err(format!("bad step {other:?}")),
        };
        let Some(Json::Array(determining)) = member(expect, "determining") else {
            return Err("missing \"determining\" array".to_string());
        };
        let determining = determining
            .iter()
            .map(|d| read_determining(d, &scenario))
            .collect::<Result<Vec<_>, String>>()?;
        Expected::Decision {
            decision,
            step,
            determining,
        }
    };
    Ok(Case {
        file: file.to_path_buf(),
        name: text("name")?,
        spec: text("spec")?,
        scenario,
        expect,
    })
}
