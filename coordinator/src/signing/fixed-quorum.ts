import {
  checkCommitment,
  type FrostGroup,
  FrostmintError,
  type MintApprovalWire,
  type SigningCommitment,
  UnavailableError,
} from '@frostmint/core';
import type { Evidence, SigningPurpose } from '@frostmint/proto';
import type { Logger } from 'pino';
import { approvalToProto } from '../approvals/proto.ts';
import type { SignerPool } from './signer-pool.ts';

/** One signature over a message that was fixed (with its signer set) before signing. */
export interface FixedSigning {
  readonly requestId: string;
  /** The exact signers; a token names them in `frostmint.signers`. */
  readonly signers: readonly number[];
  readonly message: Uint8Array;
  readonly evidence: Evidence;
  readonly purpose: SigningPurpose;
  /** Guardian approvals of the request; every signer verifies them against the token. */
  readonly approvals?: readonly MintApprovalWire[];
  /** The requester's DPoP proof, for a token bound with `cnf.jkt` (RFC 9449). */
  readonly dpopProof?: string;
}

/**
 * Runs the two FROST rounds (RFC 9591 §5) with a signer set chosen in advance: a prepared
 * mint request names its signers and the engineer's tap approves exactly that message, so
 * no other signer can stand in. Every share is verified (§5.4) and the aggregate checked
 * against the group key. If a named signer does not answer or refuses, the signing fails
 * (`signer_unavailable`, or the signer's own refusal code) and the request must be prepared
 * again.
 *
 * @example
 * ```ts
 * const signature = await new FixedQuorum(pool, frost, log).sign({ requestId, signers: [1, 3],
 *   message, evidence, purpose: SigningPurpose.SIGNING_PURPOSE_TOKEN });
 * ```
 */
export class FixedQuorum {
  constructor(
    private readonly pool: SignerPool,
    private readonly group: FrostGroup,
    private readonly log: Logger,
  ) {}

  async sign(s: FixedSigning): Promise<Uint8Array> {
    const commitments = await Promise.all(
      s.signers.map(async (id): Promise<SigningCommitment> => {
        const res = await this.pool
          .call(id, 'commit', { requestId: s.requestId })
          .catch((err: unknown) => {
            throw this.#failed(id, 'commit', err);
          });
        const commitment = { id, hiding: res.hiding, binding: res.binding };
        checkCommitment(commitment);
        return commitment;
      }),
    );
    const wire = commitments.map((c) => ({
      signerId: c.id,
      hiding: Buffer.from(c.hiding),
      binding: Buffer.from(c.binding),
    }));
    const shares = new Map<number, Uint8Array>();
    const results = await Promise.allSettled(
      commitments.map((c) =>
        this.pool.call(c.id, 'sign', {
          requestId: s.requestId,
          message: Buffer.from(s.message),
          commitments: wire,
          evidence: s.evidence,
          purpose: s.purpose,
          approvals: (s.approvals ?? []).map(approvalToProto),
          requesterAttestation: undefined,
          dpopProof: s.dpopProof ?? '',
        }),
      ),
    );
    for (const [i, result] of results.entries()) {
      const id = commitments[i]!.id;
      if (result.status === 'rejected') throw this.#failed(id, 'sign', result.reason);
      if (!this.group.verifyShare(id, result.value.signatureShare, commitments, s.message)) {
        this.pool.markFaulty(id, 'invalid signature share');
        throw new FrostmintError('share_invalid', `signer ${id} returned an invalid share`);
      }
      shares.set(id, result.value.signatureShare);
    }
    const signature = this.group.aggregate(commitments, s.message, shares);
    if (!this.group.verify(s.message, signature)) {
      throw new FrostmintError('aggregate_invalid', 'aggregated signature does not verify');
    }
    return signature;
  }

  #failed(id: number, rpc: string, err: unknown): FrostmintError {
    const code = err instanceof FrostmintError ? err.code : 'internal';
    this.log.warn({ signer: id, rpc, code, reason: (err as Error).message }, 'signer call failed');
    if (err instanceof UnavailableError) {
      this.pool.markUnreachable(id, err.message);
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
}
