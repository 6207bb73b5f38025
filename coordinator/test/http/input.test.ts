import { createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  InputJson,
  InputText,
  MAX_INPUT_DEPTH,
  parseInput,
  textProblem,
} from '../../src/http/input.ts';
import { resultKeyProblem } from '../../src/requests/result-key.ts';

const P = 2n ** 255n - 19n;
const x25519 = (u: bigint) => {
  const bytes = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number((u >> BigInt(8 * i)) & 0xffn);
  return { kty: 'OKP' as const, crv: 'X25519' as const, x: bytes.toString('base64url') };
};

describe('the shared input string rules', () => {
  it('refuses every C0, DEL and C1 control, bidi controls and unpaired surrogates', () => {
    const controls = [
      ...Array.from({ length: 0x20 }, (_, i) => i),
      ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
    ];
    for (const c of controls) expect(textProblem(`a${String.fromCharCode(c)}`)).toBeDefined();
    for (const c of ['\u061C', '\u200E', '\u200F', '\u202A', '\u202E', '\u2066', '\u2069'])
      expect(textProblem(c)).toMatch(/control character/);
    for (const s of ['\uD800', 'a\uDC00', '\uDBFF\uDBFF'])
      expect(textProblem(s)).toMatch(/unpaired surrogate/);
    expect(textProblem('ab\u0000')).toBe('contains control character U+0000 at offset 2');
  });

  it('accepts printable text in any script, and surrogate pairs', () => {
    for (const s of ['', 'deploy:canary', 'Grüße, 世界', '😀', 'a b', '\u00A0', 'x'.repeat(10_000)])
      expect(textProblem(s)).toBeUndefined();
  });

  it('names the field path, in typed fields and in free-form JSON', () => {
    const Body = InputText.min(1);
    expect(() => parseInput(Body, 'a\u0000', 'body.reason')).toThrow(
      'body.reason: contains control character U+0000 at offset 1',
    );
    expect(() => parseInput(InputJson, { a: [{ b: 'ok' }, { c: '\u202E' }] }, 'body')).toThrow(
      'body.a.1.c: contains control character U+202E',
    );
    expect(() => parseInput(InputJson, { 'k\u0000': 1 }, 'body')).toThrow(
      'body: member name contains control character U+0000',
    );
    let deep: unknown = 'leaf';
    for (let i = 0; i < MAX_INPUT_DEPTH + 1; i++) deep = [deep];
    expect(() => parseInput(InputJson, deep, 'body')).toThrow(/nests deeper than 32 levels/);
    let deepest: unknown = 1;
    for (let i = 0; i < 200_000; i++) deepest = { a: deepest };
    expect(() => parseInput(InputJson, deepest, 'body')).toThrow(/nests deeper/);
  });
});

describe('result keys', () => {
  it('accepts real X25519 and P-256 public keys', () => {
    const x = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
    expect(resultKeyProblem({ kty: 'OKP', crv: 'X25519', x: x.x! })).toBeUndefined();
    const p = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      format: 'jwk',
    });
    expect(resultKeyProblem({ kty: 'EC', crv: 'P-256', x: p.x!, y: p.y! })).toBeUndefined();
  });

  it('refuses the small-order X25519 points (RFC 7748 §6.1) and non-canonical encodings', () => {
    const order8 = [
      325606250916557431795983626356110631294008115727848805560023387167927233504n,
      39382357235489614581723060781553021112529911719440698176882885853963445705823n,
    ];
    const { privateKey } = generateKeyPairSync('x25519');
    for (const u of [0n, 1n, P - 1n, ...order8]) {
      expect(resultKeyProblem(x25519(u))).toMatch(/small order/);
      // Independently: OpenSSL's X25519 refuses the all-zero shared secret these give.
      const publicKey = createPublicKey({ key: x25519(u), format: 'jwk' });
      expect(() => diffieHellman({ privateKey, publicKey })).toThrow();
    }
    for (const u of [P, P + 1n, 2n ** 255n + 9n])
      expect(resultKeyProblem(x25519(u))).toMatch(/not a canonical/);
    const nine = x25519(9n);
    expect(resultKeyProblem({ ...nine, x: `${nine.x.slice(0, 42)}B` })).toMatch(
      /canonical base64url/,
    );
  });

  it('refuses a P-256 point off the curve', () => {
    const off = { kty: 'EC' as const, crv: 'P-256' as const, x: 'A'.repeat(43), y: 'A'.repeat(43) };
    expect(resultKeyProblem(off)).toBe('is not a point on its curve');
  });
});
