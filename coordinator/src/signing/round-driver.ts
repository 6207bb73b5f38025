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
import type { Logger } from 'pino';
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
  /** Only signers it accepts take part (policy requires signer attestation); read live. */
  readonly eligible?: (id: number) => boolean;
}

/**
 * Drives FROST rounds against the signer pool (RFC 9591 §5): round one asks every
 * candidate and keeps the first `threshold` answers; round two sends them the signing
 * package; every share is verified (§5.4) before aggregation (§5.3), and the aggregate is
 * verified against the group key. A signer whose share fails verification is marked
 * faulty and the attempt is repeated without it.
 *
 * @example
 * ```ts
 * const { signature, signers } = await driver.sign({ messageFor, evidence });
 * ```
 */
export class RoundDriver implements TokenSigner {
  constructor(
    private readonly pool: SignerPool,
    private readonly group: FrostGroup,
    private readonly log: Logger,
  ) {}

  async sign(attempt: SignAttempt): Promise<QuorumSignature> {
    const requestId = attempt.requestId ?? randomUUID();
    const excluded = new Set<number>();
    for (;;) {
      const commitments = await this.#roundOne(requestId, excluded, attempt.eligible);
      const signers = commitments.map((c) => c.id).sort((a, b) => a - b);
      const message = attempt.messageFor(signers);
      const shares = await this.#roundTwo(requestId, message, commitments, attempt, excluded);
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
  }

  async #roundOne(
    requestId: string,
    excluded: Set<number>,
    eligible: (id: number) => boolean = () => true,
  ): Promise<SigningCommitment[]> {
    const { threshold } = this.group.publicKey;
    const candidates = this.pool.candidates().filter((id) => !excluded.has(id) && eligible(id));
    if (candidates.length < threshold) throw quorumUnavailable(candidates.length, threshold);
    const chosen: SigningCommitment[] = [];
    await new Promise<void>((resolve, reject) => {
      let pending = candidates.length;
      for (const id of candidates) {
        this.pool
          .call(id, 'commit', { requestId })
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
              if (--pending === 0 && chosen.length < threshold)
                reject(quorumUnavailable(chosen.length, threshold));
            },
            (err: unknown) => {
              if (err instanceof FrostError) this.pool.markFaulty(id, 'invalid commitment');
              this.#noteFailure(id, 'commit', err);
              excluded.add(id);
              if (--pending === 0 && chosen.length < threshold)
                reject(quorumUnavailable(chosen.length, threshold));
            },
          );
      }
    });
    return chosen;
  }

  /** Returns the verified shares, or undefined when a signer must be replaced and the attempt retried. */
  async #roundTwo(
    requestId: string,
    message: Uint8Array,
    commitments: SigningCommitment[],
    attempt: SignAttempt,
    excluded: Set<number>,
  ): Promise<Map<number, Uint8Array> | undefined> {
    const wire = commitments.map((c) => ({
      signerId: c.id,
      hiding: Buffer.from(c.hiding),
      binding: Buffer.from(c.binding),
    }));
    const results = await Promise.allSettled(
      commitments.map((c) =>
        this.pool.call(c.id, 'sign', {
          requestId,
          message: Buffer.from(message),
          commitments: wire,
          evidence: attempt.evidence,
          purpose: SigningPurpose.SIGNING_PURPOSE_TOKEN,
          approvals: [...(attempt.approvals ?? [])],
          requesterAttestation: attempt.requesterAttestation,
        }),
      ),
    );
    const shares = new Map<number, Uint8Array>();
    let retry = false;
    for (const [i, result] of results.entries()) {
      const id = commitments[i]!.id;
      if (result.status === 'rejected') {
        this.#noteFailure(id, 'sign', result.reason);
        if (!retryable(result.reason)) throw result.reason;
        excluded.add(id);
        retry = true;
      } else if (!this.group.verifyShare(id, result.value.signatureShare, commitments, message)) {
        this.pool.markFaulty(id, 'invalid signature share');
        excluded.add(id);
        retry = true;
      } else {
        shares.set(id, result.value.signatureShare);
      }
    }
    return retry ? undefined : shares;
  }

  #noteFailure(id: number, rpc: string, err: unknown): void {
    if (err instanceof UnavailableError) this.pool.markUnreachable(id, err.message);
    const code = err instanceof FrostmintError ? err.code : 'internal';
    this.log.warn({ signer: id, rpc, code, reason: (err as Error).message }, 'signer call failed');
  }
}

function quorumUnavailable(have: number, need: number): UnavailableError {
  return new UnavailableError(
    'quorum_unavailable',
    `only ${have} signer(s) answered; ${need} are needed to sign. Check the signers' health at /readyz.`,
  );
}

/**
 * Refusals that say nothing about the request, only about that signer at that moment: it is
 * unavailable, lost its nonce, or does not enforce the policy the token names yet (a bundle
 * rollout reaches signers one by one). Another quorum is tried; every other refusal ends
 * the mint.
 */
function retryable(err: unknown): boolean {
  return (
    err instanceof UnavailableError ||
    (err instanceof FrostmintError &&
      (err.code === 'nonce_unavailable' || err.code === 'policy_mismatch'))
  );
}
