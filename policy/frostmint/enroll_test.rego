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

# A request without proof: what a coordinator alone can say.
bare(subject, roles, lifetime) := {
	"now": 1800000000,
	"requester": {"kind": "engineer", "subject": subject, "amr": ["webauthn"]},
	"enrollment": {"roles": roles, "lifetime": lifetime},
	"approvals": [],
}

# An IdP login for `email` (verified ID token, nonce bound to the certificate request).
login(email) := {"iss": "https://idp.example.com", "sub": "u-1", "email": email, "email_verified": true}

# A request proven by an IdP login naming the subject.
req(subject, roles, lifetime) := object.union(bare(subject, roles, lifetime), {"id_token": login(subject)})

test_allows_granted_role if {
	d := enroll.decision with input as req("alice@example.com", ["developer"], 3600)
		with data.config as fixture
	d.allow
	d.reasons == []
	d.required_approvals == 0
	d.max_lifetime == 86400
	d.proof == "id_token"
}

test_denies_enrollment_without_proof if {
	d := enroll.decision with input as bare("alice@example.com", ["developer"], 3600)
		with data.config as fixture
	not d.allow
	d.reasons == ["enrollment_unproven"]
	d.proof == "none"
}

test_denies_id_token_of_another_user if {
	input_ := object.union(bare("alice@example.com", ["developer"], 3600), {"id_token": login("bob@example.com")})
	d := enroll.decision with input as input_ with data.config as fixture
	d.reasons == ["enrollment_unproven", "id_token_subject_mismatch"]
}

test_denies_unverified_email if {
	unverified := object.union(login("alice@example.com"), {"email_verified": false})
	input_ := object.union(bare("alice@example.com", ["developer"], 3600), {"id_token": unverified})
	d := enroll.decision with input as input_ with data.config as fixture
	d.reasons == ["enrollment_unproven", "id_token_subject_mismatch"]
}

test_unverified_email_allowed_when_data_says_so if {
	unverified := object.union(login("alice@example.com"), {"email_verified": false})
	input_ := object.union(bare("alice@example.com", ["developer"], 3600), {"id_token": unverified})
	lax := json.patch(fixture, [{"op": "add", "path": "/enrollment/idp", "value": {"require_email_verified": false}}])
	d := enroll.decision with input as input_ with data.config as lax
	d.allow
}

test_subject_claim_from_data if {
	token := object.union(login("someone@else.example"), {"sub": "alice@example.com"})
	input_ := object.union(bare("alice@example.com", ["developer"], 3600), {"id_token": token})
	by_sub := json.patch(fixture, [{"op": "add", "path": "/enrollment/idp", "value": {"subject_claim": "sub"}}])
	d := enroll.decision with input as input_ with data.config as by_sub
	d.allow
	d.proof == "id_token"
	not enroll.decision.allow with input as input_ with data.config as fixture
}

test_guardian_approvals_prove_without_login if {
	approved := object.union(bare("carol@example.com", ["releaser"], 3600), {"approvals": ["g1"]})
	d := enroll.decision with input as approved with data.config as fixture
	d.allow
	d.proof == "approvals"
}

test_login_does_not_replace_required_approvals if {
	d := enroll.decision with input as req("carol@example.com", ["developer", "releaser"], 3600)
		with data.config as fixture
	d.reasons == ["approvals_missing"]
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
