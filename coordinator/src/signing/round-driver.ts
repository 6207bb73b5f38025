import { randomUUID } from 'node:crypto';
import {
  checkCommitment,
  FrostError,
  type FrostGroup,
  FrostmintError,
  type SigningCommitment,
  UnavailableError,
} from '@frostmint/core';
import {
  type AttestationEvidence,
  type Evidence,
  type MintApproval,
  SigningPurpose,
} from '@frostmint/proto';
import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { HedgeBudget, type HedgeOptions } from './hedge.ts';
import type { SignerPool } from './signer-pool.ts';

/** A signature produced by the quorum, and who produced it. */
export interface QuorumSignature {
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  readonly signers: number[];
}

/** Anything that signs a token on the coordinator's behalf; `RoundDriver` is the real one. */
export interface TokenSigner {
  sign(attempt: SignAttempt): Promise<QuorumSignature>;
}

export interface SignAttempt {
  /** Builds the exact message for a signing set (the token names its signers). */
  readonly messageFor: (signers: number[]) => Uint8Array;
  readonly evidence: Evidence;
  /** Guardian approvals of this request, passed to every signer (they verify them). */
  readonly approvals?: readonly MintApproval[];
  readonly requestId?: string;
  /** Forwarded to every signer, which verifies it itself. */
  readonly requesterAttestation?: AttestationEvidence;
  /** The requester's DPoP proof, for a token bound with `cnf.jkt` (RFC 9449). */
  readonly dpopProof?: string;
  /** Only signers it accepts take part (policy requires signer attestation); read live. */
  readonly eligible?: (id: number) => boolean;
}

/** Round two is hedged at most this often per mint; then it waits for the answers. */
const MAX_HEDGES = 2;

/** A signer's refusal or failure during a mint (audited, counted in the metrics). */
export interface SignerRefusal {
  readonly requestId: string;
  readonly signer: number;
  readonly rpc: 'commit' | 'sign';
  readonly code: string;
  readonly reason: string;
}

/** A mint that ended without a quorum. */
export interface QuorumLoss {
  readonly requestId: string;
  readonly available: number;
  readonly needed: number;
  readonly refusals: readonly { signer: number; code: string }[];
}

/** What the driver reports; the coordinator writes both to the audit log. */
export interface RoundEvents {
  signerRefused?(refusal: SignerRefusal): Promise<unknown> | undefined;
  quorumLost?(loss: QuorumLoss): Promise<unknown> | undefined;
}

/** Options of {@link RoundDriver}. */
export interface RoundDriverOptions {
  readonly events?: RoundEvents;
  /** Round-two hedging (see `HedgeBudget`); `capMs` is the RPC deadline. */
  readonly hedge?: HedgeOptions;
}

/** One mint's signing attempts: who is left out, and who refused with what. */
interface Attempts {
  readonly requestId: string;
  readonly excluded: Set<number>;
  /** Signers hedged around: asked again only when no quorum forms without them. */
  readonly slow: Set<number>;
  /** Hedges so far; at most `MAX_HEDGES` per mint, then round two waits. */
  hedges: number;
  /** Refusal code → signers that gave it. Two signers agreeing ends the mint. */
  readonly refusals: Map<string, { signers: number[]; err: FrostmintError }>;
  readonly reports: Promise<unknown>[];
}

/**
 * Drives FROST rounds against the signer pool (RFC 9591 §5): round one asks every
 * candidate and keeps the first `threshold` answers; round two sends them the signing
 * package; every share is verified (§5.4) before aggregation (§5.3), and the aggregate is
 * verified against the group key.
 *
 * Faults of one signer never end a mint: a signer whose share fails verification is
 * marked faulty, one that refuses for any reason or does not answer is marked degraded,
 * and the attempt is repeated with another quorum. Only a refusal two signers agree on
 * (the request itself is refused) ends the mint. Round two is hedged: a signer that has
 * not answered within the latency budget (or `factor` times as long as its peer took) is
 * left out and the round restarted with the others; its late answer is discarded (its nonce is spent on its side, and every attempt
 * takes fresh commitments, so no nonce is ever used twice).
 *
 * @example
 * ```ts
 * const { signature, signers } = await driver.sign({ messageFor, evidence });
 * ```
 */
export class RoundDriver implements TokenSigner {
  readonly #events: RoundEvents;
  readonly #hedge: HedgeBudget | undefined;

  constructor(
    private readonly pool: SignerPool,
    private readonly group: FrostGroup,
    private readonly log: Logger,
    options: RoundDriverOptions = {},
  ) {
    this.#events = options.events ?? {};
    this.#hedge = options.hedge && new HedgeBudget(options.hedge);
  }

