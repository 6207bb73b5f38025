import { readFileSync } from 'node:fs';
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { loadGroup, type SigningCommitment } from '../../src/index.ts';

interface Vectors {
  inputs: {
    participant_list: number[];
    group_public_key: string;
    message: string;
    participant_shares: { identifier: number; participant_share: string }[];
  };
  round_one_outputs: {
    identifier: number;
    hiding_nonce_randomness: string;
    binding_nonce_randomness: string;
    hiding_nonce: string;
    binding_nonce: string;
    hiding_nonce_commitment: string;
    binding_nonce_commitment: string;
  }[];
  round_two_outputs: { identifier: number; sig_share: string }[];
  final_output: { sig: string };
}

const vectors = JSON.parse(
  readFileSync(new URL('./vectors/frost-ed25519-sha512-rfc9591.json', import.meta.url), 'utf8'),
) as Vectors;
const hex = (s: string) => Buffer.from(s, 'hex');
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('RFC 9591 Appendix E.1 vectors through the FROST module', () => {
  const { inputs } = vectors;
  const shares = new Map(
    inputs.participant_shares.map((s) => [s.identifier, hex(s.participant_share)]),
  );
  const verifyingShares = new Map([...shares].map(([id, sk]) => [id, publicOf(sk)]));
  const group = loadGroup({
    threshold: 2,
    maxSigners: 3,
    groupKey: hex(inputs.group_public_key),
    verifyingShares,
  });
  const message = hex(inputs.message);
  const commitments: SigningCommitment[] = vectors.round_one_outputs.map((r) => ({
    id: r.identifier,
    hiding: hex(r.hiding_nonce_commitment),
    binding: hex(r.binding_nonce_commitment),
  }));

  it('derives the vector nonces and commitments from the vector randomness (§4.1)', () => {
    for (const r of vectors.round_one_outputs) {
      const randomness = [hex(r.hiding_nonce_randomness), hex(r.binding_nonce_randomness)];
      const rng = () => randomness.shift()!;
      const secret = {
        identifier: ed25519_FROST.Identifier.fromNumber(r.identifier),
        signingShare: shares.get(r.identifier)!,
      };
      const { nonces, commitments: c } = ed25519_FROST.commit(secret, rng);
      expect(toHex(nonces.hiding)).toBe(r.hiding_nonce);
      expect(toHex(nonces.binding)).toBe(r.binding_nonce);
      expect(toHex(c.hiding)).toBe(r.hiding_nonce_commitment);
      expect(toHex(c.binding)).toBe(r.binding_nonce_commitment);
    }
  });

  it('produces the vector signature shares, verifies them, and aggregates the vector signature', () => {
    const produced = new Map<number, Uint8Array>();
    for (const r of vectors.round_one_outputs) {
      const share = { id: r.identifier, signingShare: shares.get(r.identifier)! };
      const z = group.signShare(
        share,
        { hiding: hex(r.hiding_nonce), binding: hex(r.binding_nonce) },
        commitments,
        message,
      );
      produced.set(r.identifier, z);
    }
    for (const r of vectors.round_two_outputs) {
      expect(toHex(produced.get(r.identifier)!)).toBe(r.sig_share);
      expect(
        group.verifyShare(r.identifier, produced.get(r.identifier)!, commitments, message),
      ).toBe(true);
    }
    const sig = group.aggregate(commitments, message, produced);
    expect(toHex(sig)).toBe(vectors.final_output.sig);
    expect(group.verify(message, sig)).toBe(true);
  });
});

/** `G·sk` for a little-endian scalar (RFC 9591 §4: a participant's verifying share). */
function publicOf(sk: Uint8Array): Uint8Array {
  return ed25519.Point.BASE.multiply(
    BigInt(`0x${Buffer.from(sk).reverse().toString('hex')}`),
  ).toBytes();
}
