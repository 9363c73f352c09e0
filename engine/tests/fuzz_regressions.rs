//! Regressions from fuzzing (`fuzz/`, see `fuzz/README.md`): every crash or disagreement a fuzz
//! target or a hostile-input probe found, as a minimized test, and the nastiest inputs the
//! generators make (hostile wildcards, numbers and dates at the edges of their ranges, deep
//! nesting, irregular Unicode case mappings, entries at the length caps), each asserting the right
//! answer, and that the compiled engine and the reference interpreter give it alike.
//!
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure
use ramjet_compiler::{
    parse_policy, parse_request, parse_scenario, Diagnostic, PolicyKind, Severity,
};
use ramjet_engine::model::{NamedPolicy, Policy, PolicySet};
use ramjet_engine::CompiledPolicySet;
use ramjet_engine::Scratch;
use ramjet_engine::{Decision, Outcome, Principal, Request, Step};
use ramjet_reference as reference;
use std::time::Duration;

/// Both engines decide `set` / `request` (the compiled one by `outcome` and by the `decide` fast
/// path); they must agree. Returns the reference outcome.
fn decide_both(set: &PolicySet, request: &Request) -> Outcome {
    let mut want = reference::evaluate(set, request);
    let compiled = CompiledPolicySet::compile(set).expect("valid policies compile");
    let mut scratch = Scratch::default();
    let mut got = compiled.outcome(request, &mut scratch);
    let verdict = compiled.decide(request, &mut scratch);
    want.determining.sort();
    got.determining.sort();
    assert_eq!(
        got, want,
        "compiled engine and reference interpreter disagree"
    );
    assert_eq!((verdict.decision, verdict.step), (want.decision, want.step));
    want
}

/// [`decide_both`] on a scenario file.
fn decide(scenario: &str) -> Decision {
    let scenario = match parse_scenario(scenario.as_bytes()) {
        Ok(s) => s,
        Err(e) => panic!("scenario does not parse: {e:?}"),
    };
    decide_both(&scenario.policies, &scenario.request).decision
}

/// `text` as a JSON string.
fn q(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// A scenario: one identity policy with one Allow statement, and a request by a RAM user.
fn scenario(statement: &str, action: &str, resource: &str, context: &str) -> String {
    let (action, resource) = (q(action), q(resource));
    format!(
        r#"{{"policies": {{"identity": [{{"Version": "1", "Statement": [{statement}]}}]}},
            "request": {{"action": {action}, "resource": {resource}, "context": {context},
                         "principal": {{"type": "RamUser", "account": "1111", "name": "alice"}}}}}}"#
    )
}

/// An Allow on every action and resource when `operator` holds for `key` = `value`.
fn allow_when(operator: &str, key: &str, value: &str) -> String {
    let (operator, key, value) = (q(operator), q(key), q(value));
    format!(
        r#"{{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {{{operator}: {{{key}: {value}}}}}}}"#
    )
}

/// Every diagnostic of a rejected identity policy (none when it is accepted).
fn diagnostics_of(doc: &str) -> Vec<Diagnostic> {
    parse_policy(doc.as_bytes(), PolicyKind::Identity)
        .err()
        .unwrap_or_default()
}

