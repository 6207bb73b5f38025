import { randomUUID } from 'node:crypto';
import {
  checkCommitment,
  FrostError,
  type FrostGroup,
  FrostmintError,
  inSpan,
  RateLimitedLog,
  type SigningCommitment,
  UnavailableError,
} from '@frostmint/core';
import {
  type AttestationEvidence,
  type CheckpointProofs,
  type Evidence,
  type MintApproval,
  SigningPurpose,
} from '@frostmint/proto';
import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { CommitmentPool } from './commitment-pool.ts';
import { HedgeBudget, type HedgeOptions, HedgeTimer } from './hedge.ts';
import { SignBatcher } from './sign-batcher.ts';
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
  /**
   * A signer set fixed in advance (a tap approved a message naming exactly these): only they
   * are asked, none is replaced, and the first failure ends the signing — the signer's own
   * refusal code, or `signer_unavailable` — so the request must be started again.
   */
  readonly signers?: readonly number[];
  /** What the signers sign (default: a token). */
  readonly purpose?: SigningPurpose;
  /** Purpose CHECKPOINT: the consistency and inclusion proofs every signer checks. */
  readonly checkpointProofs?: CheckpointProofs;
}

/** Round two is hedged at most this often per mint; then it waits for the answers. */
const MAX_HEDGES = 2;
/** What hedging around a silent signer did, per round (its audited reason). */
const HEDGED = {
  commit: 'the other signers were asked',
  sign: 'another quorum was started',
} as const;

/**
 * Refusals of a preprocessed commitment (the signer restarted, or the id was used
 * elsewhere): the signer is not at fault and the request is not refused; the mint goes on
 * with round one.
 */
const STALE_COMMITMENT = new Set(['commitment_unknown', 'commitment_spent']);

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

/**
 * A message signers were sent in round two that did not become the signing's result: the
 * quorum was replaced (a hedge, a refusal, an invalid share) or the signing failed. A
 * signer that answered may hold a share of it, so it is logged like a signed one.
 */
export interface UnusedSigning {
  readonly requestId: string;
  readonly purpose: 'token' | 'enrollment';
  readonly message: Uint8Array;
  /** The signers it was sent to. */
  readonly signers: readonly number[];
}

/** What the driver reports; the coordinator writes each to the audit log. */
export interface RoundEvents {
  signerRefused?(refusal: SignerRefusal): Promise<unknown> | undefined;
  quorumLost?(loss: QuorumLoss): Promise<unknown> | undefined;
  unusedSigning?(unused: UnusedSigning): Promise<unknown> | undefined;
}

/**
 * The purposes whose signing inputs signers remember until a checkpoint proves them logged
 * (docs/audit-signers.md); a checkpoint or group configuration is not such a message.
 */
const LOGGED_PURPOSES = {
  [SigningPurpose.SIGNING_PURPOSE_TOKEN]: 'token',
  [SigningPurpose.SIGNING_PURPOSE_ENROLLMENT]: 'enrollment',
} as const satisfies Partial<Record<SigningPurpose, UnusedSigning['purpose']>>;

/** Options of {@link RoundDriver}. */
export interface RoundDriverOptions {
  readonly events?: RoundEvents;
  /** Round-two hedging (see `HedgeBudget`); `capMs` is the RPC deadline. */
  readonly hedge?: HedgeOptions;
  /**
   * Preprocessed commitments: token signings take one per signer from here and skip round
   * one; without it, or when a signer's supply is empty, round one runs (`Commit`).
   */
  readonly commitments?: CommitmentPool;
}

/** Commitments of one signing attempt, and the preprocessed ids to name (if any). */
interface RoundOne {
  readonly commitments: SigningCommitment[];
  readonly ids?: ReadonlyMap<number, string>;
}

/** One mint's signing attempts: who is left out, and who refused with what. */
interface Attempts {
  readonly requestId: string;
  /** The fixed signer set of this signing, if any (see `SignAttempt.signers`). */
  readonly fixed?: readonly number[];
  readonly excluded: Set<number>;
  /** Signers hedged around: asked again only when no quorum forms without them. */
  readonly slow: Set<number>;
  /** Hedges so far; at most `MAX_HEDGES` per mint, then round two waits. */
  hedges: number;
  /** A preprocessed commitment was refused as stale: the rest of this mint runs round one. */
  twoRounds: boolean;
  /** Refusal code → signers that gave it. Two signers agreeing ends the mint. */
  readonly refusals: Map<string, { signers: number[]; err: FrostmintError }>;
  readonly reports: Promise<unknown>[];
}

