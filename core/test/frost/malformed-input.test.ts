import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type GroupPublicKey,
  loadGroup,
  type SigningCommitment,
  type SigningNonces,
} from '../../src/index.ts';
import { badPoints, badScalars, dealKey, L, scalarBytes } from './support.ts';

const code = (c: string) => expect.objectContaining({ code: c, name: 'FrostError' });

describe('typed errors for malformed input (RFC 9591 §3.1, §5)', () => {
  const { pub, shares } = dealKey();
  const group = loadGroup(pub);
  const message = randomBytes(32);
  const [s1, s2, s3] = shares as [(typeof shares)[0], (typeof shares)[0], (typeof shares)[0]];

  /** A fresh round one for signers 1 and 2. */
  const roundOne = () => {
    const r1 = group.commit(s1);
    const r2 = group.commit(s2);
    return { r1, r2, list: [r1.commitment, r2.commitment] };
  };

  describe('loadGroup', () => {
    const withShares = (entries: [number, Uint8Array][]): GroupPublicKey => ({
      ...pub,
      verifyingShares: new Map(entries),
    });
    const vs = [...pub.verifyingShares];
    it.each([
      ['threshold 1', { ...pub, threshold: 1 }],
      ['threshold above maxSigners', { ...pub, threshold: 4 }],
      ['fractional threshold', { ...pub, threshold: 2.5 }],
      ['a verifying share missing', withShares(vs.slice(0, 2))],
      ['identifier 0', withShares([[0, vs[0]![1]], vs[1]!, vs[2]!])],
      ['identifier 256', withShares([vs[0]!, vs[1]!, [256, vs[2]![1]]])],
      ['a swapped verifying share', withShares([vs[0]!, [2, vs[2]![1]], [3, vs[1]![1]]])],
      ['a group key off the shares’ polynomial', { ...pub, groupKey: vs[0]![1] }],
    ])('refuses %s with frost_invalid_group', (_, bad) => {
      expect(() => loadGroup(bad as GroupPublicKey)).toThrow(code('frost_invalid_group'));
    });

    it.each(badPoints.map((p) => [p.name, p.bytes, p.code] as const))(
      'refuses a group key that is an %s',
      (_, bytes, expected) => {
        expect(() => loadGroup({ ...pub, groupKey: bytes })).toThrow(code(expected));
        expect(() => loadGroup(withShares([vs[0]!, vs[1]!, [3, bytes]]))).toThrow(code(expected));
      },
    );
  });

  describe('commit', () => {
    it('refuses an unknown participant', () => {
      expect(() => group.commit({ id: 4, signingShare: s1.signingShare })).toThrow(
        code('frost_unknown_id'),
      );
    });
    it.each(badScalars.map((s) => [s.name, s.bytes, s.code] as const))(
      'refuses a signing share of %s',
      (_, bytes, expected) => {
        expect(() => group.commit({ id: 1, signingShare: bytes })).toThrow(code(expected));
      },
    );
  });

  describe('signShare', () => {
    const sign = (list: readonly SigningCommitment[], nonces?: SigningNonces) => {
      const { r1 } = roundOne();
      return () => group.signShare(s1, nonces ?? r1.nonces, list, message);
    };

    it('refuses a list with fewer than threshold commitments', () => {
      const { r1 } = roundOne();
      expect(sign([r1.commitment], r1.nonces)).toThrow(code('frost_too_few_signers'));
    });
    it('refuses an unknown identifier', () => {
      const { r1, r2, list } = roundOne();
      expect(sign([...list, { ...r2.commitment, id: 9 }], r1.nonces)).toThrow(
        code('frost_unknown_id'),
      );
    });
    it('refuses a duplicate identifier', () => {
      const { r1, r2, list } = roundOne();
      expect(sign([...list, r2.commitment], r1.nonces)).toThrow(code('frost_duplicate_id'));
    });
    it('refuses a list that omits the signer', () => {
      const { r1, r2 } = roundOne();
      const r3 = group.commit(s3);
      expect(sign([r2.commitment, r3.commitment], r1.nonces)).toThrow(code('frost_missing_self'));
    });
    it('refuses a list whose commitment for the signer is not its own', () => {
      const { r1, r2 } = roundOne();
      const other = group.commit(s1).commitment;
      expect(sign([other, r2.commitment], r1.nonces)).toThrow(code('frost_commitment_mismatch'));
    });
    it.each(badPoints.map((p) => [p.name, p.bytes, p.code] as const))(
      "refuses another signer's commitment that is an %s",
      (_, bytes, expected) => {
        for (const field of ['hiding', 'binding'] as const) {
          const { r1, r2 } = roundOne();
          const list = [r1.commitment, { ...r2.commitment, [field]: bytes }];
          expect(sign(list, r1.nonces)).toThrow(code(expected));
        }
      },
    );
    it.each(badScalars.map((s) => [s.name, s.bytes, s.code] as const))(
      'refuses a nonce of %s',
      (_, bytes, expected) => {
        const { r1, list } = roundOne();
        expect(sign(list, { ...r1.nonces, binding: Uint8Array.from(bytes) })).toThrow(
          code(expected),
        );
      },
    );
    it.each(badScalars.map((s) => [s.name, s.bytes, s.code] as const))(
      'refuses a signing share of %s',
      (_, bytes, expected) => {
        const { r1, list } = roundOne();
        expect(() =>
          group.signShare({ id: 1, signingShare: bytes }, r1.nonces, list, message),
        ).toThrow(code(expected));
      },
    );
    it('zeroes the nonces after signing, and after refusing', () => {
      const { r1, list } = roundOne();
      group.signShare(s1, r1.nonces, list, message);
      expect([...r1.nonces.hiding, ...r1.nonces.binding].every((b) => b === 0)).toBe(true);
      const again = roundOne();
      expect(() => group.signShare(s1, again.r1.nonces, [again.r1.commitment], message)).toThrow();
      expect([...again.r1.nonces.hiding, ...again.r1.nonces.binding].every((b) => b === 0)).toBe(
        true,
      );
    });
    it('refuses to sign twice with the same (now zeroed) nonces', () => {
      const { r1, list } = roundOne();
      group.signShare(s1, r1.nonces, list, message);
      expect(() => group.signShare(s1, r1.nonces, list, message)).toThrow();
    });
  });

  describe('verifyShare', () => {
    const signed = () => {
      const { r1, r2, list } = roundOne();
      const z = group.signShare(s1, r1.nonces, list, message);
      return { z, list, r2 };
    };
    it('accepts the right share and rejects a wrong, non-canonical, short or zero one', () => {
      const { z, list } = signed();
      expect(group.verifyShare(1, z, list, message)).toBe(true);
      expect(group.verifyShare(2, z, list, message)).toBe(false);
      expect(group.verifyShare(1, z, list, randomBytes(32))).toBe(false);
      const flipped = Uint8Array.from(z);
      flipped[0]! ^= 1;
      expect(group.verifyShare(1, flipped, list, message)).toBe(false);
      for (const bad of badScalars)
        expect(group.verifyShare(1, bad.bytes, list, message)).toBe(false);
      expect(group.verifyShare(1, new Uint8Array(32), list, message)).toBe(false);
      // z + L: the same value mod L, but not a canonical encoding
      const plusL = scalarBytes(BigInt(`0x${Buffer.from(z).reverse().toString('hex')}`) + L);
      if (plusL.length === 32) expect(group.verifyShare(1, plusL, list, message)).toBe(false);
    });
    it('refuses an unknown identifier and one missing from the list', () => {
      const { z, list } = signed();
      expect(() => group.verifyShare(7, z, list, message)).toThrow(code('frost_unknown_id'));
      expect(() => group.verifyShare(3, z, list, message)).toThrow(code('frost_missing_self'));
    });
    it.each(badPoints.map((p) => [p.name, p.bytes, p.code] as const))(
      'refuses a commitment that is an %s',
      (_, bytes, expected) => {
        const { z, list } = signed();
        const bad = [list[0]!, { ...list[1]!, hiding: bytes }];
        expect(() => group.verifyShare(1, z, bad, message)).toThrow(code(expected));
      },
    );
  });

  describe('aggregate and verify', () => {
    const signedBoth = () => {
      const { r1, r2, list } = roundOne();
      const z = new Map([
        [1, group.signShare(s1, r1.nonces, list, message)],
        [2, group.signShare(s2, r2.nonces, list, message)],
      ]);
      return { z, list };
    };
    it('refuses a missing share, an extra share, and malformed shares', () => {
      const { z, list } = signedBoth();
      expect(() => group.aggregate(list, message, new Map([[1, z.get(1)!]]))).toThrow(
        code('frost_missing_share'),
      );
      expect(() => group.aggregate(list, message, new Map([...z, [3, z.get(1)!]]))).toThrow(
        code('frost_unknown_id'),
      );
      for (const bad of badScalars) {
        expect(() => group.aggregate(list, message, new Map([...z, [2, bad.bytes]]))).toThrow(
          code(bad.code),
        );
      }
    });
    it('verifies the aggregate and rejects a tampered or mis-sized signature', () => {
      const { z, list } = signedBoth();
      const sig = group.aggregate(list, message, z);
      expect(group.verify(message, sig)).toBe(true);
      expect(group.verify(randomBytes(32), sig)).toBe(false);
      const tampered = Uint8Array.from(sig);
      tampered[40]! ^= 1;
      expect(group.verify(message, tampered)).toBe(false);
      expect(group.verify(message, sig.slice(0, 63))).toBe(false);
    });
  });
});
