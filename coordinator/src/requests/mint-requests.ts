import { randomBytes } from 'node:crypto';
import {
  ConflictError,
  ForbiddenError,
  FrostmintError,
  mintChallenge,
  signingInput,
  type TokenClaims,
} from '@frostmint/core';
import type { DpopBinding } from '../auth/types.ts';
import { refuseDpopPending, storedDpop } from '../dpop/index.ts';
import { PolicyDeniedError } from '../mint/authorize.ts';
import { auditDenial } from '../mint/record.ts';
import type { MintBody } from '../mint-body.ts';
import type { Enrollment, JsonObject, MintRequest } from '../storage/index.ts';
import { awaitTap, tapDeadline } from './approved-tap.ts';
import { pickSigners, type RequestContext, tapUrl } from './context.ts';
import { loadRequest, requestOfKind, type StoredRequestOf } from './kinds.ts';
import type { AssertionBody, PrepareMintBody } from './schemas.ts';
import { sealResult } from './seal-result.ts';
import {
  checkSignCount,
  consumeChallenge,
  engineer,
  tapRequester,
  verifyStoredTap,
} from './tap.ts';

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
  token_type?: 'Bearer' | 'DPoP';
  expires_in?: number;
}

type TapMint = StoredRequestOf<'tap_mint'>;

/**
 * The front end of the two-step WebAuthn mint (DESIGN.md "Mint flow") over the mint
 * pipeline (`coordinator/src/mint`): `prepare` checks and authorizes the request for the
 * engineer and the roles of their enrollments, fixes the claims, the signer set and the
 * challenge SHA-256(signing input); `complete` authenticates the tap (WebAuthn §7.2 with
 * user verification, origin and RP ID from config, single-use expiring challenge, L3
 * signature counter) into a `Requester`, authorizes again with the roles of the
 * certificate that tapped, and has exactly the named signers sign — each of which verifies
 * the assertion again itself. A request whose policy decision needs guardian approvals
 * waits for them at the approval gate first; once they are in, its final token is fixed and
 * the tap approves that (see `awaitTap`), and the signers receive the approvals.
 *
 * @example
 * ```ts
 * const prepared = await mints.prepare({ user: 'alice@example.com', scope: ['deploy:canary'], audience: 'deploy-api' }, '10.1.2.3');
 * const done = await mints.complete(prepared.request_id, assertionJson);
 * ```
 */
export class MintRequestService {
  constructor(private readonly ctx: RequestContext) {}

