/**
 * Every stable error code frostmint raises, in one table: code → HTTP status, where it is
 * raised, and a one-line description. `FrostmintError` takes its status from here, so a
 * code cannot be answered with two statuses, and a code missing here fails typecheck.
 * `docs/errors.md` and the OpenAPI document's error schema are generated from this table
 * (`scripts/gen-api-docs.ts`; a test keeps them fresh).
 *
 * `where` says who may answer with the code:
 * - `api`: the coordinator, over HTTP, as `{error, message}`;
 * - `signer`: a signer, over gRPC (trailer `frostmint-code`); the coordinator relays the
 *   code and status unchanged when the refusal decides a request;
 * - `shared`: checks in core that both the coordinator and the signers run;
 * - `cli`: the `frostmint` and `frostmint-guardian` command lines, on stderr, never a wire;
 * - `daemon`: a daemon's own start-up (configuration, vault, PKCS#11 token, store), in its
 *   log and exit status, never an answer to a request.
 *
 * @example
 * ```ts
 * ERROR_CODES.request_not_found.status; // 404
 * ```
 */
export const ERROR_CODES = {
  // ── HTTP framework and generic answers ────────────────────────────────────────────────
  invalid_request: {
    status: 400,
    where: 'api',
    description:
      'A request field, parameter or query value is malformed or out of bounds; the message names the field.',
  },
  not_found: { status: 404, where: 'api', description: 'No route serves this path.' },
  method_not_allowed: {
    status: 405,
    where: 'api',
    description: 'The path exists, but not for this method; `Allow` lists the methods it takes.',
  },
  payload_too_large: {
    status: 413,
    where: 'api',
    description: 'The request body exceeds the 16 KiB limit.',
  },
  uri_too_long: { status: 414, where: 'api', description: 'The request URL is too long.' },
  unsupported_media_type: {
    status: 415,
    where: 'api',
    description: 'The body is not `application/json`.',
  },
  forwarded_for_invalid: {
    status: 400,
    where: 'api',
    description:
      'A trusted proxy forwarded an `X-Forwarded-For` hop that is not a bare IP address, so the client address cannot be determined (docs/security.md, "Source addresses").',
  },
  internal: {
    status: 500,
    where: 'api',
    description: 'An unexpected failure; details are only in the coordinator or signer log.',
  },
  signer_answer_invalid: {
    status: 502,
    where: 'api',
    description:
      'A signer refused with a code this coordinator does not know (version skew between coordinator and signer).',
  },

  // ── Authentication of the requester ───────────────────────────────────────────────────
  unauthenticated: {
    status: 401,
    where: 'api',
    description: 'No, or a wrong, credential for this route (bearer token, request secret).',
  },
  auth_unconfigured: {
    status: 400,
    where: 'api',
    description:
      'The coordinator has no requester authentication configured for this kind of request.',
  },
  operator_unconfigured: {
    status: 401,
    where: 'api',
    description: 'Enrollments need an operator credential and none is configured.',
  },
  dev_bearer_weak: {
    status: 401,
    where: 'daemon',
    description: 'The dev bearer credential is shorter than 32 characters.',
  },
  id_token_replayed: {
    status: 401,
    where: 'api',
    description: 'This ID token was already used for another request.',
  },
  oidc_token_replayed: {
    status: 401,
    where: 'api',
    description: 'This CI ID token was already exchanged; request a fresh one.',
  },
  oidc_token_malformed: {
    status: 401,
    where: 'shared',
    description: 'The ID token is not a decodable compact JWS with a `kid`.',
  },
  oidc_issuer_untrusted: {
    status: 401,
    where: 'shared',
    description: 'The ID token comes from an issuer this deployment does not trust.',
  },
  oidc_alg_not_allowed: {
    status: 401,
    where: 'shared',
    description: 'The ID token uses an algorithm that is not allowed.',
  },
  oidc_signature_invalid: {
    status: 401,
    where: 'shared',
    description: 'The ID token signature does not verify against the issuer keys.',
  },
  oidc_audience_invalid: {
    status: 401,
    where: 'shared',
    description: 'The ID token is not for this audience.',
  },
  oidc_token_expired: { status: 401, where: 'shared', description: 'The ID token has expired.' },
  oidc_token_not_yet_valid: {
    status: 401,
    where: 'shared',
    description: 'The ID token is not valid yet (`nbf`/`iat` in the future).',
  },
  oidc_token_invalid: {
    status: 401,
    where: 'shared',
    description: 'The ID token cannot be verified or its claims are out of bounds.',
  },
  oidc_jwks_unavailable: {
    status: 503,
    where: 'shared',
    description: 'The ID token issuer keys cannot be fetched right now.',
  },
  locked_out: {
    status: 429,
    where: 'api',
    description:
      'Too many failed WebAuthn assertions for this user; retry after `retry-after` seconds.',
  },
  rate_limited: {
    status: 429,
    where: 'api',
    description: 'Too many requests for this identity; retry after `retry-after` seconds.',
  },

  // ── Mint requests and their lifecycle ─────────────────────────────────────────────────
  scope_invalid: {
    status: 400,
    where: 'api',
    description: 'The scope list is empty, repeats a scope, or holds a malformed scope.',
  },
  ttl_too_long: {
    status: 403,
    where: 'api',
    description: "The requested lifetime exceeds this deployment's cap.",
  },
  result_key_invalid: {
    status: 400,
    where: 'api',
    description: 'The token cannot be sealed to the request result key.',
  },
  policy_denied: {
    status: 403,
    where: 'shared',
    description: 'Policy denies this mint; the message lists the reasons.',
  },
  policy_mismatch: {
    status: 403,
    where: 'signer',
    description: 'The token names another policy than the one this signer enforces.',
  },
  policy_rollout_incomplete: {
    status: 503,
    where: 'api',
    description: 'Too few signers installed the new policy bundle; the old policy stays.',
  },
  request_not_found: {
    status: 404,
    where: 'api',
    description: 'No such request (or it is not yours). Replaces `request_unknown`.',
  },
  request_not_pending: {
    status: 409,
    where: 'api',
    description: 'The request is no longer pending (approved, minted, denied or expired).',
  },
  request_already_minted: {
    status: 409,
    where: 'api',
    description: 'This request was minted already; its token is delivered once.',
  },
  request_denied: { status: 403, where: 'api', description: 'A guardian denied the request.' },
  request_expired: {
    status: 410,
    where: 'api',
    description:
      'The request expired (before enough approvals or before the tap); prepare a new one.',
  },
  awaiting_approvals: {
    status: 409,
    where: 'api',
    description: 'The request waits for guardian approvals before this step.',
  },
  tap_window_lapsed: {
    status: 403,
    where: 'api',
    description: 'The time to tap for this approved request passed; reload the tap page.',
  },
  challenge_expired: {
    status: 403,
    where: 'api',
    description: 'The WebAuthn challenge expired; prepare a new request.',
  },
  challenge_used: {
    status: 403,
    where: 'api',
    description: 'The WebAuthn challenge was used already.',
  },
  webauthn_disabled: {
    status: 404,
    where: 'api',
    description: 'This coordinator has no WebAuthn relying party.',
  },
  web_approval_unsupported: {
    status: 409,
    where: 'api',
    description:
      'This kind of request is not approved on the web page (use `frostmint-guardian approve`).',
  },
  group_missing: {
    status: 503,
    where: 'api',
    description: 'No group key yet: run the DKG ceremony first.',
  },
  guardians_missing: {
    status: 503,
    where: 'api',
    description: 'This group has no guardians, so nothing can be approved.',
  },
  quorum_unavailable: {
    status: 503,
    where: 'api',
    description: 'Fewer healthy signers than the threshold; see `/readyz` and retry.',
  },
  signer_attestation_unavailable: {
    status: 503,
    where: 'api',
    description: 'Policy requires attested signers and too few have a fresh verified attestation.',
  },
  signer_unavailable: {
    status: 503,
    where: 'shared',
    description: 'A signer cannot be reached or did not answer in time.',
  },
  share_invalid: {
    status: 500,
    where: 'api',
    description: 'A signer returned a signature share that does not verify.',
  },
  aggregate_invalid: {
    status: 500,
    where: 'api',
    description: 'The aggregated group signature does not verify.',
  },

  // ── WebAuthn enrollment, assertions and guardian credentials ──────────────────────────
  assertion_invalid: {
    status: 403,
    where: 'shared',
    description: 'The WebAuthn assertion does not verify.',
  },
  sign_count_regressed: {
    status: 403,
    where: 'api',
    description: 'The authenticator signature counter did not advance (a cloned authenticator?).',
  },
  registration_invalid: {
    status: 403,
    where: 'shared',
    description: 'The WebAuthn registration does not verify for this request, origin or guardian.',
  },
  registration_malformed: {
    status: 400,
    where: 'shared',
    description:
      'The WebAuthn registration response is not well-formed JSON of the expected shape.',
  },
  registration_done: {
    status: 409,
    where: 'api',
    description: 'This request already has its registration.',
  },
  registration_missing: {
    status: 409,
    where: 'api',
    description: 'Register the passkey on the tap page first.',
  },
  registration_pending: {
    status: 409,
    where: 'api',
    description: 'No credential was registered yet on this registration page.',
  },
  credential_already_enrolled: {
    status: 409,
    where: 'api',
    description: 'This credential is already enrolled.',
  },
  credential_not_bound: {
    status: 403,
    where: 'api',
    description: 'This credential is not bound to a guardian (`frostmint-guardian webauthn bind`).',
  },
  credential_not_enrolled: {
    status: 403,
    where: 'api',
    description: 'Tap with the credential this renewal is for.',
  },
  not_enrolled: {
    status: 403,
    where: 'api',
    description: 'The user has no active enrollment (none, expired or revoked).',
  },
  enrollment_revoked: {
    status: 403,
    where: 'api',
    description: 'This credential was revoked: enroll again.',
  },
  enrollment_unproven: {
    status: 403,
    where: 'shared',
    description:
      'Nothing proves who enrolls: no enrollment IdP and no guardian approvals required.',
  },
  enrollment_certificate_expired: {
    status: 403,
    where: 'shared',
    description: 'The enrollment certificate expired: enroll again.',
  },
  enrollment_certificate_invalid: {
    status: 403,
    where: 'shared',
    description: 'The enrollment certificate is malformed.',
  },
  enrollment_certificate_unsigned: {
    status: 403,
    where: 'shared',
    description: 'The enrollment certificate is not signed by the group key.',
  },
  enrollment_id_token_nonce_mismatch: {
    status: 403,
    where: 'shared',
    description: 'The ID token was not issued for this enrollment (its nonce does not match).',
  },
  enrollment_message_invalid: {
    status: 400,
    where: 'shared',
    description: 'The enrollment message to sign is malformed.',
  },
  enrollment_iat_skew: {
    status: 403,
    where: 'signer',
    description: "The certificate's `iat` is too far from the signer's clock.",
  },
  enrollment_kid_mismatch: {
    status: 403,
    where: 'signer',
    description: 'The certificate names another group key.',
  },
  enrollment_lifetime_invalid: {
    status: 403,
    where: 'signer',
    description: 'The certificate lifetime is out of bounds.',
  },
  enrollment_revoked_by_policy: {
    status: 403,
    where: 'signer',
    description: 'The enrollment policy no longer grants this certificate.',
  },
  renewal_mismatch: {
    status: 403,
    where: 'signer',
    description: 'A renewal must keep the credential and may not add roles.',
  },
  guardian_unknown: {
    status: 404,
    where: 'api',
    description: 'No guardian of this group has that key.',
  },
  binding_invalid: {
    status: 403,
    where: 'shared',
    description: 'The guardian credential binding does not verify (signature, RP ID or lifetime).',
  },
  binding_malformed: {
    status: 400,
    where: 'shared',
    description: 'The guardian credential binding is not well-formed.',
  },
  binding_expired: {
    status: 403,
    where: 'shared',
    description: "The guardian's WebAuthn credential binding lapsed.",
  },
  binding_mismatch: {
    status: 403,
    where: 'api',
    description: 'The binding names another guardian or credential than this registration.',
  },

  // ── Guardian approvals ─────────────────────────────────────────────────────────────────
  approval_invalid: {
    status: 403,
    where: 'shared',
    description: 'The approval is not signed by a guardian of this group for this request.',
  },
  approval_expired: { status: 403, where: 'shared', description: 'The approval lapsed.' },
  approval_replayed: {
    status: 403,
    where: 'signer',
    description: 'This guardian approval was already used for another token.',
  },
  approvals_mismatch: {
    status: 403,
    where: 'signer',
    description: 'The token names other approvers than the approvals that verified.',
  },
  denial_invalid: {
    status: 403,
    where: 'api',
    description: 'The denial is not signed by a guardian of this group for this request.',
  },

  // ── Signer refusals (gRPC) ─────────────────────────────────────────────────────────────
  peer_not_coordinator: {
    status: 401,
    where: 'signer',
    description: 'The mTLS client certificate does not name the coordinator.',
  },
  evidence_missing: {
    status: 403,
    where: 'signer',
    description: 'The request carries no requester evidence this signer accepts.',
  },
  evidence_rejected: {
    status: 403,
    where: 'signer',
    description: 'The requester evidence does not verify at the signer.',
  },
  evidence_replayed: {
    status: 403,
    where: 'signer',
    description: 'This signer already signed for this evidence.',
  },
  replay_window_full: {
    status: 503,
    where: 'signer',
    description: 'The signer remembers too many unexpired pieces of evidence; retry later.',
  },
  nonce_capacity: {
    status: 503,
    where: 'signer',
    description: 'Too many round-one commitments outstanding; retry shortly.',
  },
  nonce_unavailable: {
    status: 403,
    where: 'signer',
    description: 'The nonce for this commitment is used up or unknown.',
  },
  commitment_unknown: {
    status: 403,
    where: 'signer',
    description:
      'This signer process did not issue the preprocessed commitment id (foreign, handed out before a restart, or listed with another value).',
  },
  commitment_spent: {
    status: 403,
    where: 'signer',
    description: 'The preprocessed commitment was already used (by any coordinator) or expired.',
  },
  sign_batch_too_large: {
    status: 400,
    where: 'signer',
    description: 'A signing batch holds more requests than the signer takes in one call.',
  },
  commitment_missing: {
    status: 403,
    where: 'signer',
    description: "The commitment list omits this signer's commitment.",
  },
  commitments_invalid: {
    status: 400,
    where: 'signer',
    description: 'The commitment list is malformed.',
  },
  signers_mismatch: {
    status: 403,
    where: 'signer',
    description: 'The token names other signers than the signing set.',
  },
  signing_purpose_unknown: {
    status: 400,
    where: 'signer',
    description: 'Unknown signing purpose.',
  },
  signer_not_ready: {
    status: 503,
    where: 'signer',
    description: 'This signer has no group key yet: run DKG.',
  },
  signer_share_missing: {
    status: 409,
    where: 'signer',
    description: 'This signer holds no share to refresh or repair with.',
  },
  token_iat_skew: {
    status: 403,
    where: 'shared',
    description: "The token's `iat` is too far from the signer's clock.",
  },
  token_issuer_mismatch: {
    status: 403,
    where: 'shared',
    description: 'The token names another issuer.',
  },
  token_kid_mismatch: {
    status: 403,
    where: 'shared',
    description: "The token names another key than the group's.",
  },
  token_malformed: { status: 400, where: 'shared', description: 'The token to sign is malformed.' },
  token_time_invalid: {
    status: 403,
    where: 'shared',
    description: 'The token needs `iat ≤ nbf < exp`.',
  },
  token_ttl_exceeded: {
    status: 403,
    where: 'shared',
    description: 'The token lifetime exceeds the cap.',
  },
  claims_evidence_mismatch: {
    status: 403,
    where: 'shared',
    description: 'The token claims differ from what the requester evidence yields.',
  },

  // ── DPoP (RFC 9449) at the mint endpoints and the signers ─────────────────────────────
  dpop_proof_invalid: {
    status: 400,
    where: 'shared',
    description:
      'The DPoP proof fails RFC 9449 §4.3 (typ, alg, public jwk, signature, jti, htm/htu of the mint endpoint, iat window); the message names the check.',
  },
  dpop_proof_replayed: {
    status: 400,
    where: 'shared',
    description: 'This DPoP proof (jti, for its key) was already used for another token.',
  },
  dpop_proof_missing: {
    status: 403,
    where: 'signer',
    description: "The token is bound to a key (cnf.jkt) but the requester's DPoP proof is missing.",
  },
  dpop_binding_mismatch: {
    status: 403,
    where: 'signer',
    description:
      'The token is bound to a key (cnf.jkt) the DPoP proof does not prove, or a proof came with an unbound token.',
  },
  dpop_unsupported: {
    status: 400,
    where: 'api',
    description:
      'DPoP binding is not available here: a route other than POST /v1/mint and POST /v1/mint/requests, or a bound mint that would wait for guardian approvals.',
  },
  group_config_invalid: {
    status: 400,
    where: 'shared',
    description: 'The group configuration is malformed.',
  },
  group_key_not_prepublished: {
    status: 409,
    where: 'api',
    description:
      'The next group key has been in the JWKS for less than the pre-publish window: verifiers may not have fetched it yet (force to override).',
  },
  group_key_in_use: {
    status: 409,
    where: 'api',
    description:
      "The retired group key may still have unexpired tokens or be in verifiers' caches; it stays published until its retention ends (force only for a compromised key).",
  },
  group_key_not_held: {
    status: 409,
    where: 'api',
    description:
      'Fewer signers than the threshold hold this group key: it is not published (a key nobody can sign with, or one brought from elsewhere).',
  },
  group_key_switched: {
    status: 503,
    where: 'api',
    description: 'The group key was switched while this request was signed; start it again.',
  },
  group_config_unsigned: {
    status: 403,
    where: 'shared',
    description: 'The group configuration is not signed by its group key.',
  },
  policy_bundle_invalid: {
    status: 400,
    where: 'shared',
    description: 'The policy bundle is malformed.',
  },
  policy_bundle_rejected: {
    status: 403,
    where: 'shared',
    description: 'The policy bundle is refused (too few valid guardian approvals).',
  },
  policy_data_invalid: {
    status: 400,
    where: 'shared',
    description: 'The policy data is malformed.',
  },
  policy_wasm_invalid: {
    status: 400,
    where: 'shared',
    description: 'The policy WebAssembly module does not load.',
  },
  guardian_key_invalid: {
    status: 400,
    where: 'shared',
    description: 'A guardian approval key is not a valid P-256 public key.',
  },
  certificate_invalid: {
    status: 400,
    where: 'shared',
    description: 'Not a PEM or DER certificate.',
  },

  // ── Key ceremonies (DKG, refresh, repair) ──────────────────────────────────────────────
  ceremony_approval_invalid: {
    status: 403,
    where: 'shared',
    description: 'A ceremony approval is not from a guardian of this group.',
  },
  ceremony_approvals_insufficient: {
    status: 403,
    where: 'shared',
    description: 'Too few guardian approvals for the ceremony.',
  },
  ceremony_transcript_invalid: {
    status: 400,
    where: 'shared',
    description: 'The ceremony transcript is malformed.',
  },
  ceremony_transcript_mismatch: {
    status: 403,
    where: 'signer',
    description: 'The ceremony transcript differs from the one approved.',
  },
  ceremony_config_mismatch: {
    status: 403,
    where: 'signer',
    description: 'The message is not the group configuration this signer computed.',
  },
  ceremony_group_changed: {
    status: 403,
    where: 'shared',
    description: 'The ceremony would change the group key it must keep.',
  },
  ceremony_not_pending: {
    status: 403,
    where: 'signer',
    description: 'No key ceremony result is pending at this signer.',
  },
  ceremony_step_invalid: {
    status: 400,
    where: 'signer',
    description: 'This ceremony takes no such step.',
  },
  ceremony_unauthorized: {
    status: 403,
    where: 'signer',
    description: "A key ceremony needs its transcript and the guardians' approvals.",
  },
  ceremony_unguarded: {
    status: 403,
    where: 'signer',
    description: 'This signer has no guardians configured.',
  },
  ceremony_share_invalid: {
    status: 500,
    where: 'api',
    description: "A signer's signature share does not verify against its new verifying share.",
  },
  ceremony_commit_incomplete: {
    status: 500,
    where: 'api',
    description: 'Some signers did not commit the signed group configuration.',
  },
  dkg_disagreement: {
    status: 500,
    where: 'api',
    description: 'Signers finished the ceremony with different results; the run is void.',
  },
  dkg_announcement_invalid: {
    status: 403,
    where: 'signer',
    description: "A peer's DKG announcement does not verify.",
  },
  dkg_announcements_invalid: {
    status: 400,
    where: 'signer',
    description: 'DKG needs exactly one announcement from every other signer.',
  },
  dkg_group_exists: {
    status: 409,
    where: 'signer',
    description: 'This signer already holds a group key.',
  },
  dkg_params_invalid: {
    status: 400,
    where: 'signer',
    description: 'The DKG parameters are out of bounds.',
  },
  dkg_peer_attestation_failed: {
    status: 403,
    where: 'signer',
    description: 'A peer signer did not attest; no DKG material is sent to it.',
  },
  dkg_session_unknown: {
    status: 403,
    where: 'signer',
    description: 'No key ceremony with this session id is in progress.',
  },
  frost_bad_length: {
    status: 400,
    where: 'shared',
    description: 'A FROST value has the wrong length.',
  },
  frost_commitment_mismatch: {
    status: 400,
    where: 'shared',
    description: 'A listed commitment is not the one the nonces commit to.',
  },
  frost_dkg_invalid: {
    status: 400,
    where: 'shared',
    description: 'A DKG package failed verification.',
  },
  frost_duplicate_id: { status: 400, where: 'shared', description: 'A participant appears twice.' },
  frost_envelope_invalid: {
    status: 400,
    where: 'shared',
    description: 'A DKG recipient envelope is malformed.',
  },
  frost_identity: { status: 400, where: 'shared', description: 'A point is the identity element.' },
  frost_invalid_group: {
    status: 400,
    where: 'shared',
    description: 'The group key JSON is malformed.',
  },
  frost_invalid_point: {
    status: 400,
    where: 'shared',
    description: 'Not a canonical encoding of a prime-order Ed25519 point.',
  },
  frost_invalid_scalar: { status: 400, where: 'shared', description: 'A scalar is out of range.' },
  frost_missing_self: {
    status: 400,
    where: 'shared',
    description: 'The commitment list omits this participant.',
  },
  frost_missing_share: {
    status: 400,
    where: 'shared',
    description: 'A signature share is missing.',
  },
  frost_refresh_invalid: {
    status: 400,
    where: 'shared',
    description: 'A share refresh package is invalid.',
  },
  frost_repair_invalid: {
    status: 400,
    where: 'shared',
    description: 'A share repair package is invalid.',
  },
  frost_too_few_signers: {
    status: 400,
    where: 'shared',
    description: 'Fewer commitments than the threshold.',
  },
  frost_unknown_id: {
    status: 400,
    where: 'shared',
    description: 'A participant is not in this group.',
  },

  // ── Signer attestation (SEV-SNP) ───────────────────────────────────────────────────────
  attestation_nonce_invalid: {
    status: 400,
    where: 'signer',
    description: 'The attestation nonce has the wrong length.',
  },
  attestation_collect_failed: {
    status: 503,
    where: 'signer',
    description: 'The signer could not collect an attestation report.',
  },
  attestation_unavailable: {
    status: 503,
    where: 'shared',
    description: 'No SEV-SNP attestation is available here.',
  },
  attestation_kds_unavailable: {
    status: 503,
    where: 'shared',
    description: 'The AMD key distribution service cannot be reached.',
  },
  attestation_binding_invalid: {
    status: 400,
    where: 'shared',
    description: 'The attestation binding is malformed.',
  },
  attestation_cert_table: {
    status: 400,
    where: 'shared',
    description: 'The attestation certificate table is malformed.',
  },
  attestation_certificate_invalid: {
    status: 400,
    where: 'shared',
    description: 'An attestation certificate is malformed.',
  },
  attestation_evidence_invalid: {
    status: 400,
    where: 'shared',
    description: 'The attestation evidence is malformed.',
  },
  attestation_report_length: {
    status: 400,
    where: 'shared',
    description: 'The attestation report has the wrong length.',
  },
  attestation_report_malformed: {
    status: 400,
    where: 'shared',
    description: 'The attestation report is malformed.',
  },
  attestation_report_reserved: {
    status: 400,
    where: 'shared',
    description: 'The attestation report sets reserved bits.',
  },
  attestation_report_version: {
    status: 400,
    where: 'shared',
    description: 'The attestation report version is not supported.',
  },
  attestation_requirements_invalid: {
    status: 400,
    where: 'shared',
    description: 'The attestation requirements are malformed.',
  },
  attestation_missing: {
    status: 403,
    where: 'shared',
    description: 'An attestation is required and missing.',
  },
  attestation_product: {
    status: 403,
    where: 'shared',
    description: 'The attested product is not allowed.',
  },
  attestation_cert_chain: {
    status: 403,
    where: 'shared',
    description: 'The VCEK certificate chain does not verify.',
  },
  attestation_cert_expired: {
    status: 403,
    where: 'shared',
    description: 'An attestation certificate is outside its validity.',
  },
  attestation_vcek_tcb: {
    status: 403,
    where: 'shared',
    description: 'The VCEK TCB does not match the report.',
  },
  attestation_vcek_hwid: {
    status: 403,
    where: 'shared',
    description: 'The VCEK hardware id does not match the report.',
  },
  attestation_signature: {
    status: 403,
    where: 'shared',
    description: 'The report signature does not verify.',
  },
  attestation_guest_policy: {
    status: 403,
    where: 'shared',
    description: 'The guest policy is not allowed.',
  },
  attestation_tcb_too_low: {
    status: 403,
    where: 'shared',
    description: 'The TCB is below the required minimum.',
  },
  attestation_vmpl: {
    status: 403,
    where: 'shared',
    description: 'The report VMPL exceeds the maximum.',
  },
  attestation_measurement: {
    status: 403,
    where: 'shared',
    description: 'The launch measurement is not allowed.',
  },
  attestation_report_data: {
    status: 403,
    where: 'shared',
    description: 'The report data does not bind the expected nonce or key.',
  },
  attestation_policy_mismatch: {
    status: 403,
    where: 'shared',
    description: 'The attestation does not satisfy the policy requirements.',
  },

  // ── Coordinator store ──────────────────────────────────────────────────────────────────
  store_unavailable: {
    status: 503,
    where: 'api',
    description: 'The store cannot be reached or lacks resources (disk full); retry later.',
  },
  store_query_failed: {
    status: 500,
    where: 'api',
    description: 'A store statement failed unexpectedly.',
  },
  store_closed: { status: 500, where: 'api', description: 'The store was used after it closed.' },
  store_schema_too_new: {
    status: 500,
    where: 'daemon',
    description: 'The database holds a schema newer than this coordinator knows.',
  },
  store_migration_modified: {
    status: 500,
    where: 'daemon',
    description: 'An applied migration differs from the one this coordinator carries.',
  },
  store_invalid_argument: {
    status: 500,
    where: 'api',
    description: 'The store was passed an argument it cannot take (a bug).',
  },
  store_not_found: { status: 404, where: 'api', description: 'No stored row with that key.' },
  store_conflict: {
    status: 409,
    where: 'api',
    description: 'A stored row with that key exists already or contradicts this one.',
  },
  store_enrollment_revoked: {
    status: 409,
    where: 'api',
    description: 'The enrollment is revoked.',
  },
  store_duplicate_approval: {
    status: 409,
    where: 'api',
    description: 'This guardian has already approved this request.',
  },
  store_request_not_pending: {
    status: 409,
    where: 'api',
    description: 'The request is no longer pending.',
  },
  store_request_expired: {
    status: 409,
    where: 'api',
    description: "The request's expiry has passed.",
  },
  store_approvals_insufficient: {
    status: 409,
    where: 'api',
    description: 'The request has fewer approvals than required.',
  },
  store_invalid_transition: {
    status: 409,
    where: 'api',
    description: 'The request lifecycle does not allow this status change.',
  },
  store_challenge_unknown: {
    status: 401,
    where: 'api',
    description: 'The challenge is unknown or was consumed.',
  },
  store_challenge_expired: { status: 401, where: 'api', description: 'The challenge expired.' },

  // Transparency log: receipts, tiles and export (docs/audit.md)
  receipt_not_found: {
    status: 404,
    where: 'api',
    description: 'No mint or enrollment with this id (`jti`, `cert_id`) is in the audit log.',
  },
  receipt_pending: {
    status: 409,
    where: 'api',
    description:
      'The entry is in the audit log but no signed checkpoint covers it yet, or none with the witness cosignatures `audit.witnessing.minCosignatures` requires; retry after `Retry-After` seconds.',
  },
  checkpoint_missing: {
    status: 404,
    where: 'api',
    description: 'The audit log has no signed checkpoint yet.',
  },
  tile_not_found: {
    status: 404,
    where: 'api',
    description:
      'No such tile or entry bundle under the latest checkpoint (malformed path, or beyond its tree size).',
  },
  audit_log_inconsistent: {
    status: 500,
    where: 'api',
    description:
      "The stored entries do not hash to the stored checkpoint's root: the log was altered (details only in the log).",
  },
  export_source_invalid: {
    status: 502,
    where: 'cli',
    description:
      "The export source's checkpoint or tiles are malformed, or its tiles do not hash to its checkpoint's root.",
  },
  export_conflict: {
    status: 409,
    where: 'cli',
    description:
      'A full tile or entry bundle already at the export target differs from the log (never rewritten).',
  },
  export_target_failed: {
    status: 503,
    where: 'cli',
    description: 'The export target (directory or S3 bucket) refused a read or a write.',
  },

  // ── Daemon start-up: configuration, share vault, PKCS#11 tokens ────────────────────────
  config_invalid: {
    status: 400,
    where: 'daemon',
    description: 'A configuration file is malformed.',
  },
  config_unreadable: {
    status: 400,
    where: 'daemon',
    description: 'A configuration file cannot be read.',
  },
  vault_config: { status: 500, where: 'daemon', description: 'The share vault is misconfigured.' },
  vault_format: {
    status: 500,
    where: 'daemon',
    description: 'The sealed share was written by another vault kind.',
  },
  vault_binding_mismatch: {
    status: 500,
    where: 'daemon',
    description: 'The sealed share belongs to another signer or group.',
  },
  vault_share_missing: {
    status: 500,
    where: 'daemon',
    description: 'No sealed share for this signer and group.',
  },
  vault_unseal_failed: {
    status: 500,
    where: 'daemon',
    description: 'The token could not open the share sealed to it.',
  },
  pkcs11_failed: { status: 500, where: 'daemon', description: 'A PKCS#11 call failed.' },
  pkcs11_key_ambiguous: {
    status: 500,
    where: 'daemon',
    description: 'Several keys match; give both label and id.',
  },
  pkcs11_key_exists: {
    status: 500,
    where: 'daemon',
    description: 'The token already has such a key.',
  },
  pkcs11_key_not_creatable: {
    status: 500,
    where: 'daemon',
    description: 'The token cannot create the key through PKCS#11.',
  },
  pkcs11_key_not_found: { status: 500, where: 'daemon', description: 'The token has no such key.' },
  pkcs11_key_unusable: {
    status: 500,
    where: 'daemon',
    description: 'The key may not be used for this operation.',
  },
  pkcs11_mechanism_unsupported: {
    status: 500,
    where: 'daemon',
    description: 'The token lacks a required mechanism.',
  },
  pkcs11_module_unavailable: {
    status: 503,
    where: 'daemon',
    description: 'The PKCS#11 module failed to load or initialise.',
  },
  pkcs11_no_free_slot: {
    status: 500,
    where: 'daemon',
    description: 'The module offers no uninitialised slot.',
  },
  pkcs11_pin_incorrect: {
    status: 500,
    where: 'daemon',
    description: 'The token rejected the PIN.',
  },
  pkcs11_pin_locked: {
    status: 500,
    where: 'daemon',
    description: 'The PIN is blocked; unblock it with the SO PIN.',
  },
  pkcs11_pin_unavailable: { status: 500, where: 'daemon', description: 'No PIN was given.' },
  pkcs11_token_ambiguous: {
    status: 500,
    where: 'daemon',
    description: 'Several tokens match; select one by slot.',
  },
  pkcs11_token_exists: {
    status: 500,
    where: 'daemon',
    description: 'A token with that label exists already.',
  },
  pkcs11_token_not_present: {
    status: 503,
    where: 'daemon',
    description: 'The token is not inserted.',
  },
  pkcs11_token_unavailable: {
    status: 503,
    where: 'daemon',
    description: 'The token stopped answering.',
  },
  pkcs11_timeout: {
    status: 503,
    where: 'daemon',
    description: 'The token did not answer in time (touch it when it blinks).',
  },

  // ── Command lines (never on a wire) ────────────────────────────────────────────────────
  cli_usage: { status: 400, where: 'cli', description: 'Bad command line or options.' },
  coordinator_unreachable: {
    status: 503,
    where: 'cli',
    description: 'The coordinator cannot be reached.',
  },
  coordinator_answer_invalid: {
    status: 502,
    where: 'cli',
    description: 'The coordinator answered something that is not the documented shape.',
  },
  coordinator_refused: {
    status: 500,
    where: 'cli',
    description: 'The coordinator refused the request (the message carries its code).',
  },
  approval_ambiguous: {
    status: 400,
    where: 'cli',
    description: 'Several requests are pending: pass `--request <id>`.',
  },
  approval_duplicate: {
    status: 500,
    where: 'cli',
    description: 'You have already approved this request.',
  },
  approval_not_found: {
    status: 500,
    where: 'cli',
    description: 'No such pending request at the coordinator.',
  },
  approval_unconfirmed: {
    status: 500,
    where: 'cli',
    description: 'Not confirmed; nothing was signed.',
  },
  registration_timeout: {
    status: 500,
    where: 'cli',
    description: 'Nobody registered a credential on the page in time.',
  },
  ceremony_aborted: {
    status: 500,
    where: 'cli',
    description: 'The ceremony failed midway and was aborted at every signer.',
  },
  ceremony_file_invalid: {
    status: 400,
    where: 'cli',
    description: 'The ceremony file is malformed.',
  },
  ceremony_not_a_guardian: {
    status: 403,
    where: 'cli',
    description: "The token's approval key is not one of this ceremony's guardians.",
  },
  guardian_record_invalid: {
    status: 400,
    where: 'cli',
    description: 'The guardian record is malformed.',
  },
  policy_approval_invalid: {
    status: 403,
    where: 'cli',
    description: 'The token produced a policy approval signature that does not verify.',
  },
  status_unhealthy: {
    status: 500,
    where: 'cli',
    description: 'Not every signer is ready with the group key.',
  },
  bad_answer: { status: 500, where: 'cli', description: 'The coordinator answered without JSON.' },
  // Transparency log: what signers check before co-signing a checkpoint (docs/audit-signers.md)
  note_malformed: {
    status: 400,
    where: 'shared',
    description:
      'The text is not a C2SP signed note (layout, encoding, key name or signature line).',
  },
  note_signature_invalid: {
    status: 403,
    where: 'shared',
    description: 'A note signature by a trusted key does not verify; the whole note is refused.',
  },
  note_unverified: {
    status: 403,
    where: 'shared',
    description: 'The note carries no signature by any trusted key.',
  },
  checkpoint_malformed: {
    status: 400,
    where: 'shared',
    description: 'The text is not a C2SP tlog-checkpoint (origin, tree size, 32-byte root hash).',
  },
  checkpoint_origin_mismatch: {
    status: 403,
    where: 'signer',
    description: "The checkpoint names another log origin than this signer's `audit.origin`.",
  },
  checkpoint_shrunk: {
    status: 409,
    where: 'signer',
    description:
      'The checkpoint is smaller than the last one this signer co-signed (truncated log).',
  },
  checkpoint_fork: {
    status: 409,
    where: 'signer',
    description:
      'The checkpoint has the size of the last one this signer co-signed but another root (fork).',
  },
  checkpoint_inconsistent: {
    status: 409,
    where: 'signer',
    description:
      'No valid RFC 9162 consistency proof from the last checkpoint this signer co-signed (rewritten log).',
  },
  checkpoint_inclusion_invalid: {
    status: 403,
    where: 'signer',
    description:
      'An inclusion proof for a token this signer co-signed does not verify, or its entry names another signing input.',
  },
  log_merge_overdue: {
    status: 403,
    where: 'signer',
    description:
      'A token or certificate this signer co-signed is still not in the log after the maximum merge delay; the signer refuses to sign until a checkpoint proves it logged.',
  },
  receipt_malformed: {
    status: 400,
    where: 'shared',
    description: 'The receipt is not a version 1 receipt (fields, base64, checkpoint note).',
  },
  receipt_origin_mismatch: {
    status: 403,
    where: 'shared',
    description: "The receipt's checkpoint names another log origin than the one expected.",
  },
  receipt_signature_invalid: {
    status: 403,
    where: 'shared',
    description: "The receipt's checkpoint is not signed by the group key (or a listed older one).",
  },
  receipt_inclusion_invalid: {
    status: 403,
    where: 'shared',
    description:
      "The entry is not in the checkpoint's tree at the receipt's index (entry or proof altered).",
  },
  receipt_entry_mismatch: {
    status: 403,
    where: 'shared',
    description: "The receipt's entry does not record the given token (`token_sha256`).",
  },
  receipt_witness_invalid: {
    status: 403,
    where: 'shared',
    description: 'A cosignature by a trusted witness on the checkpoint does not verify.',
  },
  receipt_witnesses_missing: {
    status: 403,
    where: 'shared',
    description: 'Fewer trusted witnesses cosigned the checkpoint than the policy requires.',
  },
  // Transparency log: witnesses and the audit CLI (docs/audit.md)
  witness_unreachable: {
    status: 502,
    where: 'daemon',
    description:
      'An external witness (C2SP tlog-witness) did not answer, or answered with an unexpected status; the checkpoint lacks its cosignature.',
  },
  witness_refused: {
    status: 502,
    where: 'daemon',
    description:
      'An external witness refused the checkpoint: unknown log (404) or a quorum signature it does not trust (403).',
  },
  witness_inconsistent: {
    status: 502,
    where: 'daemon',
    description:
      'An external witness found the checkpoint inconsistent with the last one it cosigned (HTTP 422): a fork or a rewritten log.',
  },
  witness_conflict: {
    status: 502,
    where: 'daemon',
    description:
      'An external witness kept answering 409 (its last size moved, or is beyond this checkpoint).',
  },
  witness_answer_invalid: {
    status: 502,
    where: 'daemon',
    description:
      'An external witness answered 200 without a valid cosignature by its configured key on this checkpoint.',
  },
  checkpoint_witnesses_missing: {
    status: 503,
    where: 'daemon',
    description:
      'Fewer external witnesses cosigned the checkpoint than `audit.witnessing.minCosignatures` requires; it is reported, never passed off as witnessed.',
  },
  audit_fork_detected: {
    status: 409,
    where: 'cli',
    description:
      '`frostmint audit monitor` saw two checkpoints of the log that are not consistent (a fork, a rewritten or truncated log).',
  },
  audit_log_unreachable: {
    status: 502,
    where: 'cli',
    description:
      '`frostmint audit` could not read the log (checkpoint, tiles, proof or receipt) from the coordinator.',
  },
  audit_jwks_invalid: {
    status: 400,
    where: 'cli',
    description:
      'The JWKS given to `frostmint audit` holds no Ed25519 (OKP) key to verify checkpoints with.',
  },
} as const satisfies Record<string, ErrorCodeSpec>;

