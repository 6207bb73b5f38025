import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { h4, h5 } from '../../src/frost/ciphersuite.ts';
import { encodeCommitmentList } from '../../src/frost/commitments.ts';
import { nonceGenerate } from '../../src/frost/nonce.ts';
import { baseMul } from '../../src/frost/point.ts';
import { scalarFromId } from '../../src/frost/scalar-ops.ts';
import { SigningPackages } from '../../src/frost/signing-package.ts';
import { loadGroup, type SigningCommitment } from '../../src/index.ts';
import { hex, nodeVerifies, toHex } from './support.ts';

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
    binding_factor_input: string;
    binding_factor: string;
  }[];
  round_two_outputs: { identifier: number; sig_share: string }[];
  final_output: { sig: string };
}

const vectors = JSON.parse(
  readFileSync(new URL('./vectors/frost-ed25519-sha512-rfc9591.json', import.meta.url), 'utf8'),
) as Vectors;

describe('RFC 9591 Appendix E.1 vectors, FROST(Ed25519, SHA-512), through the engine', () => {
  const { inputs } = vectors;
  const shares = new Map(
    inputs.participant_shares.map((s) => [s.identifier, hex(s.participant_share)]),
  );
  const pub = {
    threshold: 2,
    maxSigners: 3,
    groupKey: hex(inputs.group_public_key),
    verifyingShares: new Map([...shares].map(([id, sk]) => [id, baseMul(sk)])),
  };
  const group = loadGroup(pub);
  const message = hex(inputs.message);
  const commitments: SigningCommitment[] = vectors.round_one_outputs.map((r) => ({
    id: r.identifier,
    hiding: hex(r.hiding_nonce_commitment),
    binding: hex(r.binding_nonce_commitment),
  }));
  const noncesOf = (r: Vectors['round_one_outputs'][number]) => ({
    hiding: hex(r.hiding_nonce),
    binding: hex(r.binding_nonce),
  });

  it('derives the nonces from the vector randomness (§4.1) and commits to them (§5.1)', () => {
    for (const r of vectors.round_one_outputs) {
      const sk = shares.get(r.identifier)!;
      const hiding = nonceGenerate(sk, hex(r.hiding_nonce_randomness));
      const binding = nonceGenerate(sk, hex(r.binding_nonce_randomness));
      expect(toHex(hiding)).toBe(r.hiding_nonce);
      expect(toHex(binding)).toBe(r.binding_nonce);
      expect(toHex(baseMul(hiding))).toBe(r.hiding_nonce_commitment);
      expect(toHex(baseMul(binding))).toBe(r.binding_nonce_commitment);
    }
  });

  it('computes the binding factor inputs and binding factors (§4.4)', () => {
    const sorted = [...commitments].sort((a, b) => a.id - b.id);
    const pkg = new SigningPackages(pub).get(commitments, message);
    for (const r of vectors.round_one_outputs) {
      const input = Buffer.concat([
        pub.groupKey,
        h4(message),
        h5(encodeCommitmentList(sorted)),
        scalarFromId(r.identifier),
      ]);
      expect(toHex(input)).toBe(r.binding_factor_input);
      expect(toHex(pkg.participants.get(r.identifier)!.bindingFactor)).toBe(r.binding_factor);
    }
  });

  it('produces the signature shares (§5.2), verifies them (§5.4), aggregates the signature (§5.3)', () => {
    const produced = new Map<number, Uint8Array>();
    for (const r of vectors.round_one_outputs) {
      const share = { id: r.identifier, signingShare: shares.get(r.identifier)! };
      produced.set(r.identifier, group.signShare(share, noncesOf(r), commitments, message));
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
    expect(nodeVerifies(pub.groupKey, message, sig)).toBe(true);
  });

  it('gives the same shares for the commitment list in any order, from fresh groups', () => {
    const reversed = [...commitments].reverse();
    for (const r of vectors.round_two_outputs) {
      const round = vectors.round_one_outputs.find((o) => o.identifier === r.identifier)!;
      const share = { id: r.identifier, signingShare: shares.get(r.identifier)! };
      const z = loadGroup(pub).signShare(share, noncesOf(round), reversed, message);
      expect(toHex(z)).toBe(r.sig_share);
    }
  });
});