/// The errors of [`diagnostics_of`], as text.
fn errors_of(doc: &str) -> Vec<String> {
    diagnostics_of(doc)
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Nasty inputs the generators make, with the right answers.

/// `*a*a*a*a*a*b` against a long run of `a`s (the backtracking blow-up of other IAM engines,
/// spec §3.6), at the request-string cap, and `?` patterns too large for the automaton, which
/// fall back to matching piece by piece.
#[test]
fn hostile_wildcards_answer_alike_and_at_once() {
    let run = "a".repeat(8_000);
    let statement = r#"{"Effect": "Allow", "Action": "*", "Resource": "acs:*a*a*a*a*a*b"}"#;
    let miss = format!("acs:{run}");
    let hit = format!("acs:{run}b");
    assert_eq!(
        decide(&scenario(statement, "a:b", &miss, "{}")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&scenario(statement, "a:b", &hit, "{}")),
        Decision::Allow
    );

    // a ?* ?* … ?* b: at least 1,000 characters between a and b; too large for the automaton.
    let pattern = format!("a{}b", "?*".repeat(1_000));
    let statement = format!(
        r#"{{"Effect": "Allow", "Action": "*", "Resource": {}}}"#,
        q(&pattern)
    );
    let fits = format!("a{}b", "部".repeat(1_000));
    let short = format!("a{}b", "x".repeat(999));
    assert_eq!(
        decide(&scenario(&statement, "a:b", &fits, "{}")),
        Decision::Allow
    );
    assert_eq!(
        decide(&scenario(&statement, "a:b", &short, "{}")),
        Decision::ImplicitDeny
    );

    // The worst case the caps allow: a 1,000-star pattern of 8,191 characters whose pieces
    // almost fit everywhere, against an 8,192-character resource of the same letter.
    let pattern = format!("{}b", "a?*".repeat(2_730));
    let statement = format!(
        r#"{{"Effect": "Allow", "Action": "*", "Resource": {}}}"#,
        q(&pattern)
    );
    let resource = "a".repeat(8_192);
    within(
        Duration::from_secs(10),
        "an 8,191-character ? pattern against an 8,192-character resource",
        move || {
            assert_eq!(
                decide(&scenario(&statement, "a:b", &resource, "{}")),
                Decision::ImplicitDeny
            );
        },
    );
}

/// A 1,000-star pattern against a 1 MB ARN once took 13.5 s per check (the `?` fallback is
/// O(pattern × text)). Request strings are now capped like policy strings (8,192 characters):
/// a longer action, resource, context value or principal field is refused with its path, by the
/// file readers and by the engine's own constructors.
#[test]
fn request_strings_over_the_cap_are_refused_with_their_path() {
    use ramjet_engine::MAX_REQUEST_STRING_CHARS;
    use ramjet_engine::{Context, RequestError};
    let huge = "a".repeat(1 << 20);
    let allow = r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#;
    let cases = [
        (
            scenario(allow, "a:b", &format!("acs:{huge}"), "{}"),
            "request.resource",
        ),
        (
            scenario(allow, &format!("a:{huge}"), "acs:x", "{}"),
            "request.action",
        ),
        (
            scenario(
                allow,
                "a:b",
                "acs:x",
                &format!(r#"{{"acs:UserAgent": {}}}"#, q(&huge)),
            ),
            "request.context.acs:UserAgent",
        ),
        (
            scenario(allow, "a:b", "acs:x", "{}").replace("\"alice\"", &q(&huge)),
            "request.principal.name",
        ),
    ];
    for (text, path) in cases {
        let errors = match parse_scenario(text.as_bytes()) {
            Ok(_) => panic!("{path}: a 1 MB string was accepted"),
            Err(errors) => errors,
        };
        let error = errors
            .iter()
            .find(|e| e.location == path)
            .unwrap_or_else(|| panic!("no error at {path}: {errors:?}"));
        assert!(
            error.message.contains("over the limit of 8192"),
            "{path}: {}",
            error.message
        );
    }
    let at_cap = "a".repeat(MAX_REQUEST_STRING_CHARS - 4);
    assert!(Request::new("a:b", &format!("acs:{at_cap}")).is_ok());
    assert_eq!(
        Request::new("a:b", &format!("acs:{huge}")),
        Err(RequestError::TooLong("resource", huge.len() + 4))
    );
    let mut context = Context::default();
    assert!(matches!(
        context.insert("k", vec![huge.clone()]),
        Err(RequestError::TooLong("context value", _))
    ));
}

/// Actions compare ASCII case-insensitively and resources case-sensitively (spec §2.2, §3.3):
/// the Kelvin sign U+212A lowercases to `k` in Unicode, but is not the ASCII letter.
#[test]
fn action_case_folding_is_ascii_only() {
    let statement = r#"{"Effect": "Allow", "Action": "k:k?", "Resource": "acs:x:*"}"#;
    assert_eq!(
        decide(&scenario(statement, "K:Kb", "acs:x:1", "{}")),
        Decision::Allow
    );
    assert_eq!(
        decide(&scenario(statement, "\u{212A}:kb", "acs:x:1", "{}")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&scenario(statement, "k:kb", "ACS:x:1", "{}")),
        Decision::ImplicitDeny
    );
    // `?` is one Unicode scalar value, also in an action.
    assert_eq!(
        decide(&scenario(statement, "k:k部", "acs:x:1", "{}")),
        Decision::Allow
    );
}

/// `IgnoreCase` lowercases each character on its own (spec §4.3): `İ` (U+0130) is `i̇` (two
/// characters), `Σ` is `σ`, never the final `ς`.
#[test]
fn ignore_case_lowercases_character_by_character() {
    let check = |policy: &str, request: &str| {
        let statement = allow_when("StringEqualsIgnoreCase", "team", policy);
        let context = format!(r#"{{"team": {}}}"#, q(request));
        decide(&scenario(&statement, "a:b", "*", &context))
    };
    assert_eq!(check("İ", "i\u{307}"), Decision::Allow);
    assert_eq!(check("İ", "i"), Decision::ImplicitDeny);
    assert_eq!(check("Σ", "σ"), Decision::Allow);
    assert_eq!(check("Σ", "ς"), Decision::ImplicitDeny);
    assert_eq!(check("ß", "SS"), Decision::ImplicitDeny);
}

/// Condition keys fold ASCII case only: `\u{212A}ey` (Kelvin sign) and `key` are two keys.
#[test]
fn context_keys_fold_ascii_case_only() {
    let context = "{\"\u{212A}ey\": \"1\", \"key\": \"2\"}";
    let check = |key: &str, value: &str| {
        decide(&scenario(
            &allow_when("StringEquals", key, value),
            "a:b",
            "*",
            context,
        ))
    };
    assert_eq!(check("KEY", "2"), Decision::Allow);
    assert_eq!(check("KEY", "1"), Decision::ImplicitDeny);
    assert_eq!(check("\u{212A}EY", "1"), Decision::Allow);
    assert!(parse_request(
        br#"{"action": "a:b", "resource": "*", "context": {"Key": "1", "kEY": "2"}}"#
    )
    .is_err());
}

/// Numbers at the edges of the exact range (README "Safety caps"): 256 characters, exponents
/// within ±999,999,999, compared exactly; beyond it a policy value is an error with its path and
/// a request value is unreadable (satisfies no positive operator, blocks no negated one).
#[test]
fn huge_numbers_compare_exactly_at_the_edges() {
    let check = |operator: &str, policy: &str, request: &str| {
        let context = format!(r#"{{"count": {}}}"#, q(request));
        decide(&scenario(
            &allow_when(operator, "count", policy),
            "a:b",
            "*",
            &context,
        ))
    };
    assert_eq!(
        check("NumericEquals", "1e999999999", "10e999999998"),
        Decision::Allow
    );
    assert_eq!(
        check("NumericEquals", "1e999999999", "1e1000000000"),
        Decision::ImplicitDeny
    );
    assert_eq!(
        check("NumericNotEquals", "1e999999999", "1e1000000000"),
        Decision::Allow
    );
    assert_eq!(
        check("NumericLessThan", "1e-999999999", "0"),
        Decision::Allow
    );
    assert_eq!(
        check("NumericLessThan", "1e-999999999", "-0.0"),
        Decision::Allow
    );
    assert_eq!(
        check("NumericLessThan", "1e-999999999", "1e-999999999"),
        Decision::ImplicitDeny
    );
    let nines = "9".repeat(256);
    let more = format!("{}8e-5", "9".repeat(250));
    assert_eq!(check("NumericGreaterThan", &more, &nines), Decision::Allow);
    assert_eq!(
        check("NumericEquals", "9007199254740993", "9007199254740992"),
        Decision::ImplicitDeny
    );

    let doc = |value: &str| {
        format!(
            r#"{{"Version": "1", "Statement": [{}]}}"#,
            allow_when("NumericEquals", "count", value)
        )
    };
    assert!(errors_of(&doc(&nines)).is_empty());
    let errors = errors_of(&doc(&"9".repeat(257)));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("Statement[0].Condition.NumericEquals.count: "));
    assert!(errors[0].contains("beyond the exact range"));
    assert!(!errors_of(&doc("1e1000000000")).is_empty());
}

/// Dates at the ends of the years 0000–9999, at nanosecond precision.
#[test]
fn dates_at_the_ends_of_the_range() {
    let check = |operator: &str, policy: &str, request: &str| {
        let context = format!(r#"{{"acs:CurrentTime": {}}}"#, q(request));
        decide(&scenario(
            &allow_when(operator, "acs:CurrentTime", policy),
            "a:b",
            "*",
            &context,
        ))
    };
    let last = "9999-12-31T23:59:59Z";
    assert_eq!(check("DateEquals", last, "253402300799"), Decision::Allow);
    // The written date is in range; the instant is a day later in UTC.
    assert_eq!(
        check(
            "DateGreaterThan",
            last,
            "9999-12-31T23:59:59.999999999-23:59"
        ),
        Decision::Allow
    );
    assert_eq!(
        check("DateGreaterThan", last, "253402300800"),
        Decision::ImplicitDeny
    );
    assert_eq!(
        check("DateNotEquals", last, "253402300800"),
        Decision::Allow
    );
    assert_eq!(
        check(
            "DateLessThan",
            "0000-01-01T00:00:00.000000001Z",
            "-62167219200"
        ),
        Decision::Allow
    );
    assert_eq!(
        check(
            "DateEquals",
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00.0000000001Z"
        ),
        Decision::ImplicitDeny
    );
}

/// JSON nested beyond 128 levels is an error with a position, in every kind of file.
#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let nested = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let policy = format!(
        r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "*", "Resource": "*", "Sid": {nested}}}]}}"#
    );
    let errors = errors_of(&policy);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("recursion limit"), "{errors:?}");
    let request = format!(r#"{{"action": "a:b", "resource": "*", "context": {{"k": {nested}}}}}"#);
    assert!(parse_request(request.as_bytes()).is_err());
    let scenario = format!(r#"{{"policies": {nested}, "request": {{}}}}"#);
    assert!(parse_scenario(scenario.as_bytes()).is_err());
    // Within the limit: a type error at its path.
    let nested = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let policy = format!(
        r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "*", "Resource": "*", "Sid": {nested}}}]}}"#
    );
    assert_eq!(
        errors_of(&policy),
        vec!["Statement[0].Sid: Sid must be a string, found an array"]
    );
}

