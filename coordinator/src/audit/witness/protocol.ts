import { encodeBase64, type NoteSignature, parseSignedNote } from '@frostmint/core';

/**
 * The wire format of C2SP tlog-witness `add-checkpoint` (https://c2sp.org/tlog-witness):
 * request body and answers. Pure functions; `client.ts` does the HTTP.
 */

/** tlog-witness §add-checkpoint: a client sends at most 63 consistency proof lines. */
export const MAX_PROOF_LINES = 63;

/**
 * The `add-checkpoint` request body: `old <size>`, one base64 line per consistency-proof hash
 * (RFC 9162 §2.1.4 from the old size), an empty line, then the signed checkpoint note.
 *
 * @example
 * ```ts
 * const body = addCheckpointBody({ oldSize: 3, proof, note: signedCheckpoint });
 * ```
 */
export function addCheckpointBody(request: {
  readonly oldSize: number;
  readonly proof: readonly Uint8Array[];
  readonly note: string;
}): string {
  if (!Number.isSafeInteger(request.oldSize) || request.oldSize < 0) {
    throw new RangeError('old size must be a non-negative integer');
  }
  if (request.proof.length > MAX_PROOF_LINES) throw new RangeError('consistency proof too long');
  // tlog-witness: "If the old size is zero, the consistency proof MUST be empty".
  if (request.oldSize === 0 && request.proof.length > 0) {
    throw new RangeError('no consistency proof from size 0');
  }
  const lines = [`old ${request.oldSize}`, ...request.proof.map(encodeBase64)];
  return `${lines.join('\n')}\n\n${request.note}`;
}

/**
 * The witness's tree size in a 409 answer (`text/x.tlog.size`: decimal, newline), or
 * undefined when the body is not one.
 *
 * @example
 * ```ts
 * parseKnownSize('5\n'); // 5
 * ```
 */
export function parseKnownSize(body: string): number | undefined {
  const match = /^(0|[1-9][0-9]*)\n$/.exec(body);
  const size = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(size) ? size : undefined;
}

/**
 * The signature lines of a 200 answer, parsed as signed-note signatures (not verified: the
 * caller verifies them against the checkpoint text). Undefined when the body is not one or
 * more `— name base64` lines.
 *
 * @example
 * ```ts
 * const lines = parseCosignatureLines(await response.text());
 * ```
 */
export function parseCosignatureLines(
  checkpointText: string,
  body: string,
): readonly NoteSignature[] | undefined {
  if (body === '' || !body.endsWith('\n')) return undefined;
  // tlog-witness: "the client MAY concatenate it to the checkpoint" and parse it as a note.
  try {
    return parseSignedNote(`${checkpointText}\n${body}`).signatures;
  } catch {
    return undefined;
  }
}
