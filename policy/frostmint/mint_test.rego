package frostmint.mint_test

import rego.v1

import data.frostmint.mint

now := 1800000000 # 2027-01-15T08:00:00Z

cfg := {
	"roles": {
		"developer": {"scopes": ["deploy:canary", "read:logs", "deploy:bound"]},
		"releaser": ["deploy:canary", "deploy:prod"],
		"onsite": ["deploy:canary", "corp"],
	},
	"dev": {"roles": ["developer"]},
	"scopes": {
		"deploy:canary": {"max_ttl": 900, "audiences": ["deploy-api"]},
		"deploy:prod": {"max_ttl": 600, "audiences": ["deploy-api"], "approvals": 2},
		"read:logs": 300,
		"attested": {"require_signer_attestation": true, "require_requester_attestation": true},
		"deploy:bound": {"max_ttl": 600, "audiences": ["deploy-api"], "require_dpop": true},
		"office": {"hours_utc": {"from": 9, "to": 17}},
		"night": {"hours_utc": {"from": 22, "to": 6}},
		"corp": {"source_cidrs": ["10.0.0.0/8", "2001:db8::/32"]},
	},
	"ci": [
		{"issuer": "https://ci.example", "repository": "acme/app", "ref": "refs/heads/main", "scopes": ["deploy:prod"]},
		{"issuer": "https://ci.example", "repository": "acme/app", "scopes": ["deploy:canary"]},
	],
}

engineer(roles, scopes, aud, ttl) := {
	"now": now,
	"requester": {"kind": "engineer", "subject": "alice", "roles": roles, "amr": ["webauthn"]},
	"request": {"scopes": scopes, "audience": aud, "ttl": ttl},
	"approvals": [],
}

ci(claims, scopes) := {
	"now": now,
	"requester": {"kind": "ci", "subject": "repo:acme/app", "roles": [], "amr": ["oidc"], "oidc": claims},
	"request": {"scopes": scopes, "audience": "deploy-api", "ttl": 600},
	"approvals": [],
}

decide(input_doc) := d if {
	d := mint.decision with input as input_doc with data.config as cfg
}

test_role_grants_scope if {
	d := decide(engineer(["developer"], ["deploy:canary"], "deploy-api", 900))
	d.allow
	d.reasons == []
	d.max_ttl == 900
}

test_simple_mode_role_list_and_ttl_number if {
	d := decide(engineer(["releaser"], ["deploy:canary"], "deploy-api", 900))
	d.allow
	e := decide(engineer(["developer"], ["read:logs"], "logs-api", 300))
	e.allow
	e.max_ttl == 300
}

test_dev_requester_gets_configured_roles if {
	d := decide({
		"now": now, "requester": {"kind": "dev", "subject": "dev@localhost", "roles": ["releaser"], "amr": ["dev"]},
		"request": {"scopes": ["deploy:canary"], "audience": "deploy-api", "ttl": 900}, "approvals": [],
	})
	d.allow
	p := decide({
		"now": now, "requester": {"kind": "dev", "subject": "dev@localhost", "roles": ["releaser"], "amr": ["dev"]},
		"request": {"scopes": ["deploy:prod"], "audience": "deploy-api", "ttl": 600}, "approvals": ["g1", "g2"],
	})
	"scope_not_permitted:deploy:prod" in p.reasons
}

test_escalated_scope_denied if {
	d := decide(engineer(["developer"], ["deploy:prod"], "deploy-api", 600))
	not d.allow
	"scope_not_permitted:deploy:prod" in d.reasons
}

test_unknown_scope_denied if {
	d := decide(engineer(["developer"], ["admin"], "deploy-api", 60))
	"unknown_scope:admin" in d.reasons
}

test_audience_not_allowed if {
	d := decide(engineer(["developer"], ["deploy:canary"], "billing-api", 900))
	d.reasons == ["audience_not_allowed:billing-api"]
}

test_ttl_above_scope_max if {
	d := decide(engineer(["developer"], ["read:logs"], "logs-api", 301))
	d.reasons == ["ttl_exceeds_max"]
	d.max_ttl == 300
}

test_max_ttl_is_the_smallest_of_the_scopes if {
	d := decide(engineer(["releaser"], ["deploy:canary", "deploy:prod"], "deploy-api", 600))
	d.max_ttl == 600
}

