import { checkCommitment } from './commitments.ts';
import { FrostError } from './errors.ts';
import { checkGroupPublicKey } from './group-key.ts';
import type { GroupPublicKey, ParticipantId, SigningCommitment } from './types.ts';

/**
 * Byte and JSON encodings of the engine's public values, for the wire and config files.
 * Decoders are strict: exact lengths and shapes, canonical hex, full point validation.
 */

/** JSON form of a `GroupPublicKey`: lowercase hex points, verifying shares keyed by id. */
export interface GroupPublicKeyJson {
  readonly threshold: number;
  readonly maxSigners: number;
  readonly groupKey: string;
  readonly verifyingShares: Readonly<Record<string, string>>;
}

/**
 * `hiding (32) || binding (32)`, the 64-byte wire form of a round-one commitment.
 *
 * @example
 * ```ts
 * const bytes = encodeCommitment(commitment); // 64 bytes
 * ```
 */
export function encodeCommitment(c: SigningCommitment): Uint8Array {
  return Buffer.concat([c.hiding, c.binding]);
}

/**
 * Decodes and fully validates (RFC 9591 §3.1) a 64-byte commitment from participant `id`.
 *
 * @example
 * ```ts
 * const commitment = decodeCommitment(2, bytes); // throws FrostError on malformed input
 * ```
 */
export function decodeCommitment(id: ParticipantId, bytes: Uint8Array): SigningCommitment {
  if (bytes.length !== 64)
    throw new FrostError('frost_bad_length', `a commitment is 64 bytes, got ${bytes.length}`);
  const c = { id, hiding: bytes.slice(0, 32), binding: bytes.slice(32) };
  checkCommitment(c);
  return c;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * The JSON form of a group public key (ids ascending).
 *
 * @example
 * ```ts
 * writeFileSync('group.json', JSON.stringify(groupPublicKeyToJson(group)));
 * ```
 */
export function groupPublicKeyToJson(pub: GroupPublicKey): GroupPublicKeyJson {
  return {
    threshold: pub.threshold,
    maxSigners: pub.maxSigners,
    groupKey: hex(pub.groupKey),
    verifyingShares: Object.fromEntries(
      [...pub.verifyingShares].sort(([a], [b]) => a - b).map(([id, key]) => [String(id), hex(key)]),
    ),
  };
}

/**
 * Parses the JSON form strictly: exactly the four fields, integer parameters, ids written
 * as canonical decimals, 64-char lowercase hex points, then every check of `loadGroup`.
 * Throws `frost_invalid_group` for a malformed document, `checkPoint` errors for bad points.
 *
 * @example
 * ```ts
 * const pub = groupPublicKeyFromJson(JSON.parse(readFileSync('group.json', 'utf8')));
 * ```
 */
export function groupPublicKeyFromJson(json: unknown): GroupPublicKey {
  const fail = (why: string) => new FrostError('frost_invalid_group', `group key JSON: ${why}`);
  if (!isRecord(json)) throw fail('not an object');
  const keys = Object.keys(json).sort().join();
  if (keys !== 'groupKey,maxSigners,threshold,verifyingShares') throw fail(`fields ${keys}`);
  const { threshold, maxSigners, groupKey, verifyingShares } = json;
  if (typeof threshold !== 'number' || typeof maxSigners !== 'number')
    throw fail('threshold and maxSigners must be numbers');
  if (!isRecord(verifyingShares)) throw fail('verifyingShares must be an object');
  const point = (value: unknown, what: string): Uint8Array => {
    if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value))
      throw fail(`${what} must be 64 lowercase hex characters`);
    return Buffer.from(value, 'hex');
  };
  const shares = new Map<ParticipantId, Uint8Array>();
  for (const [id, value] of Object.entries(verifyingShares)) {
    if (!/^[1-9][0-9]{0,2}$/.test(id)) throw fail(`participant id "${id}"`);
    shares.set(Number(id), point(value, `verifying share ${id}`));
  }
  return checkGroupPublicKey({
    threshold,
    maxSigners,
    groupKey: point(groupKey, 'groupKey'),
    verifyingShares: shares,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
