import { type GuardianBinding, type Receipt, receiptSchema } from '@frostmint/core';
import { type Answer, type CallOptions, call, parseAnswer } from './http.ts';
import {
  type AnswerResult,
  AnswerResultSchema,
  type GuardianAnswer,
  type GuardianRegistration,
  GuardianRegistrationSchema,
  type GuardianRegistrationStatus,
  GuardianRegistrationStatusSchema,
  PendingListSchema,
  type PendingRequest,
} from './wire/approvals.ts';
import {
  type BeginRenewalBody,
  type EnrollmentStatus,
  EnrollmentStatusSchema,
  type PreparedEnrollment,
  PreparedEnrollmentSchema,
  type RenewalBegun,
  RenewalBegunSchema,
  type RenewalStatus,
  RenewalStatusSchema,
} from './wire/enrollment.ts';
import {
  type Discovery,
  DiscoverySchema,
  type Jwks,
  JwksSchema,
  type PolicySubmitResult,
  PolicySubmitResultSchema,
} from './wire/metadata.ts';
import {
  type MintBody,
  type MintedToken,
  MintedTokenSchema,
  type MintRequestStatus,
  MintRequestStatusSchema,
  type PendingMint,
  PendingMintSchema,
  type PollStatus,
  PollStatusSchema,
  type PreparedMint,
  PreparedMintSchema,
  type PrepareMintBody,
} from './wire/mint.ts';

/** How to reach the coordinator. */
export interface CoordinatorClientOptions {
  /** Base URL, e.g. `https://mint.example`. */
  readonly baseUrl: string;
  /** Per-call time limit in ms (default 60 s; long polls add their wait). */
  readonly timeoutMs?: number;
  /** For tests and instrumentation; the global `fetch` otherwise. */
  readonly fetch?: typeof fetch;
}

/** `POST /v1/mint`: the token, or a request waiting for guardian approvals. */
export type MintOutcome =
  | { readonly kind: 'minted'; readonly token: MintedToken }
  | { readonly kind: 'pending'; readonly pending: PendingMint };

/** One poll of a waiting one-step mint. */
export type PollOutcome =
  | { readonly kind: 'minted'; readonly token: MintedToken }
  | { readonly kind: 'waiting'; readonly status: PollStatus };

/**
 * The one typed client of the coordinator's HTTP API (docs/api.md), used by `frostmint`,
 * `frostmint-guardian` and the tests. Every answer is checked against its wire schema
 * (`wire/`); every error answer becomes a `CoordinatorError` carrying the server's
 * `{error, message}` and status; redirects are never followed.
 *
 * @example
 * ```ts
 * const client = new CoordinatorClient({ baseUrl: 'https://mint.example' });
 * const outcome = await client.mint({ scope: ['deploy:canary'], audience: 'deploy-api' }, idToken);
 * if (outcome.kind === 'minted') console.log(outcome.token.token);
 * ```
 */
