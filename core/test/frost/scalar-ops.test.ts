import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lagrangeCoefficient } from '../../src/frost/lagrange.ts';
import {
  checkScalar,
  isCanonicalScalar,
  scalarAdd,
  scalarInvert,
  scalarMul,
  scalarSub,
} from '../../src/frost/scalar-ops.ts';
import { badScalars, L, scalarBytes } from './support.ts';

const toBig = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).reverse().toString('hex')}`);
const mod = (x: bigint): bigint => ((x % L) + L) % L;
const randomScalar = (): bigint => toBig(randomBytes(64)) % L;

describe('constant-time scalar arithmetic mod L (checked against bigint)', () => {
  const edges = [0n, 1n, 2n, L - 1n, L - 2n, 2n ** 252n, 2n ** 128n - 1n];

  it('multiplies, adds and subtracts like bigint, edges and random values', () => {
    const values = [...edges, ...Array.from({ length: 200 }, randomScalar)];
    for (let i = 0; i < values.length; i++) {
      const a = values[i]!;
      const b = values[(i * 7 + 3) % values.length]!;
      const [ab, bb] = [scalarBytes(a), scalarBytes(b)];
      expect(toBig(scalarMul(ab, bb))).toBe(mod(a * b));
      expect(toBig(scalarAdd(ab, bb))).toBe(mod(a + b));
      expect(toBig(scalarSub(ab, bb))).toBe(mod(a - b));
    }
  });

  it('inverts non-zero scalars and refuses zero', () => {
    for (const a of [1n, 2n, L - 1n, randomScalar()]) {
      expect(mod(toBig(scalarInvert(scalarBytes(a))) * a)).toBe(1n);
    }
    expect(() => scalarInvert(new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: 'frost_invalid_scalar' }),
    );
  });

  it('tells canonical encodings (< L) from the rest', () => {
    for (const a of edges) expect(isCanonicalScalar(scalarBytes(a))).toBe(true);
    for (const bad of badScalars) {
      expect(isCanonicalScalar(bad.bytes)).toBe(false);
      expect(() => checkScalar(bad.bytes)).toThrow(expect.objectContaining({ code: bad.code }));
    }
    expect(isCanonicalScalar(scalarBytes(L + 2n ** 200n))).toBe(false);
  });

  it('computes Lagrange coefficients (RFC 9591 §4.2) at 0 and at other points', () => {
    const ids = [1, 3, 4];
    for (const x of [0, 2, 5] as const) {
      for (const i of ids) {
        let num = 1n;
        let den = 1n;
        for (const j of ids) {
          if (j === i) continue;
          num *= BigInt(x - j);
          den *= BigInt(i - j);
        }
        const expected = mod(mod(num) * toBig(scalarInvert(scalarBytes(mod(den)))));
        expect(toBig(lagrangeCoefficient(ids, i, x))).toBe(expected);
      }
    }
  });
});
