import { randomBytes } from 'node:crypto';
import {
  ConflictError,
  claimsForEvidence,
  compactJws,
  decideLifetime,
  decisionLogFields,
  ForbiddenError,
  FrostmintError,
  InvalidRequestError,
  type MintApprovalWire,
  mintChallenge,
  mintPolicyInput,
  type PolicyDecision,
  type PolicyInput,
  signingInput,
  type TokenClaims,
} from '@frostmint/core';
import { type Evidence, SigningPurpose } from '@frostmint/proto';
import { maybePending } from '../approvals/record.ts';
import type { Enrollment, JsonObject, MintRequest } from '../storage/index.ts';
import { awaitTap, tapDeadline } from './approved-tap.ts';
import { pickSigners, type RequestContext, tapUrl } from './context.ts';
import type { AssertionBody, PrepareMintBody } from './schemas.ts';
import { sealResult } from './seal-result.ts';
import { checkSignCount, consumeChallenge, verifyStoredTap, webauthnEvidence } from './tap.ts';

/**
 * What `POST /v1/mint/requests` answers: the exact token to approve and how to approve it —
 * or, when guardians must approve first (`status_reason: "awaiting_approvals"`), the request
 * as guardians see it, without `public_key`: its final times, signers and challenge are
 * fixed once the approvals are in (`GET /v1/mint/requests/{id}` then carries `public_key`).
 */
export interface PreparedMint {
  request_id: string;
  status: 'pending';
  status_reason: 'awaiting_approvals' | null;
  claims: TokenClaims;
  signing_input: string;
  required_approvals: number;
  expires_at: number;
  tap_url: string;
  /** `PublicKeyCredentialRequestOptionsJSON` (WebAuthn L3 §5.5); absent while awaiting approvals. */
  public_key?: {
    challenge: string;
    rpId: string;
    allowCredentials: { id: string; type: 'public-key'; transports: string[] }[];
    userVerification: 'required';
    timeout: number;
  };
}

type PublicKeyOptions = NonNullable<PreparedMint['public_key']>;

/** What completing a request answers. */
export interface CompletedMint {
  status: 'minted';
  request_id: string;
  jti: string;
  expires_at: number;
  /** Present unless the token was sealed to the requester's result key. */
  token?: string;
  token_type?: 'Bearer';
  expires_in?: number;
}

/**
 * The two-step WebAuthn mint (DESIGN.md "Mint flow"): `prepare` fixes the claims, the
 * signer set and the challenge SHA-256(signing input); `complete` verifies the tap
 * (WebAuthn §7.2 with user verification, origin and RP ID from config, single-use expiring
 * challenge, L3 signature counter), re-evaluates policy with the roles of the certificate
 * that tapped, and has exactly the named signers sign — each of which verifies the
 * assertion again itself. A request whose policy decision needs guardian approvals waits
 * for them first (the approval lifecycle of `coordinator/src/approvals`); once they are in,
 * its final token is fixed and the tap approves that (see `awaitTap`), and the signers
 * receive the approvals with the assertion.
 *
 * @example
 * ```ts
 * const prepared = await mints.prepare({ user: 'alice@example.com', scope: ['deploy:canary'], audience: 'deploy-api' });
 * const done = await mints.complete(prepared.request_id, assertionJson);
 * ```
 */
export class MintRequestService {
  constructor(private readonly ctx: RequestContext) {}

