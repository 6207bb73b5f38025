# frostmint enrollment policy (Rego v1).
#
# Entry point: data.frostmint.enroll.decision — one object:
#   {allow, reasons, max_lifetime, required_approvals}
# Evaluated by the coordinator before it asks for a certificate, and by every signer before
# it co-signs one (input rebuilt from the certificate and the WebAuthn registration it
# verified). Data: data.config.enrollment = {users: {subject: [roles]}, max_lifetime,
# approvals: {role: n}, idp: {subject_claim, require_email_verified}}.
#
# Proof: the coordinator's word is never enough. An enrollment is proven by input.id_token
# (the verified claims of an IdP login whose nonce is the certificate request digest) when
# its idp.subject_claim (default "email") equals the subject, or by the guardian approvals
# its roles demand (at least one). Otherwise reasons holds "enrollment_unproven".
package frostmint.enroll

import rego.v1

# Certificate lifetime hard cap, seconds (7 days). Data may only lower it.
hard_cap := 604800

cfg := object.get(data.config, "enrollment", {})

requested := {r | some r in input.enrollment.roles}

granted := {r | some r in object.get(object.get(cfg, "users", {}), input.requester.subject, [])}

max_lifetime := min({object.get(cfg, "max_lifetime", hard_cap), hard_cap})

required_approvals := max({n | some r in requested; n := object.get(object.get(cfg, "approvals", {}), r, 0)} | {0})

reasons contains "no_role_requested" if count(requested) == 0

reasons contains "not_an_engineer" if input.requester.kind != "engineer"

reasons contains sprintf("unknown_role:%s", [r]) if {
	some r in requested
	not data.config.roles[r]
}

reasons contains sprintf("role_not_granted:%s", [r]) if {
	some r in requested
	data.config.roles[r]
	not r in granted
}

reasons contains "lifetime_exceeds_max" if input.enrollment.lifetime > max_lifetime

reasons contains "approvals_missing" if count({g | some g in input.approvals}) < required_approvals

idp := object.get(cfg, "idp", {})

subject_claim := object.get(idp, "subject_claim", "email")

# The verified-email flag matters only when the email names the engineer.
email_verified_ok if subject_claim != "email"

email_verified_ok if object.get(idp, "require_email_verified", true) == false

email_verified_ok if input.id_token.email_verified == true

id_token_names_subject if {
	input.id_token[subject_claim] == input.requester.subject
	email_verified_ok
}

approvals_prove if {
	required_approvals > 0
	count({g | some g in input.approvals}) >= required_approvals
}

proof := "id_token" if id_token_names_subject

else := "approvals" if approvals_prove

else := "none"

reasons contains "id_token_subject_mismatch" if {
	input.id_token
	not id_token_names_subject
}

reasons contains "enrollment_unproven" if proof == "none"

decision := {
	"allow": count(reasons) == 0,
	"reasons": sort([r | some r in reasons]),
	"max_lifetime": max_lifetime,
	"required_approvals": required_approvals,
	"proof": proof,
}