/// Entries at the 8,192-character cap are read; one character more is an error with its path.
/// A thousand bad statements give 100 diagnostics and a count of the rest.
#[test]
fn length_caps_and_diagnostic_cap() {
    let doc = |resource: &str| {
        format!(
            r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "*", "Resource": {}}}]}}"#,
            q(resource)
        )
    };
    let at_cap = "部".repeat(8_192);
    assert!(errors_of(&doc(&at_cap)).is_empty());
    let errors = errors_of(&doc(&format!("{at_cap}x")));
    assert_eq!(
        errors,
        vec!["Statement[0].Resource: an entry of 8193 characters is over the limit of 8192"]
    );

    // The size warning, 99 errors, and the count of the 901 errors left out.
    let bad: Vec<&str> = vec![r#"{"Effect": "Permit", "Action": "*", "Resource": "*"}"#; 1_000];
    let all = diagnostics_of(&format!(
        r#"{{"Version": "1", "Statement": [{}]}}"#,
        bad.join(",")
    ));
    assert_eq!(all.len(), 101);
    assert_eq!(all[0].severity, Severity::Warning);
    assert_eq!(
        all[1].to_string(),
        r#"Statement[0].Effect: "Permit" is not "Allow" or "Deny""#
    );
    assert_eq!(
        all[100].to_string(),
        "(file): 901 more diagnostics not shown (901 of them errors)"
    );
    assert_eq!(all[100].severity, Severity::Error);
}