  async prepare(body: PrepareMintBody): Promise<PreparedMint> {
    const { ctx } = this;
    if (body.ttl !== undefined && body.ttl > ctx.maxTtlSeconds) {
      throw new ForbiddenError(
        'ttl_too_long',
        `ttl ${body.ttl} s exceeds this deployment's ${ctx.maxTtlSeconds} s cap`,
      );
    }
    if (new Set(body.scope).size !== body.scope.length) {
      throw new InvalidRequestError('scope_invalid', 'scope lists a scope twice');
    }
    await ctx.abuse.limitPrepare(body.user);
    const nowMs = ctx.now();
    const iat = Math.floor(nowMs / 1000);
    const enrollments = await this.#activeEnrollments(body.user, iat);
    const roles = [...new Set(enrollments.flatMap((e) => e.roles))].sort();
    const requester = engineer(body.user, roles);
    const { ttl, decision } = await this.#authorize(requester, body, iat);
    const awaitsApprovals = decision.required_approvals > 0;
    const signers = pickSigners(ctx);
    const { amr, client_id } = claimsForEvidence('webauthn', body.user);
    const claims: TokenClaims = {
      iss: ctx.issuer,
      sub: body.user,
      aud: body.audience,
      scope: body.scope.join(' '),
      iat,
      nbf: iat,
      exp: iat + ttl,
      jti: randomBytes(16).toString('base64url'),
      client_id,
      amr,
      frostmint: { signers, policy: ctx.policy.id },
    };
    const input = signingInput({ alg: 'EdDSA', typ: 'at+jwt', kid: ctx.kid }, claims);
    const id = randomBytes(16).toString('base64url');
    const challenge = mintChallenge(input).toString('base64url');
    const createdAt = new Date(nowMs);
    const window = awaitsApprovals
      ? (ctx.approvals?.windowSeconds ?? 0)
      : ctx.webauthn.challengeTtlSeconds;
    const expiresAt = new Date(nowMs + window * 1000);
    await ctx.store.mintRequests.create({
      id,
      requester: body.user,
      kind: 'token',
      signingInput: input,
      claims: claims as unknown as JsonObject,
      decision: decision as unknown as JsonObject,
      justification: body.justification ?? null,
      requiredApprovals: decision.required_approvals,
      createdAt,
      expiresAt,
    });
    if (!awaitsApprovals) {
      await ctx.store.challenges.create({
        challenge,
        purpose: 'authentication',
        userId: body.user,
        requestId: id,
        createdAt,
        expiresAt,
      });
    }
    if (body.result_key) {
      await ctx.store.mintResults.create({ requestId: id, resultKey: body.result_key, createdAt });
    }
    if (awaitsApprovals) {
      ctx.log.info(
        { requestId: id, sub: body.user, required: decision.required_approvals },
        'mint request waits for guardian approvals',
      );
    }
    return {
      request_id: id,
      status: 'pending',
      status_reason: awaitsApprovals ? 'awaiting_approvals' : null,
      claims,
      signing_input: input,
      required_approvals: decision.required_approvals,
      expires_at: Math.floor(expiresAt.getTime() / 1000),
      tap_url: tapUrl(ctx, 'mint', id),
      ...(awaitsApprovals ? {} : { public_key: this.requestOptions(challenge, enrollments) }),
    };
  }

  /**
   * Advances request `id` once its approvals are in (called when a guardian's approval
   * completes the count; `status` does the same on every read).
   *
   * @example
   * ```ts
   * pendingMints.onEnoughApprovals((id) => mints.approvalsComplete(id));
   * ```
   */
  async approvalsComplete(id: string): Promise<void> {
    const row = await this.ctx.store.mintRequests.get(id);
    if (row !== null && this.ctx.approvals) await awaitTap(this.ctx, this.ctx.approvals, row);
  }

  /** `PublicKeyCredentialRequestOptionsJSON` for a request's challenge. */
  requestOptions(challenge: string, enrollments: readonly Enrollment[]): PublicKeyOptions {
    return {
      challenge,
      rpId: this.ctx.webauthn.rpId,
      allowCredentials: enrollments.map((e) => ({
        id: e.credentialId,
        type: 'public-key',
        transports: [...e.transports],
      })),
      userVerification: 'required',
      timeout: this.ctx.webauthn.challengeTtlSeconds * 1000,
    };
  }

  /**
   * Where a request stands, for the CLI (polling) and the tap page: status, claims, the
   * request options while it waits for the tap, and the sealed token once minted.
   */
  async status(id: string) {
    const { ctx } = this;
    const stored = await ctx.store.mintRequests.get(id);
    if (stored === null || stored.kind !== 'token') {
      throw new FrostmintError('request_not_found', `no mint request ${id}`);
    }
    // A failure to fix the final token (e.g. no healthy quorum right now) must not fail the
    // status read: the request stays as stored, and the next read tries again.
    const request = ctx.approvals
      ? await awaitTap(ctx, ctx.approvals, stored).catch((err: unknown) => {
          ctx.log.warn({ err, requestId: id }, 'could not fix the approved token yet');
          return stored;
        })
      : stored;
    const nowMs = ctx.now();
    const open = request.status === 'pending' || request.status === 'approved';
    const expired = open && request.expiresAt.getTime() <= nowMs;
    const needsApprovals = request.requiredApprovals > 0;
    const awaitingApprovals = request.status === 'pending' && needsApprovals && !expired;
    const waitingForTap =
      open &&
      !expired &&
      !awaitingApprovals &&
      (!needsApprovals || tapDeadline(ctx, request) > nowMs);
    const enrollments = waitingForTap
      ? (await this.ctx.store.enrollments.listByUser(request.requester)).filter(
          (e) => e.revokedAt === null,
        )
      : [];
    const result = request.status === 'minted' ? await this.ctx.store.mintResults.get(id) : null;
    return {
      request_id: id,
      status: expired ? ('expired' as const) : request.status,
      status_reason:
        request.statusReason ??
        (awaitingApprovals
          ? 'awaiting_approvals'
          : waitingForTap && needsApprovals
            ? 'awaiting_tap'
            : null),
      user: request.requester,
      claims: request.claims,
      justification: request.justification,
      required_approvals: request.requiredApprovals,
      ...(needsApprovals && ctx.approvals
        ? { approved_by: await ctx.approvals.approvers(id) }
        : {}),
      expires_at: Math.floor(request.expiresAt.getTime() / 1000),
      expires_in: Math.max(0, Math.floor((request.expiresAt.getTime() - nowMs) / 1000)),
      ...(waitingForTap
        ? {
            public_key: this.requestOptions(
              mintChallenge(request.signingInput).toString('base64url'),
              enrollments,
            ),
          }
        : {}),
      ...(result?.sealed ? { sealed_token: result.sealed } : {}),
    };
  }

