import { CliError, EXIT } from '@frostmint/client/cli-kit';
import {
  type Checkpoint,
  encodeBase64,
  leafHash,
  MerkleTree,
  type NoteVerifier,
  noteVerifier,
  parseCheckpoint,
  verifyConsistency,
  verifyNote,
} from '@frostmint/core';
import type { TileLog } from './tiles.ts';

/** What a monitor trusts: the log's origin, the quorum's keys, the witnesses it requires. */
export interface MonitorTrust {
  readonly origin: string;
  /** Ed25519 group public keys (every key of the JWKS, for key rollover). */
  readonly groupKeys: readonly Uint8Array[];
  readonly witnesses: readonly NoteVerifier[];
  readonly minWitnesses: number;
}

/** One checkpoint the monitor verified. */
export interface Observed {
  readonly checkpoint: Checkpoint;
  /** True the first time this (size, root) is seen. */
  readonly fresh: boolean;
  /** Entries the checkpoint added since the largest one seen before, from its first index. */
  readonly entries: readonly Uint8Array[];
  readonly firstIndex: number;
  /** Trusted witnesses that cosigned it. */
  readonly witnesses: readonly string[];
}

/**
 * The state of a log monitor: every checkpoint it saw, and the leaf hashes of the log up to
 * the largest one (read from the entry bundles). Each new checkpoint must carry the quorum
 * signature (and the required witness cosignatures), and be consistent with every checkpoint
 * seen before: the same size means the same root, a smaller one is the root of a prefix of
 * the leaves, a larger one extends them (an RFC 9162 §2.1.4 consistency proof computed from
 * the entries from the largest earlier checkpoint must verify). Anything else is a fork:
 * `audit_fork_detected`, exit 19.
 *
 * @example
 * ```ts
 * const monitor = new LogMonitor(new TileLog(prefix), { origin, groupKeys, witnesses: [], minWitnesses: 0 });
 * const { checkpoint, fresh } = await monitor.observe();
 * ```
 */
export class LogMonitor {
  /** The log's leaves up to the largest checkpoint seen (O(log n) roots and proofs). */
  private readonly tree = new MerkleTree();
  private readonly seen = new Map<number, Uint8Array>();
  private readonly quorum: NoteVerifier[];

  constructor(
    private readonly log: TileLog,
    private readonly trust: MonitorTrust,
  ) {
    this.quorum = trust.groupKeys.map((key) => noteVerifier(trust.origin, key));
  }

  /** The checkpoints seen so far, smallest first. */
  get checkpoints(): { size: number; root: string }[] {
    return [...this.seen.entries()]
      .sort(([a], [b]) => a - b)
      .map(([size, root]) => ({ size, root: encodeBase64(root) }));
  }

  /** Reads the current checkpoint, verifies it and its consistency with all seen before. */
  async observe(): Promise<Observed> {
    const note = await this.log.checkpoint();
    const { checkpoint, witnesses } = this.verified(note);
    const { size, root } = checkpoint;
    const known = this.seen.get(size);
    if (known) {
      if (!equal(known, root))
        this.fork(checkpoint, { size, root: known }, 'same size, another root');
      return { checkpoint, fresh: false, entries: [], firstIndex: size, witnesses };
    }
    const firstIndex = this.tree.size;
    let entries: Uint8Array[] = [];
    if (size <= this.tree.size) {
      if (!equal(this.tree.root(size), root)) {
        this.fork(checkpoint, this.largest()!, 'it is not a prefix of the larger tree');
      }
    } else {
      entries = await this.log.entries(this.tree.size, size, size);
      // A mismatch below ends the monitor, so the leaves are appended before the checks.
      for (const entry of entries) this.tree.append(leafHash(entry));
      const earlier = this.largest();
      if (!equal(this.tree.root(size), root)) {
        if (earlier) this.fork(checkpoint, earlier, 'its entries do not extend the earlier tree');
        throw new CliError(
          'audit_fork_detected',
          EXIT.logInconsistent,
          `checkpoint ${describe(checkpoint)}: the log's entries do not hash to its root`,
        );
      }
      if (earlier && earlier.size > 0) {
        // RFC 9162 §2.1.4.2, from the proof the entries give: old tree → new tree.
        const proof = this.tree.consistencyProof(earlier.size, size);
        if (!verifyConsistency(earlier.size, size, proof, earlier.root, root)) {
          this.fork(checkpoint, earlier, 'no consistency proof');
        }
      }
    }
    this.seen.set(size, root);
    return { checkpoint, fresh: true, entries, firstIndex, witnesses };
  }

  private verified(note: string): { checkpoint: Checkpoint; witnesses: string[] } {
    const { text } = verifyNote(note, this.quorum);
    const checkpoint = parseCheckpoint(text);
    if (checkpoint.origin !== this.trust.origin) {
      throw new CliError(
        'receipt_origin_mismatch',
        EXIT.refused,
        `the log serves checkpoints of ${JSON.stringify(checkpoint.origin)}, not ${JSON.stringify(this.trust.origin)}`,
      );
    }
    let witnesses: string[] = [];
    if (this.trust.witnesses.length > 0) {
      try {
        witnesses = verifyNote(note, this.trust.witnesses).verified.map((s) => s.name);
      } catch (err) {
        if ((err as { code?: string }).code !== 'note_unverified') throw err;
      }
    }
    if (witnesses.length < this.trust.minWitnesses) {
      throw new CliError(
        'checkpoint_witnesses_missing',
        EXIT.refused,
        `checkpoint ${describe(checkpoint)} has ${witnesses.length} of the ${this.trust.minWitnesses} required witness cosignatures`,
      );
    }
    return { checkpoint, witnesses };
  }

  private largest(): { size: number; root: Uint8Array } | undefined {
    const sizes = [...this.seen.keys()];
    if (sizes.length === 0) return undefined;
    const size = Math.max(...sizes);
    return { size, root: this.seen.get(size)! };
  }

  private fork(
    checkpoint: Checkpoint,
    earlier: { size: number; root: Uint8Array },
    why: string,
  ): never {
    throw new CliError(
      'audit_fork_detected',
      EXIT.logInconsistent,
      `FORK: checkpoint ${describe(checkpoint)} is not consistent with checkpoint ${describe(earlier)} seen before (${why})`,
    );
  }
}

function describe(c: { size: number; root: Uint8Array }): string {
  return `size ${c.size} root ${encodeBase64(c.root)}`;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
