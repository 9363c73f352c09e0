# RAM identity-policy evaluation (spec §2-§4, §6.1) over the statements in data.ram.statements,
# for the request in input: {"action", "resource", "context": {lowered key: [values]}}.
# Loaded by bench/src/peers/rego.rs, which also says how the statements are laid out.
package ram

import rego.v1

default decision := "ImplicitDeny"

decision := "ExplicitDeny" if denied

decision := "Allow" if {
	not denied
	some s in data.ram.statements
	s.effect == "Allow"
	applies(s)
}

denied if {
	some s in data.ram.statements
	s.effect == "Deny"
	applies(s)
}

# Actions compare ASCII case-insensitively: the patterns are lowered in the data.
action := lower(input.action)

# A statement applies when an action pattern matches, a resource pattern matches and every
# condition test holds.
applies(s) if {
	action_applies(s)
	some r in s.resources
	matches(r, input.resource)
	every c in s.conditions {
		holds(c)
	}
}

# Action: some pattern matches; NotAction (s.not_action): none does.
action_applies(s) if {
	not s.not_action
	named(s)
}

action_applies(s) if {
	s.not_action
	not named(s)
}

named(s) if {
	some a in s.actions
	matches(a, action)
}

# Patterns: {"any": true} for "*", {"literal": text}, or {"re": anchored regex} for globs.
matches(p, _) if p.any

matches(p, text) if p.literal == text

matches(p, text) if regex.match(p.re, text)

# Positive operators: some request value and some policy value satisfy the base test; an absent
# key fails. Negated operators: no pair satisfies it; an absent key passes (spec §4.4).
holds(c) if {
	not c.negated
	satisfied(c)
}

holds(c) if {
	c.negated
	not satisfied(c)
}

satisfied(c) if {
	some r in input.context[c.key]
	some v in c.values
	test(c.test, r, v)
}

test("string_equals", r, v) if r == v

test("string_like", r, v) if regex.match(v, r)

test("ip", r, v) if net.cidr_contains(v, r)

test("bool", r, v) if lower(r) == v

test("date_equals", r, v) if time.parse_rfc3339_ns(r) == v

test("date_less_than", r, v) if time.parse_rfc3339_ns(r) < v

test("date_less_than_equals", r, v) if time.parse_rfc3339_ns(r) <= v

test("date_greater_than", r, v) if time.parse_rfc3339_ns(r) > v

test("date_greater_than_equals", r, v) if time.parse_rfc3339_ns(r) >= v

test("numeric_equals", r, v) if to_number(r) == v

test("numeric_less_than", r, v) if to_number(r) < v

test("numeric_less_than_equals", r, v) if to_number(r) <= v

test("numeric_greater_than", r, v) if to_number(r) > v

test("numeric_greater_than_equals", r, v) if to_number(r) >= v