export class CoordinatorClient {
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: CoordinatorClientOptions) {
    this.baseUrl = new URL(options.baseUrl).href;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#fetch = options.fetch ?? fetch;
  }

  /** `POST /v1/mint` with the requester's bearer credential (ID token, dev bearer). */
  async mint(body: MintBody, bearer: string, dpop?: string): Promise<MintOutcome> {
    const answer = await this.#call({
      method: 'POST',
      path: '/v1/mint',
      body,
      bearer,
      ...(dpop === undefined ? {} : { dpop }),
      timeoutMs: this.#timeoutMs + (body.wait_for_receipt ?? 0) * 1000,
    });
    return answer.status === 202
      ? { kind: 'pending', pending: parseAnswer(PendingMintSchema, answer, 'pending mint') }
      : { kind: 'minted', token: parseAnswer(MintedTokenSchema, answer, 'mint answer') };
  }

  /**
   * `GET /v1/mint/requests/{id}/token?wait=<s>` with the request secret: long-polls a mint
   * waiting for guardian approvals (the server holds it up to `waitSeconds`, at most 60).
   */
  async pollMint(requestId: string, secret: string, waitSeconds: number): Promise<PollOutcome> {
    const wait = Math.max(0, Math.min(60, Math.floor(waitSeconds)));
    const answer = await this.#call({
      method: 'GET',
      path: `/v1/mint/requests/${encodeURIComponent(requestId)}/token?wait=${wait}`,
      bearer: secret,
      timeoutMs: this.#timeoutMs + wait * 1000,
    });
    return answer.status === 202
      ? { kind: 'waiting', status: parseAnswer(PollStatusSchema, answer, 'poll status') }
      : { kind: 'minted', token: parseAnswer(MintedTokenSchema, answer, 'mint answer') };
  }

  /** `POST /v1/mint/requests`: prepares a two-step mint approved with a passkey tap. */
  async prepareMint(body: PrepareMintBody, dpop?: string): Promise<PreparedMint> {
    const answer = await this.#call({
      method: 'POST',
      path: '/v1/mint/requests',
      body,
      ...(dpop === undefined ? {} : { dpop }),
    });
    return parseAnswer(PreparedMintSchema, answer, 'prepared mint');
  }

  /** `GET /v1/mint/requests/{id}`: where a two-step mint stands. */
  async mintRequest(requestId: string): Promise<MintRequestStatus> {
    const answer = await this.#call({
      method: 'GET',
      path: requestPath('/v1/mint/requests', requestId),
    });
    return parseAnswer(MintRequestStatusSchema, answer, 'mint request status');
  }

  /** `POST /v1/enrollments` with the enrollment operator's credential. */
  async beginEnrollment(
    body: { user: string; roles: readonly string[] },
    operatorBearer: string,
  ): Promise<PreparedEnrollment> {
    const answer = await this.#call({
      method: 'POST',
      path: '/v1/enrollments',
      body,
      bearer: operatorBearer,
    });
    return parseAnswer(PreparedEnrollmentSchema, answer, 'enrollment');
  }

  /** `GET /v1/enrollments/requests/{id}`. */
  async enrollment(requestId: string): Promise<EnrollmentStatus> {
    const answer = await this.#call({
      method: 'GET',
      path: requestPath('/v1/enrollments/requests', requestId),
    });
    return parseAnswer(EnrollmentStatusSchema, answer, 'enrollment status');
  }

  /** `POST /v1/enrollments/requests/{id}/id-token`: the IdP's proof of who enrolls. */
  async proveEnrollment(requestId: string, idToken: string): Promise<EnrollmentStatus> {
    const answer = await this.#call({
      method: 'POST',
      path: `${requestPath('/v1/enrollments/requests', requestId)}/id-token`,
      body: { id_token: idToken },
    });
    return parseAnswer(EnrollmentStatusSchema, answer, 'enrollment status');
  }

  /** `POST /v1/enrollments/renewals`: renews a passkey's certificate with a tap. */
  async beginRenewal(body: BeginRenewalBody): Promise<RenewalBegun> {
    const answer = await this.#call({ method: 'POST', path: '/v1/enrollments/renewals', body });
    return parseAnswer(RenewalBegunSchema, answer, 'renewal');
  }

  /** `GET /v1/enrollments/renewals/{id}`. */
  async renewal(requestId: string): Promise<RenewalStatus> {
    const answer = await this.#call({
      method: 'GET',
      path: requestPath('/v1/enrollments/renewals', requestId),
    });
    return parseAnswer(RenewalStatusSchema, answer, 'renewal status');
  }

  /** `GET /v1/approvals/pending`: requests waiting for guardian approvals, strictly checked. */
  async pendingApprovals(): Promise<PendingRequest[]> {
    const answer = await this.#call({ method: 'GET', path: '/v1/approvals/pending' });
    return parseAnswer(PendingListSchema, answer, 'pending list').requests;
  }

  /** `POST /v1/mint/requests/{id}/approvals` (or `/denials` when `deny`). */
  async answerApproval(
    requestId: string,
    answer: GuardianAnswer,
    deny: boolean,
  ): Promise<AnswerResult> {
    const result = await this.#call({
      method: 'POST',
      path: `${requestPath('/v1/mint/requests', requestId)}/${deny ? 'denials' : 'approvals'}`,
      body: {
        guardian_kid: answer.guardianKid,
        signature: Buffer.from(answer.signature).toString('base64url'),
      },
    });
    return parseAnswer(AnswerResultSchema, result, 'approval answer');
  }

  /** `POST /v1/guardian-credentials/registrations`: a WebAuthn registration page for a guardian. */
  async startGuardianRegistration(guardianKid: string): Promise<GuardianRegistration> {
    const answer = await this.#call({
      method: 'POST',
      path: '/v1/guardian-credentials/registrations',
      body: { guardian_kid: guardianKid },
    });
    return parseAnswer(GuardianRegistrationSchema, answer, 'registration');
  }

  /** `GET /v1/guardian-credentials/registrations/{id}`. */
  async guardianRegistration(registrationId: string): Promise<GuardianRegistrationStatus> {
    const answer = await this.#call({
      method: 'GET',
      path: requestPath('/v1/guardian-credentials/registrations', registrationId),
    });
    return parseAnswer(GuardianRegistrationStatusSchema, answer, 'registration status');
  }

  /** `POST /v1/guardian-credentials/registrations/{id}/binding`: the signed binding. */
  async bindGuardianCredential(registrationId: string, binding: GuardianBinding): Promise<void> {
    await this.#call({
      method: 'POST',
      path: `${requestPath('/v1/guardian-credentials/registrations', registrationId)}/binding`,
      body: { binding },
    });
  }

  /** `PUT /v1/policy` with a signed policy bundle file's bytes (JSON). */
  async submitPolicy(bundle: Uint8Array): Promise<PolicySubmitResult> {
    const answer = await this.#call({ method: 'PUT', path: '/v1/policy', body: bundle });
    return parseAnswer(PolicySubmitResultSchema, answer, 'policy rollout');
  }

  /**
   * `GET /v1/audit/receipts/{jti}`: a token's receipt (a mint's `jti`, an enrollment's
   * `cert_id`); `receipt_pending` until a checkpoint covers it, `receipt_not_found`. Verify it
   * with `verifyReceipt` from `@frostmint/core`.
   */
  async receipt(jti: string): Promise<Receipt> {
    const answer = await this.#call({
      method: 'GET',
      path: requestPath('/v1/audit/receipts', jti),
    });
    return parseAnswer(receiptSchema, answer, 'receipt');
  }

  /** `GET /.well-known/openid-configuration`. */
  async discovery(): Promise<Discovery> {
    const answer = await this.#call({ method: 'GET', path: '/.well-known/openid-configuration' });
    return parseAnswer(DiscoverySchema, answer, 'discovery document');
  }

  /** `GET /.well-known/jwks.json`. */
  async jwks(): Promise<Jwks> {
    const answer = await this.#call({ method: 'GET', path: '/.well-known/jwks.json' });
    return parseAnswer(JwksSchema, answer, 'JWKS');
  }

  #call(options: CallOptions): Promise<Answer> {
    return call(this.baseUrl, { timeoutMs: this.#timeoutMs, ...options }, this.#fetch);
  }
}

function requestPath(prefix: string, id: string): string {
  return `${prefix}/${encodeURIComponent(id)}`;
}
