//! `compile_policy`: structured policies pushed toward the safety caps (README "Safety caps"):
//! patterns, keys and values of up to 8,192 characters and just over, hostile glob shapes
//! (`*a*a*a…b`, thousands of `?`), long value lists, many statements, numbers of 256 characters
//! and exponents at ±999,999,999, dates at the ends of 0000–9999. Reading them never panics; a
//! document that reads compiles (no `GlobError`, whatever the pattern) in bounded time, and the
//! compiled engine agrees with the reference interpreter on requests made from its statements.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use ramjet_compiler::parse_policy;
use ramjet_engine::compiled::CompiledPolicySet;
use ramjet_fuzz::gen::{self, chance, pick, upto};
use ramjet_fuzz::vocab::RESOURCES;
use ramjet_fuzz::{check, requests_for, set_of, KINDS};
use serde_json::{json, Value};

/// Characters of text built per input, at most: keeps one execution well under a second.
const BUDGET: usize = 1 << 18;

/// A long string: a short unit repeated to a length near (often exactly at or one past) the
/// 8,192-character cap.
fn long_string(u: &mut Unstructured<'_>) -> Result<String> {
    let unit: String = match u.int_in_range(0..=5u8)? {
        0 => "?".into(),
        1 => "*a".into(),
        2 => "?*".into(),
        3 => pick(u, RESOURCES)?.into(),
        4 => "部".into(),
        _ => gen::free_string(u, 6)?,
    };
    let unit = if unit.is_empty() {
        "a".to_string()
    } else {
        unit
    };
    let target = match u.int_in_range(0..=4u8)? {
        0 => 8_192,
        1 => 8_193,
        2 => 8_191,
        _ => upto(u, 8_200)?,
    };
    let mut s: String = unit.chars().cycle().take(target).collect();
    if chance(u, 2)? {
        s.push(*u.choose(&['b', '*', '?'])?);
    }
    Ok(s)
}

/// A number or date at the edges of the accepted range.
fn edge_value(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=7u8)? {
        0 => "9".repeat(upto(u, 260)?.max(1)),
        1 => format!("0.{}1", "0".repeat(upto(u, 255)?)),
        2 => format!(
            "1e{}",
            pick(
                u,
                &[
                    "999999999",
                    "-999999999",
                    "1000000000",
                    "0000000000999999999"
                ]
            )?
        ),
        3 => format!("-{}e-999999999", "1".repeat(upto(u, 250)?.max(1))),
        4 => pick(
            u,
            &[
                "-62167219200",
                "253402300799",
                "253402300800",
                "-62167219201",
                "9999-12-31T23:59:59.999999999-23:59",
                "0000-01-01T00:00:00+23:59",
            ],
        )?
        .into(),
        5 => format!("2024-01-01T00:00:00.{}Z", "9".repeat(upto(u, 12)?.max(1))),
        6 => format!("{}::/{}", "ffff:".repeat(upto(u, 8)?), upto(u, 130)?),
        _ => long_string(u)?,
    })
}

/// Replaces strings of `value` (a statement as JSON), now and then, with long or edge strings.
fn harden(u: &mut Unstructured<'_>, value: &mut Value, budget: &mut usize) -> Result<()> {
    match value {
        Value::String(s) if *budget > 9_000 && chance(u, 1)? => {
            *s = if chance(u, 4)? {
                long_string(u)?
            } else {
                edge_value(u)?
            };
            *budget -= s.len().min(*budget);
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                harden(u, item, budget)?;
            }
            // A long list: this list's entries repeated.
            if !items.is_empty() && chance(u, 1)? {
                let times = upto(u, 2_000)?;
                let unit = items.clone();
                let size: usize = unit
                    .iter()
                    .map(|v| v.to_string().len())
                    .sum::<usize>()
                    .max(1);
                let times = times.min(*budget / size);
                *budget -= times * size;
                for _ in 0..times {
                    items.extend(unit.iter().cloned());
                }
            }
        }
        Value::Object(members) => {
            // Condition keys may be long too.
            if chance(u, 1)? {
                let keys: Vec<String> = members.keys().cloned().collect();
                if let Some(key) = keys.first() {
                    if key.contains(':') && !key.starts_with("acs:") && *budget > 9_000 {
                        let v = members.remove(key).unwrap_or(Value::Null);
                        let long = long_string(u)?;
                        *budget -= long.len().min(*budget);
                        members.insert(long, v);
                    }
                }
            }
            for (_, v) in members.iter_mut() {
                harden(u, v, budget)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let kind = *u.choose(&KINDS)?;
    let resource_based = kind == ramjet_compiler::PolicyKind::Resource;
    let mut budget = BUDGET;
    let (_, hints) = gen::request(u)?;
    let mut templates = Vec::new();
    for _ in 0..1 + upto(u, 5)? {
        let mut statement = gen::statement(u, resource_based, &hints)?;
        harden(u, &mut statement, &mut budget)?;
        templates.push(statement);
    }
    // Many statements: the templates repeated.
    let size: usize = templates
        .iter()
        .map(|s| s.to_string().len())
        .sum::<usize>()
        .max(1);
    let repeat = (1 + upto(u, 3_000)?).min((budget / size).max(1));
    let mut statements = Vec::with_capacity(templates.len() * repeat);
    for _ in 0..repeat {
        statements.extend(templates.iter().cloned());
    }
    let text = json!({"Version": "1", "Statement": statements}).to_string();
    let Ok(parsed) = parse_policy(text.as_bytes(), kind) else {
        return Ok(());
    };
    let set = set_of(kind, parsed.policy.clone());
    let compiled = match CompiledPolicySet::compile(&set) {
        Ok(compiled) => compiled,
        Err(e) => panic!("{kind:?}: a valid policy does not compile: {e}\npolicy: {text}"),
    };
    for request in requests_for(&parsed.policy) {
        check::engines_agree_compiled(&compiled, &set, &request, &|| {
            format!("{kind:?} policy {text}, request {request:?}")
        });
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
