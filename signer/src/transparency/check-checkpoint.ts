import {
  type Checkpoint,
  CheckpointError,
  ConflictError,
  ForbiddenError,
  formatCheckpoint,
  leafHash,
  parseCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '@frostmint/core';
import type { CheckpointProofs } from '@frostmint/proto';

/** The last checkpoint a signer co-signed. */
export interface WitnessedHead {
  readonly size: number;
  readonly root: Uint8Array;
}

/** A checkpoint request that passed every check, and the signing inputs it proves logged. */
export interface CheckedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** Hex `signing_input_sha256` of every entry whose inclusion in it verified. */
  readonly logged: ReadonlySet<string>;
}

/**
 * Checks a purpose-CHECKPOINT request as if the coordinator were hostile: the message is a
 * C2SP tlog-checkpoint of `origin` in canonical form (`checkpoint_malformed`,
 * `checkpoint_origin_mismatch`); it never shrinks the tree (`checkpoint_shrunk`), never shows
 * another root at the size of `last` (`checkpoint_fork`), and extends `last` by a valid
 * RFC 9162 §2.1.4.2 consistency proof (`checkpoint_inconsistent`); every entry sent is in the
 * new tree at its index (§2.1.3.2, `checkpoint_inclusion_invalid`). Without a `last` (the
 * first checkpoint this signer sees) the tree is trusted on first use.
 *
 * @example
 * ```ts
 * const { checkpoint, logged } = checkCheckpoint(req.message, req.checkpointProofs, last, origin);
 * ```
 */
export function checkCheckpoint(
  message: Uint8Array,
  proofs: CheckpointProofs | undefined,
  last: WitnessedHead | undefined,
  origin: string,
): CheckedCheckpoint {
  const checkpoint = parseCanonical(message);
  if (checkpoint.origin !== origin) {
    throw new ForbiddenError(
      'checkpoint_origin_mismatch',
      `checkpoint of log ${JSON.stringify(checkpoint.origin)}, this signer witnesses ${JSON.stringify(origin)}`,
    );
  }
  if (last) checkExtends(checkpoint, last, proofs);
  return { checkpoint, logged: loggedInputs(checkpoint, proofs) };
}

/** Only the exact bytes `formatCheckpoint` makes, without extension lines. */
function parseCanonical(message: Uint8Array): Checkpoint {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(message);
  } catch {
    throw new CheckpointError('the checkpoint is not UTF-8');
  }
  const checkpoint = parseCheckpoint(text);
  if (checkpoint.extensions.length > 0 || formatCheckpoint(checkpoint) !== text) {
    throw new CheckpointError('the checkpoint is not in canonical form (no extension lines)');
  }
  return checkpoint;
}

/** tlog-checkpoint §Signatures: never sign a checkpoint inconsistent with one signed before. */
function checkExtends(
  next: Checkpoint,
  last: WitnessedHead,
  proofs: CheckpointProofs | undefined,
): void {
  if (next.size < last.size) {
    throw new ConflictError(
      'checkpoint_shrunk',
      `the log shrank from ${last.size} to ${next.size} entries since this signer's last checkpoint`,
    );
  }
  if (next.size === last.size) {
    if (!equal(next.root, last.root)) {
      throw new ConflictError(
        'checkpoint_fork',
        `another root for tree size ${next.size} than the one this signer co-signed`,
      );
    }
    return;
  }
  if (last.size === 0) return; // every tree extends the empty one
  const proof = proofs?.consistency.find((p) => Number(p.oldSize) === last.size);
  // RFC 9162 §2.1.4.2: verify the proof from (last.size, last.root) to (next.size, next.root).
  if (!proof || !verifyConsistency(last.size, next.size, proof.hashes, last.root, next.root)) {
    throw new ConflictError(
      'checkpoint_inconsistent',
      `no valid consistency proof from this signer's checkpoint of size ${last.size} to size ${next.size}`,
    );
  }
}

/** The signing inputs of the entries proven in `checkpoint` (RFC 9162 §2.1.3.2). */
function loggedInputs(checkpoint: Checkpoint, proofs: CheckpointProofs | undefined): Set<string> {
  const logged = new Set<string>();
  for (const item of proofs?.entries ?? []) {
    const index = Number(item.index);
    const included =
      item.inclusion.every((h) => h.length === 32) &&
      verifyInclusion(
        leafHash(item.entry),
        index,
        checkpoint.size,
        item.inclusion,
        checkpoint.root,
      );
    if (!included) {
      throw new ForbiddenError(
        'checkpoint_inclusion_invalid',
        `entry ${index} is not in the checkpoint's tree of size ${checkpoint.size}`,
      );
    }
    const input = signingInputOf(item.entry);
    if (input !== undefined) logged.add(input);
  }
  return logged;
}

/** The entry's `signing_input_sha256` (64 lowercase hex), or undefined (other entry kinds). */
function signingInputOf(entry: Uint8Array): string | undefined {
  try {
    const value = (JSON.parse(Buffer.from(entry).toString('utf8')) as Record<string, unknown>)
      .signing_input_sha256;
    return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