// ---------------------------------------------------------------------------------------------
// Bugs found by hostile-input probes (inputs larger than libFuzzer's inputs), fixed in cd0b164
// (u16 group ids, quadratic reading) and 7d44d03 (quadratic group lookup and control step, which
// made the two 65,537-group tests take over a minute in a debug build).

fn allow_all() -> Policy {
    parse_policy(
        br#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
        PolicyKind::Identity,
    )
    .expect("parses")
    .policy
}

fn allow_nothing() -> Policy {
    parse_policy(
        br#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "x:never", "Resource": "*"}]}"#,
        PolicyKind::Identity,
    )
    .expect("parses")
    .policy
}

fn alice() -> Principal {
    Principal::ram_user("1111", "alice")
}

/// A unit's groups were numbered with `u16`: the 65,536th resource group and every one after it
/// shared group 65,535 (`compile_identity`: `u16::try_from(group).unwrap_or(u16::MAX)`), and
/// `group_named` found no group past it; the compiled engine allowed what the reference denied.
/// The same set is a 7 MB scenario file, within the caps.
#[test]
fn identity_resource_groups_past_u16_are_kept_apart() {
    let mut set = PolicySet::default();
    for i in 0..65_536u32 {
        set.identity.push(NamedPolicy {
            name: format!("p{i}"),
            resource_group: Some(format!("rg{i}")),
            policy: if i == 65_535 {
                allow_all()
            } else {
                allow_nothing()
            },
        });
    }
    let request = |rg: &str| {
        Request::new("eas:CreateService", "*")
            .expect("valid")
            .with_principal(alice())
            .with_resource_group(rg)
    };
    // rg65534 attaches nothing that allows: the reference says ImplicitDeny; the compiled engine
    // read rg65535's Allow into the shared group and said Allow (fails open).
    assert_eq!(
        decide_both(&set, &request("rg65534")).decision,
        Decision::ImplicitDeny
    );
    // rg65535 allows: the compiled engine found no group for it and said ImplicitDeny.
    assert_eq!(
        decide_both(&set, &request("rg65535")).decision,
        Decision::Allow
    );
}

