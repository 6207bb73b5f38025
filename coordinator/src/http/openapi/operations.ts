import { type ErrorCode, SignedPolicyBundleSchema } from '@frostmint/core';
import type { ZodType } from 'zod';
import { GuardianAnswerSchema, PollQuerySchema } from '../../approvals/routes.ts';
import { BindSchema, RegistrationParamsSchema, StartSchema } from '../../approvals/web/routes.ts';
import {
  KeyChangeBodySchema,
  KeyParamsSchema,
  PublishKeyBodySchema,
} from '../../keys/key-routes.ts';
import { OneStepMintBodySchema } from '../../mint-body.ts';
import {
  AssertionBodySchema,
  BeginEnrollmentBodySchema,
  BeginRenewalBodySchema,
  CredentialParamsSchema,
  EnrollmentIdTokenBodySchema,
  PrepareMintBodySchema,
  RequestParamsSchema,
  RevokeBodySchema,
  TapPageParamsSchema,
} from '../../requests/schemas.ts';
import { ReceiptParamsSchema, TileParamsSchema } from '../audit-routes.ts';
import { InputJson } from '../input.ts';

/** How a caller authenticates to an operation (the OpenAPI security scheme names). */
export type Auth = 'requester' | 'operator' | 'requestSecret' | 'none';

/**
 * One served route as the OpenAPI document describes it. The schemas are the very ones the
 * route validates with (`parseInput`), so the document cannot drift from the checks.
 */
export interface Operation {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The route's URL as registered (`/v1/mint/requests/:id`). */
  readonly url: string;
  readonly summary: string;
  readonly tag:
    | 'mint'
    | 'approvals'
    | 'enrollment'
    | 'guardian credentials'
    | 'policy'
    | 'keys'
    | 'metadata'
    | 'operations'
    | 'audit'
    | 'pages';
  readonly auth: Auth;
  readonly params?: ZodType;
  readonly query?: ZodType;
  readonly body?: ZodType;
  /** Successful statuses and what they carry. */
  readonly ok: Readonly<Record<number, string>>;
  /** What a success answers with, when it is not JSON. */
  readonly contentType?:
    | 'text/html'
    | 'text/javascript'
    | 'text/plain'
    | 'text/plain; charset=utf-8'
    | 'application/octet-stream';
  /** The error codes this operation answers with beyond the generic ones (see document.ts). */
  readonly errors: readonly ErrorCode[];
}

const tokenErrors: ErrorCode[] = [
  'scope_invalid',
  'ttl_too_long',
  'policy_denied',
  'group_missing',
  'group_key_switched',
  'quorum_unavailable',
  'signer_attestation_unavailable',
];

/** The routes that read the requester's address (`http/source-address.ts`). */
const sourceErrors: ErrorCode[] = ['forwarded_for_invalid'];

/** A `DPoP` proof header (RFC 9449) on the mint routes: refused rather than ignored. */
const dpopErrors: ErrorCode[] = ['dpop_proof_invalid', 'dpop_proof_replayed', 'dpop_unsupported'];

/**
 * Every route the coordinator can serve (some only with WebAuthn, approvals or policy
 * rollout configured). `test/integration/openapi.test.ts` checks this list against the
 * route table of a coordinator serving all of them.
 */
