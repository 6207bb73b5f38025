import { formatSignedNote, type NoteSignature, parseSignedNote, verifyNote } from '@frostmint/core';
import type { Logger } from 'pino';
import { type CheckpointSubmission, WitnessClient } from './client.ts';
import type { WitnessPolicy } from './config.ts';
import { WitnessError } from './errors.ts';
import type { WitnessMetrics } from './metrics.ts';

/** What the witnesses made of one checkpoint. */
export interface WitnessedCheckpoint {
  /** The note with every verified witness cosignature appended (quorum signature first). */
  readonly note: string;
  /** Names of the witnesses that cosigned. */
  readonly cosigned: readonly string[];
  /** The witnesses that did not, and why (stable codes). */
  readonly failures: readonly { witness: string; code: WitnessError['code']; message: string }[];
  /** At least `minCosignatures` witnesses cosigned. */
  readonly witnessed: boolean;
}

/**
 * Submits each quorum-signed checkpoint to every configured external witness in parallel
 * (C2SP tlog-witness) and attaches the cosignatures that verify. A checkpoint with fewer than
 * `minCosignatures` is reported (`checkpoint_witnesses_missing` in the log,
 * `frostmint_audit_checkpoints_unwitnessed_total`) and marked not witnessed — never
 * passed off as witnessed; `isWitnessed` is the check receipts are served under.
 *
 * @example
 * ```ts
 * const cosigner = new WitnessCosigner(config.audit.witnessing, { metrics, logger });
 * const { note, witnessed } = await cosigner.cosign({ note: quorumSigned, consistencyProof });
 * ```
 */
export class WitnessCosigner {
  private readonly clients: readonly WitnessClient[];

  constructor(
    private readonly policy: WitnessPolicy,
    private readonly deps: { metrics?: WitnessMetrics; logger?: Logger; fetch?: typeof fetch } = {},
  ) {
    this.clients = policy.witnesses.map(
      (endpoint) =>
        new WitnessClient(endpoint, {
          timeoutMs: policy.timeoutMs,
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
        }),
    );
  }

  /** Submits `submission` to every witness; resolves once each answered or timed out. */
  async cosign(submission: CheckpointSubmission): Promise<WitnessedCheckpoint> {
    const results = await Promise.allSettled(this.clients.map((c) => c.cosign(submission)));
    const cosignatures: NoteSignature[] = [];
    const cosigned: string[] = [];
    const failures: WitnessedCheckpoint['failures'][number][] = [];
    results.forEach((result, i) => {
      const client = this.clients[i]!;
      const witness = client.endpoint.name;
      if (result.status === 'fulfilled') {
        cosignatures.push(result.value);
        cosigned.push(witness);
        this.deps.metrics?.cosignatures.inc({ witness });
        this.deps.metrics?.witnessSize.set({ witness }, client.lastSize ?? 0);
        return;
      }
      const err = result.reason;
      const failure =
        err instanceof WitnessError
          ? { witness, code: err.code, message: err.message }
          : { witness, code: 'witness_unreachable' as const, message: String(err) };
      failures.push(failure);
      this.deps.metrics?.failures.inc({ witness, code: failure.code });
      this.deps.logger?.warn(failure, 'witness did not cosign the checkpoint');
    });
    const note = attach(submission.note, cosignatures);
    const witnessed = cosigned.length >= this.policy.minCosignatures;
    if (!witnessed) {
      this.deps.metrics?.unwitnessed.inc();
      this.deps.logger?.error(
        { code: 'checkpoint_witnesses_missing', cosigned, needed: this.policy.minCosignatures },
        'checkpoint has fewer witness cosignatures than the policy requires',
      );
    }
    return { note, cosigned, failures, witnessed };
  }

  /**
   * Whether `note` carries at least `minCosignatures` valid cosignatures of configured
   * witnesses: the policy a checkpoint must meet before a receipt is served with it.
   *
   * @example
   * ```ts
   * if (!cosigner.isWitnessed(checkpoint.note)) throw new ConflictError('receipt_pending', '…');
   * ```
   */
  isWitnessed(note: string): boolean {
    const needed = this.policy.minCosignatures;
    return needed === 0 || verifiedWitnesses(note, this.clients) >= needed;
  }
}

/** The note with `cosignatures` appended after its own lines (a witness's older line replaced). */
function attach(note: string, cosignatures: readonly NoteSignature[]): string {
  if (cosignatures.length === 0) return note;
  const parsed = parseSignedNote(note);
  const fresh = (s: NoteSignature) =>
    !cosignatures.some((c) => c.name === s.name && c.keyId === s.keyId);
  return formatSignedNote({
    text: parsed.text,
    signatures: [...parsed.signatures.filter(fresh), ...cosignatures],
  });
}

function verifiedWitnesses(note: string, clients: readonly WitnessClient[]): number {
  try {
    return verifyNote(
      note,
      clients.map((c) => c.verifier),
    ).verified.length;
  } catch {
    return 0;
  }
}