/// Control levels past 65,536 were dropped: every level must allow (spec §6.2 step 1), and an
/// empty 65,537th level allows nothing, but the compiled engine folded it into level 65,535
/// (`compile_control`) and only decided levels that fit a `u16` (`decide`: `filter_map(|g|
/// u16::try_from(g).ok())`), so it allowed. A 5 MB scenario file, within the caps.
#[test]
fn control_levels_past_u16_are_all_decided() {
    let mut set = PolicySet::default();
    for i in 0..65_536u32 {
        set.control.push(vec![NamedPolicy {
            name: format!("c{i}"),
            resource_group: None,
            policy: allow_all(),
        }]);
    }
    set.control.push(Vec::new());
    set.identity.push(NamedPolicy {
        name: "id".into(),
        resource_group: None,
        policy: allow_all(),
    });
    let request = Request::new("eas:CreateService", "*")
        .expect("valid")
        .with_principal(alice());
    let outcome = decide_both(&set, &request);
    assert_eq!(
        (outcome.decision, outcome.step),
        (Decision::ImplicitDeny, Step::Control)
    );
}

/// Runs `work` on a thread and fails if it takes longer than `limit` (without waiting for it).
fn within(limit: Duration, what: &str, work: impl FnOnce() + Send + 'static) {
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        work();
        let _ = done.send(());
    });
    assert!(
        wait.recv_timeout(limit).is_ok(),
        "{what} took longer than {limit:?}"
    );
}