export const OPERATIONS: readonly Operation[] = [
  {
    method: 'POST',
    url: '/v1/mint',
    summary:
      'Mint a token in one step (dev bearer or CI ID token); 202 when guardians must approve first',
    tag: 'mint',
    auth: 'requester',
    body: OneStepMintBodySchema,
    ok: {
      200: 'the token (and, asked with `wait_for_receipt`, its receipt, or `receipt: null` when no checkpoint covered it in time)',
      202: 'waiting for guardian approvals: request id and poll secret',
    },
    errors: [
      'unauthenticated',
      'oidc_token_replayed',
      'oidc_token_expired',
      'oidc_issuer_untrusted',
      'oidc_audience_invalid',
      'oidc_alg_not_allowed',
      'oidc_signature_invalid',
      'oidc_token_invalid',
      'rate_limited',
      ...tokenErrors,
      ...dpopErrors,
      ...sourceErrors,
      'guardians_missing',
    ],
  },
  {
    method: 'POST',
    url: '/v1/mint/requests',
    summary: 'Prepare a two-step (WebAuthn tap) mint for a user',
    tag: 'mint',
    auth: 'none',
    body: PrepareMintBodySchema,
    ok: { 201: 'request id, tap URL and WebAuthn request options' },
    errors: [
      'webauthn_disabled',
      'not_enrolled',
      'rate_limited',
      'result_key_invalid',
      ...tokenErrors,
      ...dpopErrors,
      ...sourceErrors,
    ],
  },
  {
    method: 'GET',
    url: '/v1/mint/requests/:id',
    summary: 'Status of a two-step mint request (and its sealed token once signed)',
    tag: 'mint',
    auth: 'none',
    params: RequestParamsSchema,
    ok: { 200: 'status, approvals and, when signed, the sealed result' },
    errors: ['request_not_found', 'request_expired'],
  },
  {
    method: 'POST',
    url: '/v1/mint/requests/:id/assertion',
    summary: "The requester's WebAuthn tap that approves the request",
    tag: 'mint',
    auth: 'none',
    params: RequestParamsSchema,
    body: AssertionBodySchema,
    ok: { 200: 'the token (or its sealed form)' },
    errors: [
      'request_not_found',
      'request_not_pending',
      'request_expired',
      'awaiting_approvals',
      'assertion_invalid',
      'challenge_expired',
      'challenge_used',
      'sign_count_regressed',
      'enrollment_revoked',
      'locked_out',
      'tap_window_lapsed',
      ...tokenErrors,
    ],
  },
  {
    method: 'GET',
    url: '/v1/mint/requests/:id/token',
    summary:
      "A one-step requester's poll for a token that waits for approvals (long poll up to `wait` s)",
    tag: 'approvals',
    auth: 'requestSecret',
    params: RequestParamsSchema,
    query: PollQuerySchema,
    ok: { 200: 'the token', 202: 'still waiting: who approved so far and the time left' },
    errors: [
      'unauthenticated',
      'request_not_found',
      'request_denied',
      'request_already_minted',
      'request_expired',
      'quorum_unavailable',
    ],
  },
  {
    method: 'GET',
    url: '/v1/approvals/pending',
    summary: 'Requests waiting for guardian approvals, with the exact approval subject',
    tag: 'approvals',
    auth: 'none',
    ok: { 200: '`{requests: [...]}`' },
    errors: [],
  },
  {
    method: 'POST',
    url: '/v1/mint/requests/:id/approvals',
    summary: "A guardian's signed approval (ES256 over the approval subject)",
    tag: 'approvals',
    auth: 'none',
    params: RequestParamsSchema,
    body: GuardianAnswerSchema,
    ok: { 200: 'approvals so far and whether the request is approved' },
    errors: [
      'request_not_found',
      'request_not_pending',
      'approval_invalid',
      'guardians_missing',
      'store_duplicate_approval',
    ],
  },
  {
    method: 'POST',
    url: '/v1/mint/requests/:id/denials',
    summary: "A guardian's signed denial",
    tag: 'approvals',
    auth: 'none',
    params: RequestParamsSchema,
    body: GuardianAnswerSchema,
    ok: { 200: '`{status: "denied"}`' },
    errors: ['request_not_found', 'request_not_pending', 'denial_invalid', 'guardians_missing'],
  },
  {
    method: 'GET',
    url: '/v1/approvals/:id',
    summary:
      'What the web approval page shows: the request in words, approvals so far, and WebAuthn options',
    tag: 'approvals',
    auth: 'none',
    params: RequestParamsSchema,
    ok: { 200: 'the request, its approval state and the assertion options' },
    errors: ['request_not_found', 'webauthn_disabled', 'web_approval_unsupported'],
  },
  {
    method: 'POST',
    url: '/v1/mint/requests/:id/webauthn-approvals',
    summary: "A guardian's WebAuthn approval made on the approval page",
    tag: 'approvals',
    auth: 'none',
    params: RequestParamsSchema,
    body: AssertionBodySchema,
    ok: { 200: 'approvals so far and whether the request is approved' },
    errors: [
      'request_not_found',
      'request_not_pending',
      'assertion_invalid',
      'credential_not_bound',
      'binding_expired',
      'binding_invalid',
      'challenge_used',
      'sign_count_regressed',
      'store_duplicate_approval',
      'webauthn_disabled',
      'web_approval_unsupported',
    ],
  },
  {
    method: 'POST',
    url: '/v1/enrollments',
    summary: 'Start enrolling a user (operator)',
    tag: 'enrollment',
    auth: 'operator',
    body: BeginEnrollmentBodySchema,
    ok: { 201: 'enrollment request id and tap URL' },
    errors: [
      'unauthenticated',
      'operator_unconfigured',
      'webauthn_disabled',
      'policy_denied',
      'enrollment_unproven',
    ],
  },
  {
    method: 'GET',
    url: '/v1/enrollments/requests/:id',
    summary: 'Status of an enrollment request (and the certificate once signed)',
    tag: 'enrollment',
    auth: 'none',
    params: RequestParamsSchema,
    ok: { 200: 'status, creation options, and the certificate when done' },
    errors: ['request_not_found', 'request_expired'],
  },
  {
    method: 'POST',
    url: '/v1/enrollments/requests/:id/registration',
    summary: "The enrolling user's passkey registration (from the tap page)",
    tag: 'enrollment',
    auth: 'none',
    params: RequestParamsSchema,
    body: InputJson,
    ok: { 200: 'the registration is stored; the certificate follows' },
    errors: [
      'request_not_found',
      'request_expired',
      'registration_invalid',
      'registration_malformed',
      'registration_done',
      'awaiting_approvals',
      'tap_window_lapsed',
      'credential_already_enrolled',
      'challenge_used',
    ],
  },
  {
    method: 'POST',
    url: '/v1/enrollments/requests/:id/id-token',
    summary: 'The IdP login that proves who enrolls',
    tag: 'enrollment',
    auth: 'none',
    params: RequestParamsSchema,
    body: EnrollmentIdTokenBodySchema,
    ok: { 200: 'the enrollment certificate' },
    errors: [
      'request_not_found',
      'request_expired',
      'registration_missing',
      'id_token_replayed',
      'enrollment_id_token_nonce_mismatch',
      'enrollment_unproven',
      'oidc_token_invalid',
      'oidc_token_expired',
      'quorum_unavailable',
    ],
  },
  {
    method: 'POST',
    url: '/v1/enrollments/:credentialId/renewals',
    summary: 'Start renewing the enrollment of one credential',
    tag: 'enrollment',
    auth: 'none',
    params: CredentialParamsSchema,
    ok: { 201: 'renewal request id and tap URL' },
    errors: ['request_not_found', 'enrollment_revoked', 'webauthn_disabled'],
  },
  {
    method: 'POST',
    url: '/v1/enrollments/renewals',
    summary: "Start renewing a user's enrollment",
    tag: 'enrollment',
    auth: 'none',
    body: BeginRenewalBodySchema,
    ok: { 201: 'renewal request id and tap URL' },
    errors: ['not_enrolled', 'rate_limited', 'webauthn_disabled'],
  },
  {
    method: 'GET',
    url: '/v1/enrollments/renewals/:id',
    summary: 'Status of a renewal (and the new certificate once signed)',
    tag: 'enrollment',
    auth: 'none',
    params: RequestParamsSchema,
    ok: { 200: 'status and, when done, the certificate' },
    errors: ['request_not_found'],
  },
  {
    method: 'POST',
    url: '/v1/enrollments/renewals/:id/assertion',
    summary: 'The WebAuthn tap that renews',
    tag: 'enrollment',
    auth: 'none',
    params: RequestParamsSchema,
    body: AssertionBodySchema,
    ok: { 200: 'the new certificate' },
    errors: [
      'request_not_found',
      'request_not_pending',
      'request_expired',
      'assertion_invalid',
      'credential_not_enrolled',
      'enrollment_revoked',
      'locked_out',
      'quorum_unavailable',
    ],
  },
  {
    method: 'DELETE',
    url: '/v1/enrollments/:credentialId',
    summary: 'Revoke an enrollment (operator)',
    tag: 'enrollment',
    auth: 'operator',
    params: CredentialParamsSchema,
    body: RevokeBodySchema,
    ok: { 200: 'the revocation' },
    errors: ['unauthenticated', 'operator_unconfigured', 'store_not_found'],
  },
  {
    method: 'POST',
    url: '/v1/guardian-credentials/registrations',
    summary: "Start registering a guardian's passkey for web approvals",
    tag: 'guardian credentials',
    auth: 'none',
    body: StartSchema,
    ok: { 201: 'registration id, page URL and expiry' },
    errors: ['guardian_unknown', 'webauthn_disabled'],
  },
  {
    method: 'GET',
    url: '/v1/guardian-credentials/registrations/:id',
    summary: 'A guardian credential registration: status, creation options, the credential',
    tag: 'guardian credentials',
    auth: 'none',
    params: RegistrationParamsSchema,
    ok: { 200: 'the registration' },
    errors: ['guardian_unknown', 'request_expired'],
  },
  {
    method: 'POST',
    url: '/v1/guardian-credentials/registrations/:id/registration',
    summary: "The guardian's passkey registration (from the registration page)",
    tag: 'guardian credentials',
    auth: 'none',
    params: RegistrationParamsSchema,
    body: InputJson,
    ok: { 200: 'the registered credential' },
    errors: [
      'guardian_unknown',
      'registration_invalid',
      'registration_malformed',
      'registration_done',
      'store_challenge_unknown',
      'store_challenge_expired',
    ],
  },
  {
    method: 'POST',
    url: '/v1/guardian-credentials/registrations/:id/binding',
    summary: "The guardian's binding of the credential, signed with the approval key",
    tag: 'guardian credentials',
    auth: 'none',
    params: RegistrationParamsSchema,
    body: BindSchema,
    ok: { 200: 'the bound credential' },
    errors: [
      'guardian_unknown',
      'registration_pending',
      'binding_invalid',
      'binding_malformed',
      'binding_mismatch',
      'binding_expired',
      'store_conflict',
    ],
  },
  {
    method: 'GET',
    url: '/v1/policy',
    summary: 'The policy every signer enforces, and the rollout status',
    tag: 'policy',
    auth: 'none',
    ok: { 200: 'policy digest, version and per-signer status' },
    errors: [],
  },
  {
    method: 'PUT',
    url: '/v1/policy',
    summary: 'Install a guardian-approved policy bundle at every signer',
    tag: 'policy',
    auth: 'none',
    body: SignedPolicyBundleSchema,
    ok: { 200: 'the rollout result' },
    errors: ['policy_bundle_invalid', 'policy_bundle_rejected', 'policy_rollout_incomplete'],
  },
  {
    method: 'GET',
    url: '/v1/keys',
    summary: 'The stored group keys (next, current, retired) and the one this replica signs with',
    tag: 'keys',
    auth: 'operator',
    ok: { 200: '`{signing: {kid, epoch}, keys: [...]}`' },
    errors: ['unauthenticated', 'operator_unconfigured'],
  },
  {
    method: 'POST',
    url: '/v1/keys',
    summary:
      'Pre-publish a signed group configuration: a new key becomes next, a newer epoch replaces its key in place',
    tag: 'keys',
    auth: 'operator',
    body: PublishKeyBodySchema,
    ok: { 201: 'the stored key and its state' },
    errors: [
      'unauthenticated',
      'operator_unconfigured',
      'group_config_invalid',
      'group_config_unsigned',
      'group_key_not_held',
      'store_conflict',
      'store_invalid_transition',
    ],
  },
  {
    method: 'POST',
    url: '/v1/keys/:kid/switch',
    summary:
      'Make the next key sign; the current one is retired and stays published for its tokens',
    tag: 'keys',
    auth: 'operator',
    params: KeyParamsSchema,
    body: KeyChangeBodySchema,
    ok: { 200: 'the stored keys after the switch' },
    errors: [
      'unauthenticated',
      'operator_unconfigured',
      'group_key_not_prepublished',
      'store_not_found',
    ],
  },
  {
    method: 'POST',
    url: '/v1/keys/:kid/retire',
    summary:
      'Stop publishing a next key, or a retired key whose tokens have expired (force: a compromised key)',
    tag: 'keys',
    auth: 'operator',
    params: KeyParamsSchema,
    body: KeyChangeBodySchema,
    ok: { 200: 'the stored keys after the change' },
    errors: [
      'unauthenticated',
      'operator_unconfigured',
      'group_key_in_use',
      'store_not_found',
      'store_invalid_transition',
    ],
  },
  {
    method: 'GET',
    url: '/.well-known/jwks.json',
    summary: 'The group public key as a JWK Set (RFC 7517 §5)',
    tag: 'metadata',
    auth: 'none',
    ok: { 200: '`{keys: [...]}` (empty before DKG)' },
    errors: [],
  },
  {
    method: 'GET',
    url: '/.well-known/openid-configuration',
    summary: 'OpenID Connect Discovery 1.0 document (docs/metadata.md)',
    tag: 'metadata',
    auth: 'none',
    ok: { 200: 'the discovery document' },
    errors: [],
  },
  {
    method: 'GET',
    url: '/.well-known/oauth-authorization-server',
    summary: 'RFC 8414 authorization server metadata (docs/metadata.md)',
    tag: 'metadata',
    auth: 'none',
    ok: { 200: 'the metadata document' },
    errors: [],
  },
  {
    method: 'GET',
    url: '/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    tag: 'metadata',
    auth: 'none',
    ok: { 200: 'the document' },
    errors: [],
  },
  {
    method: 'GET',
    url: '/v1/audit/receipts/:jti',
    summary:
      "A mint's (or enrollment's) receipt: audit entry, leaf index, inclusion proof, signed checkpoint",
    tag: 'audit',
    auth: 'none',
    params: ReceiptParamsSchema,
    ok: { 200: 'the receipt (version 1, docs/audit.md)' },
    errors: ['receipt_not_found', 'receipt_pending', 'audit_log_inconsistent'],
  },
  {
    method: 'GET',
    url: '/audit/checkpoint',
    summary: 'The latest signed checkpoint (C2SP tlog-checkpoint as a signed note)',
    tag: 'audit',
    auth: 'none',
    contentType: 'text/plain; charset=utf-8',
    ok: { 200: 'the signed checkpoint note' },
    errors: ['checkpoint_missing'],
  },
  {
    method: 'GET',
    url: '/audit/tile/*',
    summary:
      'A C2SP tlog-tiles tile (`<L>/<N>[.p/<W>]`) or entry bundle (`entries/<N>[.p/<W>]`) under the latest checkpoint',
    tag: 'audit',
    auth: 'none',
    params: TileParamsSchema,
    contentType: 'application/octet-stream',
    ok: { 200: 'the tile (full ones immutable)' },
    errors: ['tile_not_found', 'audit_log_inconsistent'],
  },
  {
    method: 'GET',
    url: '/healthz',
    summary: 'Liveness',
    tag: 'operations',
    auth: 'none',
    ok: { 200: '`{status: "ok"}`' },
    errors: [],
  },
  {
    method: 'GET',
    url: '/readyz',
    summary: 'Readiness: group key, healthy signers, store and attestation status',
    tag: 'operations',
    auth: 'none',
    ok: { 200: 'ready', 503: 'not ready (same body)' },
    errors: [],
  },
  {
    method: 'GET',
    url: '/metrics',
    summary: 'Prometheus metrics',
    tag: 'operations',
    auth: 'none',
    contentType: 'text/plain',
    ok: { 200: 'Prometheus text exposition' },
    errors: [],
  },
  {
    method: 'GET',
    url: '/tap/:kind/:id',
    summary: 'The tap page: what the request asks, in words, and the WebAuthn tap',
    tag: 'pages',
    auth: 'none',
    params: TapPageParamsSchema,
    contentType: 'text/html',
    ok: { 200: 'the page' },
    errors: [],
  },
  {
    method: 'GET',
    url: '/tap.js',
    summary: 'Script of the tap page',
    tag: 'pages',
    auth: 'none',
    contentType: 'text/javascript',
    ok: { 200: 'the script' },
    errors: [],
  },
  {
    method: 'GET',
    url: '/approvals/:id',
    summary: 'The guardian approval page: the request in words, approvals so far, time left',
    tag: 'pages',
    auth: 'none',
    params: RequestParamsSchema,
    contentType: 'text/html',
    ok: { 200: 'the page' },
    errors: [],
  },
  {
    method: 'GET',
    url: '/guardians/register/:id',
    summary: 'The guardian passkey registration page',
    tag: 'pages',
    auth: 'none',
    params: RegistrationParamsSchema,
    contentType: 'text/html',
    ok: { 200: 'the page' },
    errors: [],
  },
  {
    method: 'GET',
    url: '/guardian.js',
    summary: 'Script of the guardian pages',
    tag: 'pages',
    auth: 'none',
    contentType: 'text/javascript',
    ok: { 200: 'the script' },
    errors: [],
  },
];
