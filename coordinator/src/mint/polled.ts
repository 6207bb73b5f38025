import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ForbiddenError,
  FrostmintError,
  inSpan,
  type MintApprovalSubject,
  mintApprovalSubject,
  signingInput,
  verifyMintApprovals,
} from '@frostmint/core';
import type { Logger } from 'pino';
import { type ApprovalGate, expirySeconds, unknownRequest } from '../approvals/gate.ts';
import type { Requester } from '../auth/types.ts';
import type { MintBody } from '../mint-body.ts';
import { decodeRequest, type StoredRequestOf } from '../requests/kinds.ts';
import type { CoordinatorStore } from '../storage/index.ts';
import type { Authorization } from './authorize.ts';
import { type MintPipeline, type MintResponse, mintResponse } from './pipeline.ts';
import { encodePending } from './polled-record.ts';

/** Longest `?wait=` a poll may hold the connection, in seconds. */
export const MAX_POLL_WAIT_SECONDS = 60;

/** The answer (HTTP 202) to a mint that waits for guardian approvals. */
export interface PendingMint {
  readonly request_id: string;
  readonly status: 'pending';
  /**
   * Shown once: the requester polls `GET /v1/mint/requests/{id}/token` with
   * `Authorization: Bearer <request_secret>` (only its SHA-256 is stored).
   */
  readonly request_secret: string;
  readonly required_approvals: number;
  readonly expires_at: number;
  /** What each guardian signs (see core/src/approvals). */
  readonly approval_subject: MintApprovalSubject;
}

/** Where a poll stands (HTTP 202) while the request waits. */
export interface PollStatus {
  readonly request_id: string;
  readonly status: 'pending' | 'approved';
  readonly approved_by: string[];
  readonly required_approvals: number;
  readonly expires_in: number;
}

/** What {@link PolledMints.park} stores: the mint as authorized, waiting for guardians. */
export interface ParkInput {
  readonly requester: Requester;
  readonly request: MintBody;
  readonly claims: ReturnType<MintPipeline['claims']>;
  readonly authorization: Authorization;
  /** The requester's address: stored, so the poll that finishes the mint checks this one. */
  readonly sourceAddress: string;
}

/** Options of {@link PolledMints}. */
export interface PolledMintsOptions {
  readonly pipeline: MintPipeline;
  readonly gate: ApprovalGate;
  readonly store: CoordinatorStore;
  readonly log: Logger;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}

/**
 * The front end of a one-step mint (CI or dev) that policy allows only with guardian
 * approvals: `park` stores it (kind `polled_mint`) at the approval gate with the hash of a
 * poll secret; `poll` is the requester's wait, and once enough guardians approved exactly
 * one poll finishes the mint through the pipeline (compare-and-set pending → approved →
 * minted). A failed mint ends the request (denied), never retried with the same approvals.
 *
 * @example
 * ```ts
 * const polled = new PolledMints({ pipeline, gate, store, log });
 * const answer = await polled.poll(id, secret, 30);
 * ```
 */
export class PolledMints {
  constructor(private readonly options: PolledMintsOptions) {}

  /**
   * Step 4 (await approvals) of a one-step mint: stores the request with its token as it
   * stands now and answers 202 with the poll secret.
   *
   * @example
   * ```ts
   * return polled.park({ requester, request: body, claims, authorization, sourceAddress });
   * ```
   */
  park(input: ParkInput): Promise<PendingMint> {
    return inSpan('mint.approvals.park', () => this.#park(input));
  }

  async #park(input: ParkInput): Promise<PendingMint> {
    const { requester, request, claims, authorization, sourceAddress } = input;
    const { header } = this.options.pipeline;
    const now = this.#now();
    const id = randomBytes(16).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    const required = authorization.decision.required_approvals;
    // A request cannot outlive its evidence: signers refuse an expired ID token.
    const expiresAt = Math.min(
      now + this.options.gate.windowSeconds,
      requester.evidenceExpiresAt ?? Number.POSITIVE_INFINITY,
    );
    await this.options.store.mintRequests.create({
      id,
      requester: requester.subject,
      kind: 'polled_mint',
      signingInput: signingInput(header, claims),
      claims: JSON.parse(JSON.stringify(claims)),
      decision: JSON.parse(JSON.stringify(authorization.decision)),
      justification: request.justification ?? null,
      requiredApprovals: required,
      createdAt: new Date(now * 1000),
      expiresAt: new Date(expiresAt * 1000),
      evidence: encodePending(
        requester,
        request,
        header,
        authorization.ttl,
        sha256(secret),
        sourceAddress,
      ),
    });
    this.options.log.info(
      { requestId: id, sub: requester.subject, required },
      'mint waits for guardian approvals',
    );
    await requester.spend?.();
    return {
      request_id: id,
      status: 'pending',
      request_secret: secret,
      required_approvals: required,
      expires_at: expiresAt,
      approval_subject: mintApprovalSubject(header, claims, expiresAt),
    };
  }