/**
 * Drives FROST rounds against the signer pool (RFC 9591 §5). With a `CommitmentPool`, a
 * token signing takes one preprocessed commitment per signer (round one done ahead of
 * time, §5.1) and is one `Sign` round trip to each; otherwise, or when the pool is short,
 * round one asks every candidate and keeps the first `threshold` answers. Round two sends
 * them the signing package (concurrent requests to one signer share a `SignBatch` call,
 * see `SignBatcher`). The shares are aggregated (§5.3) and the signature verified against
 * the group key; only when it fails is each share verified (§5.4, identifiable abort) to
 * find the signer to exclude, so an honest quorum costs one verification, not one per share.
 *
 * Faults of one signer never end a mint: a signer whose share fails verification is
 * marked faulty, one that refuses for any reason or does not answer is marked degraded,
 * and the attempt is repeated with another quorum. Only a refusal two signers agree on
 * (the request itself is refused) ends the mint. Both rounds are hedged: a signer that
 * has not answered by the round's hedge deadline is not waited for. In round one the
 * other signers are asked too; in round two the round restarts with another quorum and
 * the late answer is discarded (its nonce is spent on its side, and every attempt takes
 * fresh commitments, so no nonce is ever used twice).
 *
 * @example
 * ```ts
 * const { signature, signers } = await driver.sign({ messageFor, evidence });
 * ```
 */
export class RoundDriver implements TokenSigner {
  readonly #events: RoundEvents;
  readonly #hedge: HedgeBudget | undefined;
  readonly #commitments: CommitmentPool | undefined;
  readonly #batcher: SignBatcher;
  /** Rotates which signers preprocessed signings start with (spreads the load). */
  #turn = 0;
  /** A signer refusing mint after mint is logged once a minute with the count. */
  readonly #failures: RateLimitedLog;

  constructor(
    private readonly pool: SignerPool,
    private readonly group: FrostGroup,
    private readonly log: Logger,
    options: RoundDriverOptions = {},
  ) {
    this.#events = options.events ?? {};
    this.#hedge = options.hedge && new HedgeBudget(options.hedge);
    this.#commitments = options.commitments;
    this.#batcher = new SignBatcher(pool);
    this.#failures = new RateLimitedLog(log);
  }

  async sign(attempt: SignAttempt): Promise<QuorumSignature> {
    const attempts: Attempts = {
      requestId: attempt.requestId ?? randomUUID(),
      excluded: new Set<number>(),
      slow: new Set<number>(),
      // A fixed set has no one to hedge to: round two waits for the named signers.
      hedges: attempt.signers ? MAX_HEDGES : 0,
      twoRounds: false,
      refusals: new Map(),
      reports: [],
      ...(attempt.signers ? { fixed: attempt.signers } : {}),
    };
    const fixed = attempt.signers;
    const eligible = fixed ? (id: number) => fixed.includes(id) : attempt.eligible;
    /** Every message sent in round two, and whom it was sent to. */
    const sent: { message: Uint8Array; signers: number[] }[] = [];
    let result: Uint8Array | undefined;
    try {
      for (;;) {
        const round: RoundOne = this.#preprocessed(attempts, attempt, eligible) ?? {
          commitments: await inSpan('frost.round_one', () => this.#roundOne(attempts, eligible)),
        };
        const { commitments } = round;
        const signers = commitments.map((c) => c.id).sort((a, b) => a - b);
        const message = attempt.messageFor(signers);
        sent.push({ message, signers });
        const shares = await inSpan('frost.round_two', () =>
          this.#roundTwo(attempts, message, round, attempt),
        );
        if (!shares) continue;
        const signature = this.#aggregated(commitments, message, shares);
        if (signature) {
          result = message;
          return { message, signature, signers };
        }
        // RFC 9591 §5.4 (identifiable abort): only a failed aggregate costs a check of
        // every share, which names the signer(s) to exclude before the retry.
        if (!this.#blameShares(attempts, shares, commitments, message)) {
          throw new FrostmintError(
            'aggregate_invalid',
            'aggregated signature does not verify under the group key',
          );
        }
      }
    } finally {
      this.#reportUnused(attempts, attempt, sent, result);
      await Promise.allSettled(attempts.reports);
    }
  }