test_approvals_required_and_counted_once if {
	base := engineer(["releaser"], ["deploy:prod"], "deploy-api", 600)
	d := decide(base)
	d.required_approvals == 2
	"approvals_missing" in d.reasons
	once := decide(object.union(base, {"approvals": ["g1", "g1"]}))
	"approvals_missing" in once.reasons
	two := decide(object.union(base, {"approvals": ["g1", "g2"]}))
	two.allow
}

test_ci_rule_maps_claims_to_scopes if {
	main := {"issuer": "https://ci.example", "repository": "acme/app", "ref": "refs/heads/main"}
	d := decide(object.union(ci(main, ["deploy:prod"]), {"approvals": ["g1", "g2"]}))
	d.allow
	branch := {"issuer": "https://ci.example", "repository": "acme/app", "ref": "refs/heads/feature"}
	b := decide(object.union(ci(branch, ["deploy:prod"]), {"approvals": ["g1", "g2"]}))
	"scope_not_permitted:deploy:prod" in b.reasons
	c := decide(ci(branch, ["deploy:canary"]))
	c.allow
}

test_ci_rule_needs_every_named_claim if {
	other := {"issuer": "https://evil.example", "repository": "acme/app", "ref": "refs/heads/main"}
	d := decide(ci(other, ["deploy:canary"]))
	"scope_not_permitted:deploy:canary" in d.reasons
}

test_attestation_required if {
	d := decide(object.union(engineer(["x"], ["attested"], "any", 60), {}))
	d.require_signer_attestation
	d.require_requester_attestation
	"signer_attestation_missing" in d.reasons
	"requester_attestation_missing" in d.reasons
	ok := decide(object.union(engineer(["x"], ["attested"], "any", 60), {
		"signer_attestation": {"verified": true},
		"requester_attestation": {"verified": true},
	}))
	not "signer_attestation_missing" in ok.reasons
	not "requester_attestation_missing" in ok.reasons
}

test_time_window if {
	# now is 08:00 UTC
	d := decide(engineer(["x"], ["office"], "any", 60))
	"outside_time_window:office" in d.reasons
	at_noon := decide(object.union(engineer(["x"], ["office"], "any", 60), {"now": now + (4 * 3600)}))
	not "outside_time_window:office" in at_noon.reasons
}

test_time_window_across_midnight if {
	late := decide(object.union(engineer(["x"], ["night"], "any", 60), {"now": now + (15 * 3600)}))
	not "outside_time_window:night" in late.reasons
	early := decide(object.union(engineer(["x"], ["night"], "any", 60), {"now": now - (4 * 3600)}))
	not "outside_time_window:night" in early.reasons
	day := decide(engineer(["x"], ["night"], "any", 60))
	"outside_time_window:night" in day.reasons
}

test_no_scope_denied if {
	d := decide(engineer(["developer"], [], "deploy-api", 60))
	"no_scope_requested" in d.reasons
	not d.allow
}

test_hard_cap_without_scope_ttl if {
	d := decide(engineer(["x"], ["attested"], "any", 901))
	"ttl_exceeds_max" in d.reasons
	d.max_ttl == 900
}

test_unverified_attestation_denied if {
	d := decide(object.union(engineer(["x"], ["attested"], "any", 60), {
		"signer_attestation": {"verified": false, "product": "Milan"},
		"requester_attestation": {"verified": false},
	}))
	"signer_attestation_missing" in d.reasons
	"requester_attestation_missing" in d.reasons
	not d.allow
}

test_ci_rule_with_environment_needs_that_environment if {
	cfg_env := object.union(cfg, {"ci": [{
		"issuer": "https://ci.example", "repository": "acme/app",
		"environment": "production", "scopes": ["deploy:canary"],
	}]})
	prod := {"issuer": "https://ci.example", "repository": "acme/app", "environment": "production"}
	ok := mint.decision with input as ci(prod, ["deploy:canary"]) with data.config as cfg_env
	ok.allow
	none := {"issuer": "https://ci.example", "repository": "acme/app"}
	d := mint.decision with input as ci(none, ["deploy:canary"]) with data.config as cfg_env
	"scope_not_permitted:deploy:canary" in d.reasons
	staging := object.union(prod, {"environment": "staging"})
	s := mint.decision with input as ci(staging, ["deploy:canary"]) with data.config as cfg_env
	"scope_not_permitted:deploy:canary" in s.reasons
}

