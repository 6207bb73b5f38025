// Shared fixtures for the FROST tests: a trusted-dealer key (noble, the reference), points
// that RFC 9591 §3.1 rejects, and node:crypto Ed25519 verification.
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { ed25519, ed25519_FROST as noble } from '@noble/curves/ed25519.js';
import type { GroupPublicKey, KeyShare } from '../../src/index.ts';

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A `threshold`-of-`maxSigners` key from noble's trusted dealer, in both representations. */
export function dealKey(threshold = 2, maxSigners = 3) {
  const nobleIds = Array.from({ length: maxSigners }, (_, i) => noble.Identifier.fromNumber(i + 1));
  const deal = noble.trustedDealer({ min: threshold, max: maxSigners }, nobleIds);
  const pub: GroupPublicKey = {
    threshold,
    maxSigners,
    groupKey: deal.public.commitments[0]!,
    verifyingShares: new Map(nobleIds.map((id, i) => [i + 1, deal.public.verifyingShares[id]!])),
  };
  const shares: KeyShare[] = nobleIds.map((id, i) => ({
    id: i + 1,
    signingShare: deal.secretShares[id]!.signingShare,
  }));
  return { pub, shares, deal, nobleId: (id: number) => nobleIds[id - 1]! };
}

/** Plain RFC 8032 verification by node:crypto (OpenSSL), independent of the engine. */
export function nodeVerifies(groupKey: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(groupKey).toString('base64url') },
    format: 'jwk',
  });
  return nodeVerify(null, message, key, sig);
}

const Point = ed25519.Point;
/** A generator of the 8-torsion subgroup. */
const T8 = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');

/** Encodings every RFC 9591 element check must refuse, with the code expected. */
export const badPoints: { name: string; bytes: Uint8Array; code: string }[] = [
  { name: 'identity', bytes: Point.ZERO.toBytes(), code: 'frost_identity' },
  { name: 'order-2 point', bytes: hex(`ec${'ff'.repeat(30)}7f`), code: 'frost_invalid_point' },
  { name: 'order-4 point', bytes: new Uint8Array(32), code: 'frost_invalid_point' },
  { name: 'order-8 point', bytes: T8.toBytes(), code: 'frost_invalid_point' },
  {
    name: 'prime-order point plus 8-torsion',
    bytes: Point.BASE.multiply(123456789n).add(T8).toBytes(),
    code: 'frost_invalid_point',
  },
  {
    name: 'non-canonical y ≥ p (y = p + 1, the identity again)',
    bytes: hex(`ee${'ff'.repeat(30)}7f`),
    code: 'frost_invalid_point',
  },
  {
    name: 'non-canonical x = 0 with the sign bit set',
    bytes: hex(`01${'00'.repeat(30)}80`),
    code: 'frost_invalid_point',
  },
  { name: 'not on the curve', bytes: hex(`02${'00'.repeat(31)}`), code: 'frost_invalid_point' },
  { name: '31 bytes', bytes: Point.BASE.toBytes().slice(1), code: 'frost_bad_length' },
  {
    name: '33 bytes',
    bytes: Uint8Array.from([...Point.BASE.toBytes(), 0]),
    code: 'frost_bad_length',
  },
];

/** The group order L, and scalars that are not canonical encodings. */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;
export const scalarBytes = (x: bigint): Uint8Array =>
  hex(x.toString(16).padStart(64, '0')).reverse();
export const badScalars: { name: string; bytes: Uint8Array; code: string }[] = [
  { name: 'L', bytes: scalarBytes(L), code: 'frost_invalid_scalar' },
  { name: 'L + 1', bytes: scalarBytes(L + 1n), code: 'frost_invalid_scalar' },
  { name: '2^256 − 1', bytes: new Uint8Array(32).fill(0xff), code: 'frost_invalid_scalar' },
  { name: '31 bytes', bytes: new Uint8Array(31).fill(1), code: 'frost_bad_length' },
];