  /**
   * The requester's poll: waits up to `waitSeconds` for the approvals, then mints (200
   * with the token, exactly once) or says where the request stands (202) — at the
   * deadline, or as soon as another guardian approved. Unknown id and
   * wrong secret both answer `request_not_found` (404).
   */
  poll(id: string, secret: string, waitSeconds: number): Promise<MintResponse | PollStatus> {
    return inSpan('mint.approvals.wait', () => this.#poll(id, secret, waitSeconds));
  }

  async #poll(id: string, secret: string, waitSeconds: number): Promise<MintResponse | PollStatus> {
    const { store, gate } = this.options;
    const deadline = Date.now() + Math.min(waitSeconds, MAX_POLL_WAIT_SECONDS) * 1000;
    let seen: number | undefined;
    for (;;) {
      const row = await store.mintRequests.get(id);
      // Another kind, or the wrong secret: the same 404 as an unknown id.
      const request = row?.kind === 'polled_mint' ? decodeRequest(row) : undefined;
      if (!row || request?.kind !== 'polled_mint' || !secretMatches(request, secret)) {
        throw unknownRequest();
      }
      const approvals = await store.approvals.listByRequest(id);
      const expiresIn = expirySeconds(row) - this.#now();
      if (row.status === 'denied') {
        throw new ForbiddenError(
          'request_denied',
          `the request was denied: ${row.statusReason ?? 'no reason given'}`,
        );
      }
      if (row.status === 'minted') {
        throw new FrostmintError('request_already_minted', 'this request was minted already');
      }
      if (row.status === 'expired' || (row.status === 'pending' && expiresIn < 0)) {
        if (row.status === 'pending') await store.mintRequests.expireOverdue();
        throw new FrostmintError(
          'request_expired',
          'the request expired before enough guardians approved',
        );
      }
      if (row.status === 'pending' && approvals.length >= row.requiredApprovals) {
        const claimed = await store.mintRequests.transition(
          id,
          'pending',
          'approved',
          new Date(this.#now() * 1000),
        );
        if (claimed) return this.#finish({ ...request, row: claimed }, approvals);
      }
      // Answer at the deadline, or early when a guardian approved, so the requester sees it.
      seen ??= approvals.length;
      if (Date.now() >= deadline || approvals.length !== seen) {
        return {
          request_id: id,
          status: row.status === 'approved' ? 'approved' : 'pending',
          approved_by: gate.names(approvals),
          required_approvals: row.requiredApprovals,
          expires_in: Math.max(0, expiresIn),
        };
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /**
   * Steps 3, 5–7 once approved: the approvals are verified against the group's guardians
   * over the final token, policy is evaluated again with them (the signers will do the
   * same), and the token gets fresh times.
   */
  async #finish(
    request: StoredRequestOf<'polled_mint'>,
    stored: Parameters<ApprovalGate['wires']>[1],
  ): Promise<MintResponse> {
    const { pipeline, gate, store } = this.options;
    const { row, pending } = request;
    try {
      const policy = pipeline.authorizer.policy;
      const iat = pipeline.nowSeconds();
      const { requester, body, ttl } = pending;
      const jti = pending.claims.jti;
      const approvals = gate.wires(row, stored);
      const claimsFor = (signers: readonly number[], approvedBy?: readonly string[]) =>
        pipeline.claims(policy, requester, body, {
          jti,
          ttl,
          iat,
          signers,
          ...(approvedBy ? { approvedBy } : {}),
        });
      const approvedBy = await verifyMintApprovals(
        approvals,
        pipeline.header,
        claimsFor([1]),
        gate.guardians,
        iat,
        gate.rp,
      );
      const authorization = await pipeline.authorize(
        requester,
        { ...body, ttl },
        {
          now: iat,
          approvals: approvedBy,
          mayWait: false,
          policy,
          sourceAddress: pending.sourceAddress,
        },
      );
      const signed = await pipeline.sign({
        requestId: jti,
        requester,
        authorization,
        approvals,
        token: { claimsFor: (signers) => claimsFor(signers, approvedBy) },
      });
      await store.mintRequests.transition(row.id, 'approved', 'minted', new Date(iat * 1000));
      return mintResponse(signed);
    } catch (err) {
      const reason = err instanceof FrostmintError ? err.code : 'internal';
      // Fail closed: the request ends; its approvals are never presented again.
      await store.mintRequests
        .transition(
          row.id,
          'approved',
          'denied',
          new Date(this.#now() * 1000),
          `mint failed: ${reason}`,
        )
        .catch(() => {});
      throw err;
    }
  }

  #now(): number {
    return Math.floor((this.options.now ?? Date.now)() / 1000);
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function secretMatches(request: StoredRequestOf<'polled_mint'>, secret: string): boolean {
  return timingSafeEqual(
    Buffer.from(request.pending.secretSha256, 'hex'),
    Buffer.from(sha256(secret), 'hex'),
  );
}