test_ci_requester_gets_no_roles if {
	claims := {"issuer": "https://ci.example", "repository": "acme/other"}
	doc := object.union(ci(claims, ["read:logs"]), {"requester": object.union(
		ci(claims, ["read:logs"]).requester,
		{"roles": ["developer"]},
	)})
	d := decide(object.union(doc, {"request": {"scopes": ["read:logs"], "audience": "logs-api", "ttl": 60}}))
	"scope_not_permitted:read:logs" in d.reasons
}

test_ci_deploy_prod_still_needs_approvals if {
	main := {"issuer": "https://ci.example", "repository": "acme/app", "ref": "refs/heads/main"}
	d := decide(ci(main, ["deploy:prod"]))
	d.reasons == ["approvals_missing"]
	d.required_approvals == 2
}

test_require_dpop_denies_a_bearer_token if {
	d := decide(engineer(["developer"], ["deploy:bound"], "deploy-api", 600))
	not d.allow
	d.reasons == ["dpop_required:deploy:bound"]
	e := decide(object.union(engineer(["developer"], ["deploy:bound"], "deploy-api", 600), {"dpop_bound": false}))
	e.reasons == ["dpop_required:deploy:bound"]
}

test_require_dpop_allows_a_bound_token if {
	d := decide(object.union(engineer(["developer"], ["deploy:bound"], "deploy-api", 600), {"dpop_bound": true}))
	d.allow
}

test_require_dpop_applies_when_mixed_with_other_scopes if {
	d := decide(engineer(["developer"], ["deploy:canary", "deploy:bound"], "deploy-api", 600))
	d.reasons == ["dpop_required:deploy:bound"]
	e := decide(object.union(engineer(["developer"], ["deploy:canary"], "deploy-api", 600), {"dpop_bound": true}))
	e.allow
}

test_dpop_bound_must_be_exactly_true if {
	d := decide(object.union(engineer(["developer"], ["deploy:bound"], "deploy-api", 600), {"dpop_bound": "true"}))
	d.reasons == ["dpop_required:deploy:bound"]
}

# --- source_cidrs: the requester's address (coordinator only) ------------------------------

from(address, scopes) := object.union(engineer(["onsite"], scopes, "deploy-api", 600), {"request": {
	"scopes": scopes, "audience": "deploy-api", "ttl": 600, "source_address": address,
}})

test_source_cidrs_allow_listed_ipv4_and_ipv6 if {
	decide(from("10.20.30.40", ["corp"])).allow
	decide(from("2001:db8:ffff::1", ["corp"])).allow
}

test_source_cidrs_deny_unlisted_addresses if {
	every address in ["11.0.0.1", "127.0.0.1", "192.0.2.1", "2001:db9::1", "::1", "fd00::1"] {
		decide(from(address, ["corp"])).reasons == ["source_address_not_allowed:corp"]
	}
}

test_source_cidrs_range_edges if {
	decide(from("10.255.255.255", ["corp"])).allow
	decide(from("9.255.255.255", ["corp"])).reasons == ["source_address_not_allowed:corp"]
	decide(from("2001:db8::", ["corp"])).allow
	decide(from("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", ["corp"])).reasons == ["source_address_not_allowed:corp"]
}

test_source_cidrs_unknown_address_is_denied if {
	# null: the coordinator cannot know the address (a request parked before it recorded one).
	decide(from(null, ["corp"])).reasons == ["source_address_not_allowed:corp"]
}

test_source_cidrs_malformed_address_is_denied if {
	every address in ["not-an-address", "10.0.0.0/8", "0.0.0.0/0", 167772161, true, ""] {
		decide(from(address, ["corp"])).reasons == ["source_address_not_allowed:corp"]
	}
}

test_source_cidrs_not_checked_without_the_address if {
	# A signer never sees the connection: it leaves source_address out and cannot check it.
	decide(engineer(["onsite"], ["corp"], "deploy-api", 600)).allow
}

test_source_cidrs_only_for_the_scopes_that_name_them if {
	decide(from("192.0.2.1", ["deploy:canary"])).allow
	decide(from("192.0.2.1", ["deploy:canary", "corp"])).reasons == ["source_address_not_allowed:corp"]
}