  /**
   * Prepares a mint asked for from `sourceAddress` (`sourceAddressOf`): stored with the
   * request, so the tap — from whatever device — is authorized against the requester's address.
   */
  async prepare(
    body: PrepareMintBody,
    sourceAddress: string,
    dpop?: DpopBinding,
  ): Promise<PreparedMint> {
    const { ctx } = this;
    const { pipeline } = ctx;
    pipeline.check(body);
    await ctx.abuse.limitPrepare(body.user);
    const nowMs = ctx.now();
    const iat = Math.floor(nowMs / 1000);
    const enrollments = await this.#activeEnrollments(body.user, iat);
    const roles = [...new Set(enrollments.flatMap((e) => e.roles))].sort();
    const requester = { ...engineer(body.user, roles), ...(dpop ? { dpop } : {}) };
    const authorization = await pipeline.authorize(requester, body, {
      now: iat,
      mayWait: ctx.approvals !== undefined,
      sourceAddress,
    });
    const { awaitsApprovals, decision } = authorization;
    if (awaitsApprovals) refuseDpopPending(requester);
    const signers = pickSigners(ctx, pipeline.authorizer.eligibility(decision));
    const claims = pipeline.claims(authorization.policy, requester, body, {
      jti: randomBytes(16).toString('base64url'),
      ttl: authorization.ttl,
      iat,
      signers,
    });
    const input = signingInput(pipeline.header, claims);
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
      kind: 'tap_mint',
      signingInput: input,
      claims: claims as unknown as JsonObject,
      decision: decision as unknown as JsonObject,
      justification: body.justification ?? null,
      requiredApprovals: decision.required_approvals,
      createdAt,
      expiresAt,
      evidence: {
        ...(body.attestation ? { attestation: body.attestation } : {}),
        // The proof the signers verify at the tap (RFC 9449); the claims carry cnf.
        ...(dpop ? { dpop_proof: dpop.proof } : {}),
        source_address: sourceAddress,
      },
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
    const request = await this.#fixedForStatus(id);
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
      return await this.#complete(id, assertion);
    } catch (err) {
      this.ctx.metrics?.mints.inc({
        outcome: err instanceof FrostmintError ? err.code : 'internal',
      });
      throw err;
    }
  }

  async #complete(id: string, assertion: AssertionBody): Promise<CompletedMint> {
    const { ctx } = this;
    const { pipeline } = ctx;
    const request = await this.#openRequest(id);
    const { row, claims } = request;
    const user = row.requester;
    await ctx.abuse.ensureNotLockedOut(user);
    // Step 2 (authenticate): the tap, over SHA-256 of the exact signing input.
    const challenge = mintChallenge(row.signingInput);
    const tap = await verifyStoredTap(ctx, user, assertion, challenge);
    await consumeChallenge(ctx, challenge);
    await checkSignCount(ctx, user, tap, (code) => this.#deny(request, [code]));
    const dpop = storedDpop(row);
    const requester = { ...tapRequester(tap, assertion), ...(dpop ? { dpop } : {}) };
    const verified =
      row.requiredApprovals > 0 && ctx.approvals
        ? await ctx.approvals.verifiedApprovals(request)
        : { approvals: [], approvedBy: [] };
    // Step 3 (authorize) again, with the roles of the certificate that tapped.
    const authorization = await pipeline
      .authorize(requester, preparedBody(request), {
        now: Math.floor(ctx.now() / 1000),
        approvals: verified.approvedBy,
        mayWait: false,
        sourceAddress: request.sourceAddress,
      })
      .catch(async (err: unknown) => {
        await this.#markDenied(
          request,
          err instanceof PolicyDeniedError ? err.reasons : [code(err)],
        );
        throw err;
      });
    let token: string;
    let sealed = false;
    try {
      // Steps 5–7: exactly the named signers sign the approved input; it is sealed (and
      // stored sealed) before the mint is recorded and the request becomes `minted`.
      const signed = await pipeline.sign({
        requestId: row.id,
        requester,
        authorization,
        approvals: verified.approvals,
        token: { signingInput: row.signingInput, claims },
        deliver: async (signedToken) => {
          sealed = await sealResult(ctx, row.id, signedToken);
        },
      });
      token = signed.token;
    } catch (err) {
      await this.#deny(request, [code(err)]);
      throw err;
    }
    const minted = await ctx.store.mintRequests.transition(
      row.id,
      row.status,
      'minted',
      new Date(ctx.now()),
    );
    if (minted === null)
      throw new ConflictError('request_not_pending', 'another coordinator completed this request');
    const done = {
      status: 'minted' as const,
      request_id: row.id,
      jti: claims.jti,
      expires_at: claims.exp,
    };
    if (sealed) return done;
    const expiresIn = claims.exp - Math.floor(ctx.now() / 1000);
    const tokenType = claims.cnf ? 'DPoP' : 'Bearer';
    return { ...done, token, token_type: tokenType, expires_in: expiresIn };
  }

  /**
   * The row a status read shows: a two-step request with its final token fixed once its
   * approvals are in — a failure to fix it (e.g. no healthy quorum right now) must not fail
   * the read: the request stays as stored, and the next read tries again — or a polled mint
   * as stored (its requester's poll finishes it, never a tap).
   */
  async #fixedForStatus(id: string): Promise<MintRequest> {
    const { ctx } = this;
    const stored = await ctx.store.mintRequests.get(id);
    if (stored?.kind === 'polled_mint') return stored;
    const found = requestOfKind(stored, 'tap_mint', `no mint request ${id}`);
    if (!ctx.approvals) return found.row;
    return awaitTap(ctx, ctx.approvals, found).catch((err: unknown) => {
      ctx.log.warn({ err, requestId: id }, 'could not fix the approved token yet');
      return found.row;
    });
  }

  #request(id: string): Promise<TapMint> {
    return loadRequest(this.ctx.store, id, 'tap_mint', `no mint request ${id}`);
  }

  /** A two-step request that takes a tap: pending, or approved by its guardians; unexpired. */
  async #openRequest(id: string): Promise<TapMint> {
    const request = await this.#request(id);
    const { row } = request;
    if (row.status === 'pending' && row.requiredApprovals > 0) {
      const approvers = (await this.ctx.approvals?.approvers(id)) ?? [];
      throw new ConflictError(
        'awaiting_approvals',
        `guardians have not approved this request yet (${approvers.length} of ${row.requiredApprovals}): tap once they have`,
      );
    }
    if (row.status !== 'pending' && row.status !== 'approved') {
      throw new ConflictError(
        'request_not_pending',
        `this request is ${row.status}${row.statusReason ? ` (${row.statusReason})` : ''}; prepare a new one`,
      );
    }
    if (row.expiresAt.getTime() <= this.ctx.now()) {
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

  /** Ends the request denied (policy already audited its own denial). */
  async #markDenied(request: TapMint, reasons: readonly string[]): Promise<void> {
    await this.ctx.store.mintRequests
      .transition(
        request.row.id,
        request.row.status,
        'denied',
        new Date(this.ctx.now()),
        reasons.join(', '),
      )
      .catch((err: unknown) =>
        this.ctx.log.warn({ err, id: request.row.id }, 'could not mark request denied'),
      );
  }

  /** Ends the request denied for a reason of the tap or the signers, and audits it. */
  async #deny(request: TapMint, reasons: string[]): Promise<void> {
    await this.#markDenied(request, reasons);
    await auditDenial(this.ctx.audit, {
      sub: request.row.requester,
      aud: request.claims.aud,
      scope: request.claims.scope,
      policy: this.ctx.pipeline.authorizer.policy.id,
      reasons,
    });
  }
}

/** The request a prepared token stands for, with its fixed lifetime. */
function preparedBody(request: TapMint): MintBody {
  const { claims, row, attestation } = request;
  return {
    scope: claims.scope.split(' '),
    audience: claims.aud,
    ttl: claims.exp - claims.iat,
    ...(row.justification === null ? {} : { justification: row.justification }),
    ...(attestation ? { attestation } : {}),
  };
}

function code(err: unknown): string {
  return err instanceof FrostmintError ? err.code : 'internal';
}