/** Who may answer with a code (see `ERROR_CODES`). */
export type ErrorOrigin = 'api' | 'signer' | 'shared' | 'cli' | 'daemon';

/** One row of `ERROR_CODES`. */
export interface ErrorCodeSpec {
  /** The HTTP status a request answered with this code gets. */
  readonly status: ErrorStatus;
  readonly where: ErrorOrigin;
  /** One sentence for the errors reference; the error's own message adds the specifics. */
  readonly description: string;
}

/** The HTTP statuses frostmint answers errors with. */
export type ErrorStatus =
  | 400
  | 401
  | 403
  | 404
  | 405
  | 409
  | 410
  | 413
  | 414
  | 415
  | 429
  | 500
  | 502
  | 503;

/** Every stable error code: a closed union, so a misspelt code fails typecheck. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes answered with HTTP status `S`, e.g. `ErrorCodeWithStatus<404>`. */
export type ErrorCodeWithStatus<S extends ErrorStatus> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C]['status'] extends S ? C : never;
}[ErrorCode];

/** The codes a signer answers over gRPC (its own refusals and the shared core checks). */
export type SignerErrorCode = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C]['where'] extends 'signer' | 'shared' ? C : never;
}[ErrorCode];

/**
 * True when `value` is one of the known codes; narrows a code read off a wire.
 *
 * @example
 * ```ts
 * const code = isErrorCode(body.error) ? body.error : 'coordinator_answer_invalid';
 * ```
 */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/**
 * The codes the coordinator's HTTP API may answer with (its own, the shared checks, and
 * signer refusals it relays): the `error` enum of the OpenAPI document.
 *
 * @example
 * ```ts
 * httpErrorCodes().includes('request_not_found'); // true
 * ```
 */
export function httpErrorCodes(): ErrorCode[] {
  return (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => {
    const where = ERROR_CODES[code].where;
    return where === 'api' || where === 'signer' || where === 'shared';
  });
}