  async complete(id: string, assertion: AssertionBody): Promise<CompletedMint> {
    try {
      const done = await this.#complete(id, assertion);
      if (done.status === 'minted') this.ctx.metrics?.mints.inc({ outcome: 'ok' });
      return done;
    } catch (err) {
      this.ctx.metrics?.mints.inc({
        outcome: err instanceof FrostmintError ? err.code : 'internal',
      });
      throw err;
    }
  }

  async #complete(id: string, assertion: AssertionBody): Promise<CompletedMint> {
    const { ctx } = this;
    const request = await this.#openRequest(id);
    const user = request.requester;
    await ctx.abuse.ensureNotLockedOut(user);
    const nowMs = ctx.now();
    const now = Math.floor(nowMs / 1000);
    const challenge = mintChallenge(request.signingInput);
    const tap = await verifyStoredTap(ctx, user, assertion, challenge);
    await consumeChallenge(ctx, challenge);
    await checkSignCount(ctx, user, tap, (code) => this.#deny(request, [code]));
    const roles = tap.cert.roles;
    const claims = request.claims as unknown as TokenClaims;
    const verified =
      request.requiredApprovals > 0 && ctx.approvals
        ? await ctx.approvals.verifiedApprovals(request)
        : { approvals: [], approvedBy: [] };
    const decision = this.#evaluate(
      engineer(user, roles),
      {
        scopes: claims.scope.split(' '),
        audience: claims.aud,
        ttl: claims.exp - claims.iat,
        ...(request.justification === null ? {} : { justification: request.justification }),
      },
      now,
      verified.approvedBy,
    );
    if (!decision.allow) {
      await this.#deny(request, decision.reasons);
      throw policyDenied(decision.reasons);
    }
    const evidence = webauthnEvidence(tap.enrollment, assertion);
    return this.#sign(request, claims, evidence, verified.approvals);
  }

  async #sign(
    request: MintRequest,
    claims: TokenClaims,
    evidence: Evidence,
    approvals: readonly MintApprovalWire[],
  ): Promise<CompletedMint> {
    const { ctx } = this;
    let token: string;
    let sealed: boolean;
    try {
      const signature = await ctx.quorum.sign({
        requestId: request.id,
        signers: claims.frostmint.signers,
        message: Buffer.from(request.signingInput, 'latin1'),
        evidence,
        purpose: SigningPurpose.SIGNING_PURPOSE_TOKEN,
        approvals,
      });
      token = compactJws(request.signingInput, signature);
      // Sealed (and stored sealed) before the request becomes `minted`: a key the token
      // cannot be sealed to ends the request denied, never minted but undeliverable.
      sealed = await sealResult(ctx, request.id, token);
    } catch (err) {
      await this.#deny(request, [err instanceof FrostmintError ? err.code : 'internal']);
      throw err;
    }
    const minted = await ctx.store.mintRequests.transition(
      request.id,
      request.status,
      'minted',
      new Date(ctx.now()),
    );
    if (minted === null)
      throw new ConflictError('request_not_pending', 'another coordinator completed this request');
    await ctx.audit.record({
      type: 'mint',
      jti: claims.jti,
      sub: claims.sub,
      aud: claims.aud,
      scope: claims.scope,
      exp: claims.exp,
      policy: ctx.policy.id,
      signers: claims.frostmint.signers,
    });
    const done = {
      status: 'minted' as const,
      request_id: request.id,
      jti: claims.jti,
      expires_at: claims.exp,
    };
    if (sealed) return done;
    const expiresIn = claims.exp - Math.floor(ctx.now() / 1000);
    return { ...done, token, token_type: 'Bearer', expires_in: expiresIn };
  }

  /** A two-step request that takes a tap: pending, or approved by its guardians; unexpired. */
  async #openRequest(id: string): Promise<MintRequest> {
    const request = await this.ctx.store.mintRequests.get(id);
    if (request === null || request.kind !== 'token' || maybePending(request) !== undefined) {
      throw new FrostmintError('request_not_found', `no mint request ${id}`);
    }
    if (request.status === 'pending' && request.requiredApprovals > 0) {
      const approvers = (await this.ctx.approvals?.approvers(id)) ?? [];
      throw new ConflictError(
        'awaiting_approvals',
        `guardians have not approved this request yet (${approvers.length} of ${request.requiredApprovals}): tap once they have`,
      );
    }
    if (request.status !== 'pending' && request.status !== 'approved') {
      throw new ConflictError(
        'request_not_pending',
        `this request is ${request.status}${request.statusReason ? ` (${request.statusReason})` : ''}; prepare a new one`,
      );
    }
    if (request.expiresAt.getTime() <= this.ctx.now()) {
      throw new FrostmintError(
        'request_expired',
        'this request expired before the tap: prepare a new one',
      );
    }
    return request;
  }

  async #activeEnrollments(user: string, now: number): Promise<Enrollment[]> {
    const active = (await this.ctx.store.enrollments.listByUser(user)).filter(
      (e) => e.revokedAt === null && e.certificateExpiresAt.getTime() > now * 1000,
    );
    if (active.length === 0) {
      throw new ForbiddenError(
        'not_enrolled',
        `${user} has no active enrollment (none, expired or revoked): run \`frostmint enroll --user ${user}\``,
      );
    }
    return active;
  }

  /** Policy with the TTL rule of `POST /v1/mint`: no requested TTL → the policy's maximum. */
  async #authorize(requester: PolicyInput['requester'], body: PrepareMintBody, now: number) {
    const request = {
      scopes: body.scope,
      audience: body.audience,
      ...(body.justification === undefined ? {} : { justification: body.justification }),
    };
    const { ttl, decision } = decideLifetime(
      (t) => this.#evaluate(requester, { ...request, ttl: t }, now),
      {
        requested: body.ttl,
        defaultTtl: this.ctx.defaultTtlSeconds,
        maxTtl: this.ctx.maxTtlSeconds,
      },
    );
    if (!decision.allow && !(this.ctx.approvals && onlyAwaitingApprovals(decision))) {
      await this.ctx.audit.record({
        type: 'denial',
        sub: requester.subject,
        aud: body.audience,
        scope: body.scope.join(' '),
        policy: this.ctx.policy.id,
        reasons: decision.reasons,
      });
      for (const reason of decision.reasons)
        this.ctx.metrics?.policyDenials.inc({ reason: reason.split(':')[0] });
      throw policyDenied(decision.reasons);
    }
    return { ttl, decision };
  }

  #evaluate(
    requester: PolicyInput['requester'],
    request: { scopes: string[]; audience: string; ttl: number; justification?: string },
    now: number,
    approvals: readonly string[] = [],
  ): PolicyDecision {
    const input = mintPolicyInput({ requester, ...request, approvals: [...approvals], now });
    const decision = this.ctx.policy.evaluate(input);
    this.ctx.log.info(
      { decision: decisionLogFields(this.ctx.policy.id, input, decision) },
      'policy decision',
    );
    return decision;
  }

  async #deny(request: MintRequest, reasons: string[]): Promise<void> {
    await this.ctx.store.mintRequests
      .transition(
        request.id,
        request.status,
        'denied',
        new Date(this.ctx.now()),
        reasons.join(', '),
      )
      .catch((err: unknown) =>
        this.ctx.log.warn({ err, id: request.id }, 'could not mark request denied'),
      );
    const claims = request.claims as unknown as TokenClaims;
    await this.ctx.audit.record({
      type: 'denial',
      sub: request.requester,
      aud: claims.aud,
      scope: claims.scope,
      policy: this.ctx.policy.id,
      reasons,
    });
  }
}

function engineer(subject: string, roles: readonly string[]): PolicyInput['requester'] {
  return { kind: 'engineer', subject, roles: [...roles], amr: ['webauthn'] };
}

/** A request that policy allows once guardians approve it waits for them. */
function onlyAwaitingApprovals(decision: PolicyDecision): boolean {
  return decision.reasons.length === 1 && decision.reasons[0] === 'approvals_missing';
}

function policyDenied(reasons: readonly string[]): ForbiddenError {
  return new ForbiddenError('policy_denied', `policy denies this mint: ${reasons.join(', ')}`);
}
