//! The rule table: every finding `ramjet lint` can report, with its stable code, its RAM class
//! (severity) and the documentation `--explain` prints and SARIF carries as help text.

use std::fmt;

/// RAM's four classes of policy-check findings (Alibaba Cloud help, "permission policy check").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Improvement: the policy works, and could be smaller or tighter.
    Suggestion,
    /// General warning: probably not what the author meant.
    Warning,
    /// Security warning: grants more than it appears to, or protects less.
    SecurityWarning,
    /// Error: RAM refuses the document, or a statement (or element) can never apply.
    Error,
}

impl Severity {
    /// The name used by `--format json` and `--fail-on`: `error`, `security_warning`, `warning`,
    /// `suggestion`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::SecurityWarning => "security_warning",
            Severity::Warning => "warning",
            Severity::Suggestion => "suggestion",
        }
    }

    /// Reads a name as [`Severity::as_str`] writes it.
    pub fn parse(name: &str) -> Option<Severity> {
        [
            Severity::Error,
            Severity::SecurityWarning,
            Severity::Warning,
            Severity::Suggestion,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule: what it finds and why it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The stable code (`RJ101`): baselines, `--disable` and SARIF `ruleId` use it.
    pub code: &'static str,
    /// A short kebab-case name (`unknown-action`).
    pub name: &'static str,
    /// The class every finding of the rule has.
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// What happens at decision time, an example, and how to fix it.
    pub help: &'static str,
}

/// Every rule, by code.
pub const RULES: &[Rule] = &[
    Rule {
        code: "RJ100",
        name: "ram-rejects",
        severity: Severity::Error,
        summary: "RAM refuses the document",
        help:
            "The document breaks a rule of the policy grammar (spec sections 1-5): malformed JSON, \
an unknown member or operator, an action without `:`, a resource that is not `*` or an `acs:` \
ARN, an empty list, a value the operator cannot read. RAM refuses to save it, and ramjet refuses \
to load it: nothing in it applies. The message is `ramjet validate`'s, at the same JSON path. \
Fix the element the path names.",
    },
    Rule {
        code: "RJ101",
        name: "unknown-action",
        severity: Severity::Error,
        summary: "an action the service's (complete) catalog does not have",
        help: "The action names a service whose action catalog ramjet holds in full \
(corpus/catalog/, `complete: true`), and the service has no such action: the entry matches no \
request, so an Allow grants nothing by it and a Deny protects nothing by it. The message \
suggests the closest catalogued name (`eas:CreateServices` -> `eas:CreateService`). Actions of \
services whose catalog is incomplete are not judged.",
    },
    Rule {
        code: "RJ102",
        name: "pattern-matches-nothing",
        severity: Severity::Error,
        summary: "a wildcard action pattern that matches no catalogued action",
        help: "The pattern (`eas:Crate*`) names a service whose catalog is complete and matches \
none of its actions: the entry can never match a request. Fix the spelling or remove it.",
    },
    Rule {
        code: "RJ103",
        name: "resource-fits-no-action",
        severity: Severity::Error,
        summary: "a resource that no action of the statement is authorized on",
        help: "Every action the statement names is catalogued, and none of them is authorized on \
a resource this entry can match: its service or resource type fits no action's ARN template, or \
the actions are authorized only on `*` (no resource-level permission; spec 3.5: they are \
requested on the literal resource `*`, which `acs:eas:*:*:*` does not match). The entry never \
applies. Example: `eas:ListServices` on `acs:eas:*:*:service/*` - write `\"Resource\": \"*\"` for \
actions the catalog lists as \"All Resource\".",
    },
    Rule {
        code: "RJ201",
        name: "deny-fail-open",
        severity: Severity::SecurityWarning,
        summary: "a Deny that does not apply to actions authorized only on `*`",
        help: "The Deny names specific resource ARNs, but some of its actions have no \
resource-level authorization: RAM checks them against the resource `*`, which none of the \
statement's resources matches, so the Deny silently never applies to them (fail open). The Deny \
looks protective and is not. Add `\"*\"` to the statement's resources, or move those actions to a \
statement with `\"Resource\": \"*\"`.",
    },
    Rule {
        code: "RJ202",
        name: "allow-all",
        severity: Severity::SecurityWarning,
        summary: "Allow of every action on every resource",
        help: "`\"Action\": \"*\"` with `\"Resource\": \"*\"` grants administrator access: every \
action of every service, including RAM itself (and so the power to grant anything else). Grant \
the services and actions the principal needs.",
    },
    Rule {
        code: "RJ203",
        name: "allow-not-action",
        severity: Severity::SecurityWarning,
        summary: "Allow with NotAction or NotResource",
        help: "An Allow with `NotAction` grants every action except those listed - including \
actions of services added later; with `NotResource` it grants every resource except those \
listed. Both grant far more than they name. Prefer `Action` and `Resource` lists; if the \
exclusion is deliberate (the power-user shape `NotAction [ram:*, sts:*]`), disable the rule for \
the statement with `--disable RJ203@<Sid>`.",
    },
    Rule {
        code: "RJ204",
        name: "privilege-escalation",
        severity: Severity::SecurityWarning,
        summary: "grants RAM identity or policy management, or AssumeRole on any role",
        help: "The Allow grants an action that lets its holder give itself more access: creating \
or changing policies or their versions, attaching policies, creating access keys or login \
profiles for users, changing roles or their trust, adding users to groups, or `sts:AssumeRole` \
on every role (`*`). Whoever holds it can become an administrator. Grant it only to \
administrators, narrow the resources, or add conditions.",
    },
    Rule {
        code: "RJ205",
        name: "trust-anyone",
        severity: Severity::SecurityWarning,
        summary: "a trust policy that lets any account, or anyone, assume the role",
        help: "The statement allows `sts:AssumeRole` to the principal `*` or to every account \
(`acs:ram::*:root`, a RAM pattern with a wildcard account) without any condition: principals of \
any Alibaba Cloud account can take the role's permissions. Name the trusted account or service, \
or add a condition (`sts:ExternalId`, `acs:SourceIp`, `saml:recipient`, ...).",
    },
    Rule {
        code: "RJ206",
        name: "public-bucket-policy",
        severity: Severity::SecurityWarning,
        summary: "an OSS bucket policy that allows anyone",
        help: "The statement allows OSS actions to the principal `*` (anonymous users and every \
account) without any condition: the bucket's objects (or its configuration) are public. Name \
the accounts, or add a condition such as `acs:SourceVpc` or `acs:SourceIp`.",
    },
    Rule {
        code: "RJ300",
        name: "validator-warning",
        severity: Severity::Warning,
        summary: "a warning of `ramjet validate`",
        help: "RAM accepts the document, but `ramjet validate` sees something probably unmeant: \
a number or boolean where a string belongs, a key with surrounding white space, a document \
beyond RAM's size limit, an operator RAM may not accept. The message says which.",
    },
    Rule {
        code: "RJ301",
        name: "shadowed-allow",
        severity: Severity::Warning,
        summary: "an Allow that a Deny of the same document always overrides",
        help: "An unconditional Deny of the same document covers every action and resource the \
Allow names (and its principals): whenever the Allow applies, the Deny applies too, and an \
explicit Deny wins (spec 6). The Allow grants nothing. Remove one of them, or narrow the Deny.",
    },
    Rule {
        code: "RJ302",
        name: "operator-type-mismatch",
        severity: Severity::Warning,
        summary: "a condition operator of the wrong type for its key",
        help: "The key has a documented type (`acs:SourceIp` is an IP address, `acs:CurrentTime` \
a date, `acs:SecureTransport` a boolean, catalogued service keys their own) and the operator \
reads another (`IpAddress` on a string key, `DateLessThan` on a number). A request value that \
cannot be read as the operator's type satisfies no positive test (spec 4.4): the condition is \
false for every request (or, negated, true). Use the operator of the key's type.",
    },
    Rule {
        code: "RJ303",
        name: "unknown-global-key",
        severity: Severity::Warning,
        summary: "an `acs:` condition key that is not a global key",
        help: "Keys with the `acs:` prefix are RAM's global keys (spec 4.7: `acs:SourceIp`, \
`acs:CurrentTime`, `acs:SecureTransport`, `acs:MFAPresent`, `acs:SourceVpc`, `acs:AccessId`, \
`acs:UserAgent`, `acs:RequestTag/<tag>`, `acs:ResourceTag/<tag>`, `acs:TagKeys`, \
`acs:PrincipalARN`, ...). Any other name is never in a request: a positive test on it is always \
false, a negated one always true. The message suggests the closest global key.",
    },
    Rule {
        code: "RJ304",
        name: "ifexists-always-present",
        severity: Severity::Warning,
        summary: "`IfExists` on a key that every request has",
        help: "`acs:CurrentTime` and `acs:SecureTransport` are in every request, so the \
`IfExists` suffix never takes effect; it suggests the author expected requests without the key \
to pass. Drop the suffix.",
    },
    Rule {
        code: "RJ401",
        name: "subsumed-statement",
        severity: Severity::Suggestion,
        summary: "a statement that another statement of the document includes",
        help: "Another statement with the same effect and principals covers every action and \
resource of this one, with no more conditions: this statement changes no decision. Remove it.",
    },
    Rule {
        code: "RJ402",
        name: "mergeable-statements",
        severity: Severity::Suggestion,
        summary: "statements that can be written as one",
        help: "Two statements have the same effect, principals and conditions, and the same \
resources (or the same actions): one statement with the union of their actions (or resources) \
decides the same and is shorter, which counts against RAM's 6,144-character limit.",
    },
    Rule {
        code: "RJ403",
        name: "star-resource-for-resource-level-actions",
        severity: Severity::Suggestion,
        summary: "`*` resources for actions that can be granted on specific ARNs",
        help: "Every action of the Allow supports resource-level authorization (the catalog lists \
ARN templates for it), yet the statement grants it on `*`: on every resource of every account \
the principal can reach. Name the resources (the message lists the ARN templates).",
    },
];

/// The rule with this code (ASCII case-insensitive), or with this name.
pub fn rule(code_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// The rule with this code; the code is one of [`RULES`] (a test reads every code the checks
/// use).
#[allow(clippy::indexing_slicing)] // RULES is a non-empty constant
pub(crate) fn get(code: &str) -> &'static Rule {
    rule(code).unwrap_or(&RULES[0])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_classes_follow_the_hundreds() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.code) && seen.insert(r.name), "{}", r.code);
            let class = match &r.code[2..3] {
                "1" => Severity::Error,
                "2" => Severity::SecurityWarning,
                "3" => Severity::Warning,
                _ => Severity::Suggestion,
            };
            assert_eq!(r.severity, class, "{}", r.code);
            assert!(r.help.len() > 100 && !r.summary.is_empty());
        }
        assert_eq!(rule("rj101").map(|r| r.name), Some("unknown-action"));
        assert_eq!(rule("allow-all").map(|r| r.code), Some("RJ202"));
        assert_eq!(
            Severity::parse("security_warning"),
            Some(Severity::SecurityWarning)
        );
        assert!(
            Severity::Error > Severity::SecurityWarning && Severity::Warning > Severity::Suggestion
        );
    }
}
