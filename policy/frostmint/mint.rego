# frostmint mint policy (Rego v1).
#
# Entry point: data.frostmint.mint.decision — one object:
#   {allow, reasons, max_ttl, required_approvals,
#    require_signer_attestation, require_requester_attestation}
# Every evaluator (coordinator and each signer) passes the time as input.now; nothing here
# reads a clock, so all of them decide the same. Data lives in data.json, under data.config.
package frostmint.mint

import rego.v1

# Lifetime hard cap, seconds. Data may only lower it.
hard_cap := 900

cfg := data.config

requested := {s | some s in input.request.scopes}

# --- who may ask for what -------------------------------------------------------------

# Roles: engineers carry them in their enrollment certificate; dev requesters get the
# roles data grants to them; CI has none (CI rules map OIDC claims to scopes).
roles contains r if {
	input.requester.kind == "engineer"
	some r in input.requester.roles
}

roles contains r if {
	input.requester.kind == "dev"
	some r in object.get(cfg, ["dev", "roles"], [])
}

# A role's scopes: a plain list (simple mode) or {"scopes": [...]}.
role_scopes(role) := s if {
	s := cfg.roles[role].scopes
} else := s if {
	s := cfg.roles[role]
	is_array(s)
}

permitted contains s if {
	some r in roles
	some s in role_scopes(r)
}

permitted contains s if {
	input.requester.kind == "ci"
	some rule in object.get(cfg, "ci", [])
	ci_rule_matches(rule)
	some s in rule.scopes
}

# A CI rule matches when every claim it names equals the verified ID-token claim.
ci_rule_matches(rule) if {
	claims := object.get(input.requester, "oidc", {})
	every key, want in object.remove(rule, {"scopes"}) {
		object.get(claims, key, null) == want
	}
}

# --- per-scope settings ---------------------------------------------------------------

# A scope's settings: an object, or just its max TTL (simple mode).
scope_cfg(s) := c if {
	c := cfg.scopes[s]
	is_object(c)
} else := {"max_ttl": t} if {
	t := cfg.scopes[s]
	is_number(t)
}

known(s) if scope_cfg(s)

max_ttl := min({t | some s in requested; t := object.get(scope_cfg(s), "max_ttl", hard_cap)} | {hard_cap})

required_approvals := max({n | some s in requested; n := object.get(scope_cfg(s), "approvals", 0)} | {0})

require_signer_attestation if {
	some s in requested
	object.get(scope_cfg(s), "require_signer_attestation", false) == true
}

require_requester_attestation if {
	some s in requested
	object.get(scope_cfg(s), "require_requester_attestation", false) == true
}

# --- reasons to deny --------------------------------------------------------------------

reasons contains "no_scope_requested" if count(requested) == 0

reasons contains sprintf("unknown_scope:%s", [s]) if {
	some s in requested
	not known(s)
}

reasons contains sprintf("scope_not_permitted:%s", [s]) if {
	some s in requested
	known(s)
	not s in permitted
}

reasons contains sprintf("audience_not_allowed:%s", [input.request.audience]) if {
	some s in requested
	auds := scope_cfg(s).audiences
	not input.request.audience in auds
}

reasons contains "ttl_exceeds_max" if input.request.ttl > max_ttl

reasons contains "approvals_missing" if count({g | some g in input.approvals}) < required_approvals

reasons contains "signer_attestation_missing" if {
	require_signer_attestation
	not input.signer_attestation.verified
}

reasons contains "requester_attestation_missing" if {
	require_requester_attestation
	not input.requester_attestation.verified
}

# A scope that only sender-constrained tokens may carry (RFC 9449 cnf.jkt). input.dpop_bound is
# set by each evaluator from a DPoP proof it verified itself, never taken from the coordinator.
reasons contains sprintf("dpop_required:%s", [s]) if {
	some s in requested
	object.get(scope_cfg(s), "require_dpop", false) == true
	not input.dpop_bound == true
}

# A scope only requests from listed address ranges may carry. input.request.source_address is
# the requester's address as the coordinator saw the connection (null: it cannot know it, which
# no range admits). Signers never see the connection and leave it out, so this rule is the
# coordinator's alone: it cannot be re-verified by the signers (docs/security.md).
reasons contains sprintf("source_address_not_allowed:%s", [s]) if {
	some s in requested
	ranges := scope_cfg(s).source_cidrs
	_ = input.request.source_address # present: a string, or null (absent at the signers)
	not source_in(ranges)
}

source_in(ranges) if {
	address := input.request.source_address
	is_string(address)
	not contains(address, "/") # an address, not a range inside one
	some range in ranges
	net.cidr_contains(range, address)
}

reasons contains sprintf("outside_time_window:%s", [s]) if {
	some s in requested
	window := scope_cfg(s).hours_utc
	hour := ((input.now % 86400) / 86400) * 24
	not in_window(floor(hour), window)
}

in_window(h, w) if {
	w.from <= w.to
	h >= w.from
	h < w.to
}

in_window(h, w) if {
	w.from > w.to
	h >= w.from
}

in_window(h, w) if {
	w.from > w.to
	h < w.to
}

decision := {
	"allow": count(reasons) == 0,
	"reasons": sort([r | some r in reasons]),
	"max_ttl": max_ttl,
	"required_approvals": required_approvals,
	"require_signer_attestation": require_signer_attestation,
	"require_requester_attestation": require_requester_attestation,
}

default require_signer_attestation := false

default require_requester_attestation := false