  async sign(attempt: SignAttempt): Promise<QuorumSignature> {
    const attempts: Attempts = {
      requestId: attempt.requestId ?? randomUUID(),
      excluded: new Set<number>(),
      slow: new Set<number>(),
      hedges: 0,
      refusals: new Map(),
      reports: [],
    };
    try {
      for (;;) {
        const commitments = await this.#roundOne(attempts, attempt.eligible);
        const signers = commitments.map((c) => c.id).sort((a, b) => a - b);
        const message = attempt.messageFor(signers);
        const shares = await this.#roundTwo(attempts, message, commitments, attempt);
        if (!shares) continue;
        const signature = this.group.aggregate(commitments, message, shares);
        if (!this.group.verify(message, signature)) {
          throw new FrostmintError(
            'aggregate_invalid',
            'aggregated signature does not verify under the group key',
          );
        }
        return { message, signature, signers };
      }
    } finally {
      await Promise.allSettled(attempts.reports);
    }
  }

  /** Every signer this attempt may still ask. */
  #available(attempts: Attempts, eligible: (id: number) => boolean): number[] {
    return this.pool.candidates().filter((id) => !attempts.excluded.has(id) && eligible(id));
  }

  /**
   * Candidates for this attempt: healthy ones when they suffice, else degraded ones too,
   * else also the ones hedged around in this mint (slow, but alive).
   */
  #candidates(attempts: Attempts, eligible: (id: number) => boolean): number[] {
    const { threshold } = this.group.publicKey;
    const all = this.#available(attempts, eligible);
    const brisk = all.filter((id) => !attempts.slow.has(id));
    const healthy = brisk.filter((id) => !this.pool.isDegraded(id));
    return [healthy, brisk].find((tier) => tier.length >= threshold) ?? all;
  }

  async #roundOne(
    attempts: Attempts,
    eligible: (id: number) => boolean = () => true,
  ): Promise<SigningCommitment[]> {
    const { threshold } = this.group.publicKey;
    const candidates = this.#candidates(attempts, eligible);
    if (candidates.length < threshold) throw this.#quorumLost(attempts, candidates.length);
    const chosen: SigningCommitment[] = [];
    await new Promise<void>((resolve, reject) => {
      let pending = candidates.length;
      let refused = false;
      const settle = () => {
        if (--pending === 0 && chosen.length < threshold && !refused)
          reject(this.#quorumLost(attempts, chosen.length));
      };
      for (const id of candidates) {
        this.pool
          .call(id, 'commit', { requestId: attempts.requestId })
          .then((res) => {
            // RFC 9591 §3.1: validate on arrival, so a malformed commitment blames its signer.
            const commitment = { id, hiding: res.hiding, binding: res.binding };
            checkCommitment(commitment);
            return commitment;
          })
          .then(
            (commitment) => {
              if (chosen.length < threshold) chosen.push(commitment);
              if (chosen.length === threshold) resolve();
              settle();
            },
            (err: unknown) => {
              try {
                this.#refused(attempts, id, 'commit', err);
              } catch (agreed) {
                refused = true;
                reject(agreed);
              }
              settle();
            },
          );
      }
    });
    return chosen;
  }

  /** Returns the verified shares, or undefined when a signer must be replaced and the attempt retried. */
  async #roundTwo(
    attempts: Attempts,
    message: Uint8Array,
    commitments: SigningCommitment[],
    attempt: SignAttempt,
  ): Promise<Map<number, Uint8Array> | undefined> {
    const wire = commitments.map((c) => ({
      signerId: c.id,
      hiding: Buffer.from(c.hiding),
      binding: Buffer.from(c.binding),
    }));
    const answered = new Set<number>();
    const calls = commitments.map((c) => {
      const sent = performance.now();
      return this.pool
        .call(c.id, 'sign', {
          requestId: attempts.requestId,
          message: Buffer.from(message),
          commitments: wire,
          evidence: attempt.evidence,
          purpose: SigningPurpose.SIGNING_PURPOSE_TOKEN,
          approvals: [...(attempt.approvals ?? [])],
          requesterAttestation: attempt.requesterAttestation,
          dpopProof: attempt.dpopProof ?? '',
        })
        .finally(() => {
          answered.add(c.id);
          this.#hedge?.record(performance.now() - sent);
        });
    });
    const all = Promise.allSettled(calls);
    const slow = await this.#slowSigners(attempts, calls, commitments, answered, attempt.eligible);
    if (slow.length > 0) {
      for (const id of slow) {
        this.pool.markDegraded(id, 'slow', `no round-two answer within the hedge budget`);
        this.#report(attempts, id, 'sign', 'slow', 'hedged: another quorum was started');
        attempts.slow.add(id);
      }
      attempts.hedges++;
      return undefined;
    }
    const results = await all;
    const shares = new Map<number, Uint8Array>();
    let retry = false;
    for (const [i, result] of results.entries()) {
      const id = commitments[i]!.id;
      if (result.status === 'rejected') {
        this.#refused(attempts, id, 'sign', result.reason);
        retry = true;
      } else if (!this.group.verifyShare(id, result.value.signatureShare, commitments, message)) {
        this.pool.markFaulty(id, 'invalid signature share');
        this.#report(attempts, id, 'sign', 'share_invalid', 'invalid signature share');
        attempts.excluded.add(id);
        retry = true;
      } else {
        shares.set(id, result.value.signatureShare);
      }
    }
    return retry ? undefined : shares;
  }

  /**
   * Waits for round two up to the hedge budget, or, once one signer has answered, up to
   * `factor` times its answer time (a loaded machine slows every signer alike; a frozen
   * one stands out); returns the signers still silent then, when another quorum can be
   * formed without them (else waits for everyone and returns none).
   */
  async #slowSigners(
    attempts: Attempts,
    calls: readonly Promise<unknown>[],
    commitments: SigningCommitment[],
    answered: ReadonlySet<number>,
    eligible: (id: number) => boolean = () => true,
  ): Promise<number[]> {
    const hedge = this.#hedge;
    if (!hedge || attempts.hedges >= MAX_HEDGES) return [];
    const started = performance.now();
    const budget = hedge.budgetMs();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'hedge'>((resolve) => {
      const arm = (ms: number) => {
        clearTimeout(timer);
        timer = setTimeout(() => resolve('hedge'), Math.max(0, ms));
      };
      arm(budget);
      let first = true;
      const onAnswer = () => {
        if (!first) return;
        first = false;
        const elapsed = performance.now() - started;
        const relative = hedge.relativeMs(elapsed);
        if (relative < budget) arm(relative - elapsed);
      };
      for (const call of calls) call.then(onAnswer, () => {});
    });
    const first = await Promise.race([Promise.allSettled(calls), expired]).finally(() =>
      clearTimeout(timer),
    );
    if (first !== 'hedge') return [];
    const slow = commitments.map((c) => c.id).filter((id) => !answered.has(id));
    const others = this.#available(attempts, eligible).filter((id) => !slow.includes(id));
    return others.length >= this.group.publicKey.threshold ? slow : [];
  }

  /**
   * Handles one signer's refusal or failure: it is left out of this mint and marked
   * degraded (or faulty), unless another signer gave the same refusal: then the request
   * itself is refused and the error is thrown.
   */
  #refused(attempts: Attempts, id: number, rpc: 'commit' | 'sign', err: unknown): void {
    const code = err instanceof FrostmintError ? err.code : 'internal';
    const reason = err instanceof Error ? err.message : String(err);
    this.log.warn({ signer: id, rpc, code, reason }, 'signer call failed');
    this.#report(attempts, id, rpc, code, reason);
    attempts.excluded.add(id);
    if (err instanceof FrostError) {
      this.pool.markFaulty(id, 'invalid commitment');
      return;
    }
    if (err instanceof UnavailableError) this.pool.markUnreachable(id, err.message);
    this.pool.markDegraded(id, degradation(err), reason);
    if (!(err instanceof FrostmintError) || err instanceof UnavailableError) return;
    const seen = attempts.refusals.get(code) ?? { signers: [], err };
    seen.signers.push(id);
    attempts.refusals.set(code, seen);
    if (seen.signers.length >= 2) throw err;
  }

  #report(
    attempts: Attempts,
    signer: number,
    rpc: 'commit' | 'sign',
    code: string,
    reason: string,
  ) {
    const report = this.#events.signerRefused?.({
      requestId: attempts.requestId,
      signer,
      rpc,
      code,
      reason,
    });
    if (report) attempts.reports.push(report);
  }

  #quorumLost(attempts: Attempts, have: number): UnavailableError {
    const { threshold } = this.group.publicKey;
    const refusals = [...attempts.refusals].flatMap(([code, r]) =>
      r.signers.map((signer) => ({ signer, code })),
    );
    const report = this.#events.quorumLost?.({
      requestId: attempts.requestId,
      available: have,
      needed: threshold,
      refusals,
    });
    if (report) attempts.reports.push(report);
    const refused = refusals.map((r) => `signer ${r.signer}: ${r.code}`).join(', ');
    return new UnavailableError(
      'quorum_unavailable',
      `only ${have} signer(s) answered; ${threshold} are needed to sign${refused ? ` (refused: ${refused})` : ''}. Check the signers' health at /readyz.`,
    );
  }
}

/**
 * What a refusal says about the signer that gave it: its clock is off (`token_iat_skew`),
 * it enforces another policy (a rollout in progress), it timed out or is unavailable, or
 * its refusal code.
 */
function degradation(err: unknown): string {
  if (!(err instanceof FrostmintError)) return 'internal';
  if (err.code === 'token_iat_skew') return 'clock_skew';
  if (err instanceof UnavailableError) {
    const grpc = (err.cause as { code?: number } | undefined)?.code;
    return grpc === status.DEADLINE_EXCEEDED ? 'timeout' : 'unavailable';
  }
  return err.code;
}