/// Duplicate member names were found by comparing each member with every earlier one
/// (`json::report_duplicate_members`), and context keys likewise (`Context::insert`): reading an
/// object of n members cost O(n²). A 1.3 MB request with 100,000 context keys took 23 s
/// (release build); a 16 MiB one, within the caps, would have taken about an hour.
#[test]
fn many_context_keys_are_read_in_linear_time() {
    let keys: Vec<String> = (0..100_000).map(|i| format!("\"k{i}\": \"v\"")).collect();
    let request = format!(
        r#"{{"action": "a:b", "resource": "*", "context": {{{}}}}}"#,
        keys.join(",")
    );
    within(
        Duration::from_secs(10),
        "a request with 100,000 context keys",
        move || {
            assert!(parse_request(request.as_bytes()).is_ok());
        },
    );
}

/// The same quadratic reading for a policy: a condition block of 100,000 keys (1.3 MB) took
/// 13.5 s (release build).
#[test]
fn many_condition_keys_are_read_in_linear_time() {
    let keys: Vec<String> = (0..100_000).map(|i| format!("\"k{i}\": \"v\"")).collect();
    let policy = format!(
        r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {{"StringEquals": {{{}}}}}}}]}}"#,
        keys.join(",")
    );
    within(
        Duration::from_secs(10),
        "a policy with 100,000 condition keys",
        move || {
            assert!(parse_policy(policy.as_bytes(), PolicyKind::Identity).is_ok());
        },
    );
}

/// Found by the `compile_policy` target's slow units. Compiling the action index did quadratic
/// work in the number of distinct wildcard patterns: each general pattern was looked up in a list
/// of the earlier ones, and each literal action was matched against every global pattern to
/// complete its candidate list. 40,000 statements, half `s<i>:x` and half `*<i>:x`, took 3.8 s to
/// compile (release build); 100,000, the statement cap, about 25 s. Now the patterns are kept in
/// a hash map and the completion is skipped past a budget of glob matches
/// (`action_index::COMPLETION_BUDGET`), so compiling is linear.
#[test]
fn many_action_patterns_compile_in_linear_time() {
    use ramjet_engine::model::{Effect, PatternList, Statement};
    let statements = (0..40_000)
        .map(|i| Statement {
            sid: None,
            effect: Effect::Allow,
            actions: PatternList {
                negated: false,
                patterns: vec![if i % 2 == 0 {
                    format!("s{i}:x")
                } else {
                    format!("*{i}:x")
                }],
            },
            resources: Some(PatternList {
                negated: false,
                patterns: vec!["*".into()],
            }),
            principal: None,
            conditions: vec![],
        })
        .collect();
    let mut set = PolicySet::default();
    set.identity.push(NamedPolicy {
        name: "p".into(),
        resource_group: None,
        policy: Policy { statements },
    });
    within(
        Duration::from_secs(10),
        "compiling 40,000 action patterns",
        move || {
            let compiled = CompiledPolicySet::compile(&set).expect("compiles");
            let request = Request::new("s0:x", "*")
                .expect("valid")
                .with_principal(alice());
            let decision = compiled.decide(&request, &mut Scratch::default()).decision;
            assert_eq!(decision, Decision::Allow);
        },
    );
}

// ---------------------------------------------------------------------------------------------
// The hostile-input list of issue 6, item by item, where no test above already covers it
// (1,000 stars against a long ARN: `hostile_wildcards_answer_alike_and_at_once` and
// `request_strings_over_the_cap_are_refused_with_their_path`; deep nesting:
// `deep_nesting_is_an_error_not_a_crash`; huge numbers: `huge_numbers_compare_exactly_at_the_edges`;
// dates: `dates_at_the_ends_of_the_range`; DFA blow-up: the `?` patterns above, which fall back
// from the size-limited automaton).

