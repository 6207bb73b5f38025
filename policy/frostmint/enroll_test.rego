package frostmint.enroll_test

import rego.v1

import data.frostmint.enroll

fixture := {
	"roles": {"developer": ["deploy:canary"], "releaser": ["deploy:prod"]},
	"scopes": {"deploy:canary": 900, "deploy:prod": 600},
	"enrollment": {
		"users": {"alice@example.com": ["developer"], "carol@example.com": ["developer", "releaser"]},
		"max_lifetime": 86400,
		"approvals": {"releaser": 1},
	},
}

req(subject, roles, lifetime) := {
	"now": 1800000000,
	"requester": {"kind": "engineer", "subject": subject, "amr": ["webauthn"]},
	"enrollment": {"roles": roles, "lifetime": lifetime},
	"approvals": [],
}

test_allows_granted_role if {
	d := enroll.decision with input as req("alice@example.com", ["developer"], 3600)
		with data.config as fixture
	d.allow
	d.reasons == []
	d.required_approvals == 0
	d.max_lifetime == 86400
}

test_denies_role_not_granted if {
	d := enroll.decision with input as req("alice@example.com", ["releaser"], 3600)
		with data.config as fixture
	not d.allow
	d.reasons == ["approvals_missing", "role_not_granted:releaser"]
}

test_denies_unknown_user if {
	d := enroll.decision with input as req("mallory@example.com", ["developer"], 3600)
		with data.config as fixture
	d.reasons == ["role_not_granted:developer"]
}

test_denies_unknown_role if {
	d := enroll.decision with input as req("alice@example.com", ["root"], 3600)
		with data.config as fixture
	d.reasons == ["unknown_role:root"]
}

test_denies_long_lifetime if {
	d := enroll.decision with input as req("alice@example.com", ["developer"], 86401)
		with data.config as fixture
	d.reasons == ["lifetime_exceeds_max"]
}

test_requires_guardian_approval_for_releaser if {
	d := enroll.decision with input as req("carol@example.com", ["releaser"], 3600)
		with data.config as fixture
	d.required_approvals == 1
	d.reasons == ["approvals_missing"]
	approved := object.union(req("carol@example.com", ["releaser"], 3600), {"approvals": ["g1"]})
	ok := enroll.decision with input as approved with data.config as fixture
	ok.allow
}

test_hard_cap_without_data if {
	d := enroll.decision with input as req("alice@example.com", ["developer"], 604801)
		with data.config as object.remove(fixture, {"enrollment"})
	"lifetime_exceeds_max" in d.reasons
	"role_not_granted:developer" in d.reasons
}