  /** Reports every message sent in round two other than `result` (see {@link UnusedSigning}). */
  #reportUnused(
    attempts: Attempts,
    attempt: SignAttempt,
    sent: readonly { message: Uint8Array; signers: number[] }[],
    result: Uint8Array | undefined,
  ): void {
    // The usual mint: one round two, and it became the result.
    if (sent.length === 1 && sent[0]!.message === result) return;
    const purpose =
      LOGGED_PURPOSES[
        (attempt.purpose ?? SigningPurpose.SIGNING_PURPOSE_TOKEN) as keyof typeof LOGGED_PURPOSES
      ];
    if (!purpose || !this.#events.unusedSigning) return;
    // A retry with the same signers sends the same bytes again: each is reported once.
    const seen: Uint8Array[] = result ? [result] : [];
    for (const { message, signers } of sent) {
      if (seen.some((m) => Buffer.compare(m, message) === 0)) continue;
      seen.push(message);
      const report = this.#events.unusedSigning({
        requestId: attempts.requestId,
        purpose,
        message,
        signers,
      });
      if (report) attempts.reports.push(report);
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
    if (attempts.fixed) return attempts.fixed.filter((id) => !attempts.excluded.has(id));
    const all = this.#available(attempts, eligible);
    const brisk = all.filter((id) => !attempts.slow.has(id));
    const healthy = brisk.filter((id) => !this.pool.isDegraded(id));
    return [healthy, brisk].find((tier) => tier.length >= threshold) ?? all;
  }

  /**
   * Round one done ahead of time (RFC 9591 §5.1; FROST's preprocessing stage): one pooled
   * commitment from each of `threshold` preferred candidates (rotating which ones), taken
   * all at once or not at all. Undefined — run round one — for purposes other than a token,
   * after a stale commitment in this mint, or when too few candidates have one.
   */
  #preprocessed(
    attempts: Attempts,
    attempt: SignAttempt,
    eligible: (id: number) => boolean = () => true,
  ): RoundOne | undefined {
    const pool = this.#commitments;
    const purpose = attempt.purpose ?? SigningPurpose.SIGNING_PURPOSE_TOKEN;
    if (!pool || attempts.twoRounds || purpose !== SigningPurpose.SIGNING_PURPOSE_TOKEN) return;
    const { threshold } = this.group.publicKey;
    const tier = this.#candidates(attempts, eligible);
    const start = this.#turn++ % Math.max(1, tier.length);
    const chosen = [...tier.slice(start), ...tier.slice(0, start)]
      .filter((id) => pool.available(id) > 0)
      .slice(0, threshold);
    if (chosen.length < threshold) return;
    const taken = chosen.map((id) => pool.take(id)!);
    return {
      commitments: taken.map((t) => t.commitment),
      ids: new Map(taken.map((t) => [t.commitment.id, t.commitmentId])),
    };
  }

  /**
   * Round one (RFC 9591 §5.1): asks the preferred candidates and keeps the first
   * `threshold` commitments. When a candidate fails and too few are left, or the round's
   * hedge deadline (`HedgeTimer`) passes before a quorum committed, every other available
   * signer is asked too; one still silent when the round completes is marked slow (a
   * frozen signer is routed around, not waited for).
   */
  async #roundOne(
    attempts: Attempts,
    eligible: (id: number) => boolean = () => true,
  ): Promise<SigningCommitment[]> {
    const { threshold } = this.group.publicKey;
    const preferred = this.#candidates(attempts, eligible);
    if (preferred.length < threshold) throw this.#quorumLost(attempts, preferred.length);
    const chosen: SigningCommitment[] = [];
    const asked = new Set<number>();
    const answered = new Set<number>();
    /** Signers still silent when the hedge budget passed and others were asked instead. */
    const late: number[] = [];
    let timer: HedgeTimer | undefined;
    let unsubscribe = () => {};
    await new Promise<void>((resolve, reject) => {
      let pending = 0;
      let done = false;
      const finish = (err?: unknown) => {
        if (done) return;
        done = true;
        timer?.cancel();
        unsubscribe();
        if (err === undefined) resolve();
        else reject(err);
      };
      const widen = () => {
        for (const id of this.#available(attempts, eligible)) if (!asked.has(id)) ask(id);
      };
      const settle = (id: number) => {
        answered.add(id);
        pending--;
        if (done) return;
        if (chosen.length >= threshold) return finish();
        if (pending + chosen.length < threshold) widen();
        if (pending === 0) finish(this.#quorumLost(attempts, chosen.length));
      };
      const ask = (id: number) => {
        asked.add(id);
        pending++;
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
              if (!done && chosen.length < threshold) chosen.push(commitment);
              timer?.answered();
              settle(id);
            },
            (err: unknown) => {
              try {
                this.#refused(attempts, id, 'commit', err);
              } catch (agreed) {
                finish(agreed);
              }
              settle(id);
            },
          );
      };
      for (const id of preferred) ask(id);
      if (!this.#hedge || done) return;
      timer = new HedgeTimer(this.#hedge, () => {
        const silent = [...asked].filter((id) => !answered.has(id));
        const before = asked.size;
        widen();
        // Only a signer that made us ask someone else is hedged around.
        if (asked.size > before) late.push(...silent);
      });
      unsubscribe = this.pool.onSilent((id) => {
        if (asked.has(id) && !answered.has(id)) timer?.silentElsewhere();
      });
    });
    for (const id of late.filter((id) => !answered.has(id)))
      this.#hedgedAround(attempts, id, 'commit');
    return chosen;
  }

  /**
   * The shares' aggregate (RFC 9591 §5.3) when it is a valid signature under the group key;
   * undefined when it is not, or a share is not even a scalar.
   */
  #aggregated(
    commitments: SigningCommitment[],
    message: Uint8Array,
    shares: ReadonlyMap<number, Uint8Array>,
  ): Uint8Array | undefined {
    let signature: Uint8Array;
    try {
      signature = this.group.aggregate(commitments, message, shares);
    } catch (err) {
      if (err instanceof FrostError) return undefined;
      throw err;
    }
    return this.group.verify(message, signature) ? signature : undefined;
  }

  /**
   * Checks every share of a quorum whose aggregate did not verify (RFC 9591 §5.4); each
   * invalid one marks its signer faulty and out of this mint. Whether any was found.
   */
  #blameShares(
    attempts: Attempts,
    shares: ReadonlyMap<number, Uint8Array>,
    commitments: SigningCommitment[],
    message: Uint8Array,
  ): boolean {
    let found = false;
    for (const [id, share] of shares) {
      if (this.group.verifyShare(id, share, commitments, message)) continue;
      this.#faultyShare(attempts, id);
      found = true;
    }
    return found;
  }

  #faultyShare(attempts: Attempts, id: number): void {
    this.pool.markFaulty(id, 'invalid signature share');
    this.#report(attempts, id, 'sign', 'share_invalid', 'invalid signature share');
    attempts.excluded.add(id);
  }

  /** A signer that did not answer within the hedge budget: left out of this mint, degraded. */
  #hedgedAround(attempts: Attempts, id: number, rpc: 'commit' | 'sign'): void {
    this.pool.markDegraded(id, 'slow', `no ${rpc} answer within the hedge budget`);
    this.#report(attempts, id, rpc, 'slow', `hedged: ${HEDGED[rpc]}`);
    attempts.slow.add(id);
  }

  /**
   * Returns the quorum's shares (checked as a whole, by verifying their aggregate), or
   * undefined when a signer must be replaced and the attempt retried.
   */
  async #roundTwo(
    attempts: Attempts,
    message: Uint8Array,
    { commitments, ids }: RoundOne,
    attempt: SignAttempt,
  ): Promise<Map<number, Uint8Array> | undefined> {
    const wire = commitments.map((c) => ({
      signerId: c.id,
      hiding: Buffer.from(c.hiding),
      binding: Buffer.from(c.binding),
    }));
    const answered = new Set<number>();
    let hedged = false;
    const calls = commitments.map((c) => {
      const sent = performance.now();
      // Answer times feed the hedge budget; a deadline that ran out, or the late answer of
      // a signer already hedged around, says nothing about how long rounds take.
      const answer = () => {
        answered.add(c.id);
        if (!hedged) this.#hedge?.record(performance.now() - sent);
      };
      return this.#batcher
        .sign(c.id, {
          requestId: attempts.requestId,
          message: Buffer.from(message),
          commitments: wire,
          evidence: attempt.evidence,
          purpose: attempt.purpose ?? SigningPurpose.SIGNING_PURPOSE_TOKEN,
          approvals: [...(attempt.approvals ?? [])],
          requesterAttestation: attempt.requesterAttestation,
          dpopProof: attempt.dpopProof ?? '',
          checkpointProofs: attempt.checkpointProofs,
          commitmentId: ids?.get(c.id) ?? '',
        })
        .then(
          (res) => {
            answer();
            return res;
          },
          (err: unknown) => {
            if (err instanceof UnavailableError) answered.add(c.id);
            else answer();
            throw err;
          },
        );
    });
    const all = Promise.allSettled(calls);
    const slow = await this.#slowSigners(attempts, calls, commitments, answered, attempt.eligible);
    if (slow.length > 0) {
      hedged = true;
      for (const id of slow) this.#hedgedAround(attempts, id, 'sign');
      attempts.hedges++;
      return undefined;
    }
    const results = await all;
    const shares = new Map<number, Uint8Array>();
    let retry = false;
    for (const [i, result] of results.entries()) {
      const id = commitments[i]!.id;
      if (result.status === 'rejected' && ids && isStale(result.reason)) {
        this.#staleCommitment(attempts, id, result.reason);
        retry = true;
      } else if (result.status === 'rejected') {
        this.#refused(attempts, id, 'sign', result.reason);
        retry = true;
      } else {
        shares.set(id, result.value.signatureShare);
      }
    }
    return retry ? undefined : shares;
  }

  /**
   * Waits for round two until its hedge deadline (`HedgeTimer`: the budget, `factor` ×
   * the first answer's time — a loaded machine slows every signer alike, a frozen one
   * stands out — or the floor once the pool saw a silent signer not answering elsewhere).
   * Returns the signers still silent then, as soon as another quorum can be formed without
   * them: when none can yet (its partner is slow too, or the third signer is out), it keeps
   * watching, and hedges the moment one answers or the pool has a quorum without them
   * again. Returns none once everyone answered.
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
    let timer: HedgeTimer | undefined;
    let unsubscribe = () => {};
    const expired = new Promise<'hedge'>((resolve) => {
      const t = new HedgeTimer(hedge, () => resolve('hedge'));
      timer = t;
      for (const call of calls) call.then(() => t.answered(), noop);
      unsubscribe = this.pool.onSilent((id) => {
        if (commitments.some((c) => c.id === id) && !answered.has(id)) t.silentElsewhere();
      });
    });
    const first = await Promise.race([Promise.allSettled(calls), expired]).finally(() => {
      timer?.cancel();
      unsubscribe();
    });
    if (first !== 'hedge') return [];
    for (;;) {
      const silent = commitments.flatMap((c, i) => (answered.has(c.id) ? [] : [i]));
      if (silent.length === 0) return [];
      const slow = silent.map((i) => commitments[i]!.id);
      const others = this.#available(attempts, eligible).filter((id) => !slow.includes(id));
      if (others.length >= this.group.publicKey.threshold) return slow;
      await settledOrAfter(
        silent.map((i) => calls[i]!),
        hedge.budgetMs(),
      );
    }
  }

  /**
   * A signer refused its preprocessed commitment as unknown (it restarted) or spent (used
   * elsewhere): audited, its pooled commitments dropped, and this mint goes on with round
   * one; neither the signer nor the request is at fault.
   */
  #staleCommitment(attempts: Attempts, id: number, err: FrostmintError): void {
    this.log.info({ signer: id, code: err.code }, 'preprocessed commitment refused; round one');
    this.#report(attempts, id, 'sign', err.code, err.message);
    this.#commitments?.invalidate(id);
    attempts.twoRounds = true;
  }

  /**
   * Handles one signer's refusal or failure: it is left out of this mint and marked
   * degraded (or faulty), unless another signer gave the same refusal: then the request
   * itself is refused and the error is thrown.
   */
  #refused(attempts: Attempts, id: number, rpc: 'commit' | 'sign', err: unknown): void {
    const code = err instanceof FrostmintError ? err.code : 'internal';
    const reason = err instanceof Error ? err.message : String(err);
    this.#failures.warn(
      `${id}:${rpc}:${code}`,
      { signer: id, rpc, code, reason },
      'signer call failed',
    );
    this.#report(attempts, id, rpc, code, reason);
    attempts.excluded.add(id);
    if (attempts.fixed) throw namedSignerFailed(this.pool, id, err);
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

/** Resolves when one of `calls` settles, or after `ms`, whichever comes first. */
async function settledOrAfter(calls: readonly Promise<unknown>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const after = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  const settled = calls.map((call) => call.then(noop, noop));
  await Promise.race([after, ...settled]).finally(() => clearTimeout(timer));
}

function noop(): void {}

function isStale(err: unknown): err is FrostmintError {
  return err instanceof FrostmintError && STALE_COMMITMENT.has(err.code);
}

/**
 * The error that ends a signing with a fixed signer set when one of the named signers
 * fails: `signer_unavailable` when it cannot be reached, else its own refusal.
 */
function namedSignerFailed(pool: SignerPool, id: number, err: unknown): FrostmintError {
  if (err instanceof UnavailableError) {
    pool.markUnreachable(id, err.message);
    return new UnavailableError(
      'signer_unavailable',
      `signer ${id}, which this request names, is unavailable (${err.message}); start a new request`,
      { cause: err },
    );
  }
  return err instanceof FrostmintError
    ? err
    : new FrostmintError('internal', `signer ${id} failed`, { cause: err });
}