#[test]
fn hostile_documents_get_a_clear_error() {
    let statement = r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#;
    let policy = |statements: &str| format!(r#"{{"Version": "1", "Statement": [{statements}]}}"#);

    // 100,000 statements are read; one more is an error.
    let many = vec![statement; 100_001].join(",");
    let errors = errors_of(&policy(&many));
    assert!(
        errors.iter().any(|e| e.contains("100000")),
        "100,001 statements: {errors:?}"
    );
    let at_cap = vec![statement; 100_000].join(",");
    assert!(errors_of(&policy(&at_cap)).is_empty());

    // A document over 16 MiB (a 17 MB string) is refused before it is read.
    let huge = format!(
        r#"{{"Version": "1", "Statement": [], "x": "{}"}}"#,
        "a".repeat(17 << 20)
    );
    let errors = errors_of(&huge);
    assert!(
        errors.iter().any(|e| e.contains("16")),
        "17 MB document: {errors:?}"
    );

    // Invalid UTF-8.
    let mut bytes = policy(statement).into_bytes();
    bytes.insert(40, 0xFF);
    let errors: Vec<String> = match parse_policy(&bytes, PolicyKind::Identity) {
        Ok(_) => panic!("invalid UTF-8 accepted"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    };
    assert!(
        errors.iter().any(|e| e.contains("UTF-8")),
        "invalid UTF-8: {errors:?}"
    );

    // Non-finite numbers, CIDR prefixes past the address, duplicate members.
    let cases = [
        (
            policy(&allow_when("NumericLessThan", "eas:Replicas", "NaN")),
            r#"Statement[0].Condition.NumericLessThan.eas:Replicas: "NaN" is not a decimal number"#,
        ),
        (
            policy(&allow_when("NumericLessThan", "eas:Replicas", "Infinity")),
            r#"Statement[0].Condition.NumericLessThan.eas:Replicas: "Infinity" is not a decimal number"#,
        ),
        (
            policy(&allow_when("IpAddress", "acs:SourceIp", "10.0.0.0/33")),
            r#"Statement[0].Condition.IpAddress.acs:SourceIp: "10.0.0.0/33" is not an IPv4 or IPv6 address or CIDR block"#,
        ),
        (
            policy(&allow_when("IpAddress", "acs:SourceIp", "2001:db8::/129")),
            r#"Statement[0].Condition.IpAddress.acs:SourceIp: "2001:db8::/129" is not an IPv4 or IPv6 address or CIDR block"#,
        ),
        (
            policy(r#"{"Effect": "Allow", "Action": "*", "Resource": "*", "Effect": "Deny"}"#),
            r#"Statement[0].Effect: member "Effect" is given more than once; JSON readers would silently keep only one"#,
        ),
    ];
    for (document, expected) in cases {
        assert_eq!(errors_of(&document), vec![expected.to_string()]);
    }
}

#[test]
fn hostile_values_that_are_valid_get_the_right_answer() {
    // /0 matches every address of its family.
    let any_v4 = allow_when("IpAddress", "acs:SourceIp", "0.0.0.0/0");
    for (ip, expected) in [
        ("203.0.113.9", Decision::Allow),
        ("2001:db8::1", Decision::ImplicitDeny),
    ] {
        let context = format!(r#"{{"acs:SourceIp": "{ip}"}}"#);
        assert_eq!(
            decide(&scenario(&any_v4, "a:b", "acs:x", &context)),
            expected,
            "{ip}"
        );
    }
    // 10,000 condition values: the last one matches.
    let values: Vec<String> = (0..10_000).map(|i| format!("\"v{i}\"")).collect();
    let policy = format!(
        r#"{{"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {{"StringEquals": {{"acs:UserAgent": [{}]}}}}}}"#,
        values.join(",")
    );
    for (agent, expected) in [
        ("v9999", Decision::Allow),
        ("v10000", Decision::ImplicitDeny),
    ] {
        let context = format!(r#"{{"acs:UserAgent": "{agent}"}}"#);
        assert_eq!(
            decide(&scenario(&policy, "a:b", "acs:x", &context)),
            expected,
            "{agent}"
        );
    }
}
