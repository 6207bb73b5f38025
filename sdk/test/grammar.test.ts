import { describe, expect, it } from 'vitest';
import {
  decodeCanonicalBase64url,
  MAX_NUMERIC_DATE,
  parseScope,
  parseStrictJson,
  parseTokenGrammar,
} from '../src/grammar/index.ts';

const malformed = expect.objectContaining({ code: 'token_malformed' });
const claimsInvalid = expect.objectContaining({ code: 'token_claims_invalid' });
const scopeInvalid = expect.objectContaining({ code: 'token_scope_invalid' });

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random JSON value with unique member names, up to `depth` levels of containers. */
function randomJson(rand: () => number, depth: number): unknown {
  const pick = Math.floor(rand() * (depth > 0 ? 8 : 6));
  const str = () =>
    Array.from({ length: Math.floor(rand() * 6) }, () =>
      String.fromCodePoint(
        [0x41 + Math.floor(rand() * 26), Math.floor(rand() * 0x20), 0xe9, 0x1f600, 0x22, 0x5c][
          Math.floor(rand() * 6)
        ]!,
      ),
    ).join('');
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return Math.floor((rand() - 0.5) * 2 ** 40);
    case 3:
      return (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
    case 4:
    case 5:
      return str();
    case 6:
      return Array.from({ length: Math.floor(rand() * 4) }, () => randomJson(rand, depth - 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(rand() * 4) }, (_, i) => [
          `${str()}${i}`,
          randomJson(rand, depth - 1),
        ]),
      );
  }
}

describe('parseStrictJson: RFC 8259 JSON, exactly as JSON.parse reads it', () => {
  it.each([
    '{}',
    '[]',
    ' \t\r\n{ "a" : [ 1 , -0 , 0.5 , 1e5 , 1E-5 , -12.5e+3 ] , "b" : { } } \n',
    '"plain"',
    '"esc \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00"',
    '"raw é 😀 \u2028"',
    '{"__proto__":{"admin":true},"constructor":1}',
    '{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}',
    'true',
    'null',
    '123456789012345678901234567890',
  ])('%s', (text) => {
    expect(parseStrictJson(text)).toStrictEqual(JSON.parse(text));
  });

  it('keeps a "__proto__" member an own property, never the prototype', () => {
    const value = parseStrictJson('{"__proto__":{"admin":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect((value as { admin?: boolean }).admin).toBeUndefined();
  });

  it('agrees with JSON.parse on 2 000 random documents', () => {
    const rand = prng(12);
    for (let i = 0; i < 2_000; i++) {
      const text = JSON.stringify(randomJson(rand, 6), null, i % 3 === 0 ? 2 : undefined);
      expect(parseStrictJson(text), text).toStrictEqual(JSON.parse(text));
    }
  });

  it.each([
    '',
    ' ',
    '{',
    '{"a":1,}',
    '[1,]',
    '[,1]',
    "{'a':1}",
    '{a:1}',
    '{"a" 1}',
    '01',
    '+1',
    '.5',
    '1.',
    '1e',
    '-',
    'NaN',
    'Infinity',
    'tru',
    'nul',
    '"unterminated',
    '"tab\there"',
    '"nul\u0000"',
    '"\\x41"',
    '"\\u12G4"',
    '"\\u12"',
    '{} {}',
    '{}x',
    '/* c */ {}',
    '\u00a0{}',
    '\ufeff{}',
    '[1 2]',
  ])('refuses invalid JSON %j, as JSON.parse does', (text) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(() => parseStrictJson(text)).toThrow(malformed);
  });

  it('refuses what JSON.parse lets through: duplicate names at any depth, also via escapes', () => {
    for (const text of [
      '{"a":1,"a":2}',
      '{"a":1,"b":2,"a":1}',
      '{"x":{"a":1,"a":2}}',
      '{"x":[{"y":{"a":1,"a":2}}]}',
      '{"a":1,"\\u0061":2}',
      '{"é":1,"\\u00e9":2}',
      '{"__proto__":1,"__proto__":2}',
    ]) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(() => parseStrictJson(text), text).toThrow(/duplicate member name/);
    }
    // The same name in sibling objects is fine.
    expect(parseStrictJson('{"x":{"a":1},"y":{"a":2}}')).toEqual({ x: { a: 1 }, y: { a: 2 } });
  });

  it('refuses numbers that overflow and unpaired surrogates', () => {
    for (const text of ['1e999', '-1e400', '[1e309]']) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(() => parseStrictJson(text), text).toThrow(/out of range/);
    }
    for (const text of ['"\\ud800"', '"\\udc00"', '"\\ud800x"', '"\\ud800\\u0041"', '"\ud800"']) {
      expect(() => parseStrictJson(text), text).toThrow(/unpaired surrogate/);
    }
  });

  it('caps nesting depth (objects and arrays alike)', () => {
    const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect(parseStrictJson(nested(8))).toBeDefined();
    expect(() => parseStrictJson(nested(9))).toThrow(/nesting deeper than 8/);
    expect(() => parseStrictJson(nested(100_000))).toThrow(/nesting deeper than 8/);
    expect(parseStrictJson(nested(3), { maxDepth: 3 })).toBeDefined();
    expect(() => parseStrictJson('{"a":{"b":{}}}', { maxDepth: 2 })).toThrow(malformed);
  });
});

describe('decodeCanonicalBase64url', () => {
  it('round-trips every length', () => {
    const rand = prng(7);
    for (let n = 1; n < 70; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
      expect(Buffer.from(decodeCanonicalBase64url(bytes.toString('base64url'), 'x'))).toEqual(
        bytes,
      );
    }
  });

  it('accepts exactly one encoding of each byte string (RFC 4648 §3.5)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const length of [1, 2]) {
      const bytes = Buffer.alloc(length, 0x5a);
      const canonical = bytes.toString('base64url');
      let accepted = 0;
      for (const last of alphabet) {
        const candidate = `${canonical.slice(0, -1)}${last}`;
        if (!Buffer.from(candidate, 'base64url').equals(bytes)) continue;
        try {
          decodeCanonicalBase64url(candidate, 'x');
          accepted++;
          expect(candidate).toBe(canonical);
        } catch (err) {
          expect(err).toEqual(malformed);
        }
      }
      expect(accepted).toBe(1);
    }
  });

  it.each([
    ['padding', 'AA=='],
    ['one pad', 'AAA='],
    ['a space', 'AA AA'],
    ['a newline', 'AAAA\n'],
    ['standard +', 'AA+A'],
    ['standard /', 'AA/A'],
    ['an impossible length', 'AAAAA'],
    ['empty', ''],
    ['non-ASCII', 'AAé'],
  ])('refuses %s', (_what, segment) => {
    expect(() => decodeCanonicalBase64url(segment, 'x')).toThrow(malformed);
  });
});

describe('parseScope (RFC 6749 §3.3)', () => {
  it('splits single-space separated distinct scope tokens', () => {
    expect(parseScope('deploy:canary')).toEqual(['deploy:canary']);
    expect(parseScope('deploy:canary read !#[]~')).toEqual(['deploy:canary', 'read', '!#[]~']);
  });

  it.each([
    '',
    ' ',
    ' read',
    'read ',
    'read  write',
    'read\twrite',
    'read\u00a0write',
    'read write read',
    'say"hi"',
    'back\\slash',
    'é',
  ])('refuses %j', (scope) => {
    expect(() => parseScope(scope)).toThrow(scopeInvalid);
  });

  it('refuses a scope that is not a string', () => {
    expect(() => parseScope(['read'])).toThrow(claimsInvalid);
  });
});

describe('parseTokenGrammar', () => {
  const seg = (text: string) => Buffer.from(text).toString('base64url');
  const header = seg('{"alg":"EdDSA","typ":"at+jwt","kid":"k"}');
  const payload = (json: string) => `${header}.${seg(json)}`;
  const sig = Buffer.alloc(64, 7).toString('base64url');

  it('parses a signing input (2 segments) and a compact JWS (3 segments)', () => {
    const input = payload('{"sub":"a","iat":1,"exp":2,"scope":"x y"}');
    expect(parseTokenGrammar(input, 2)).toEqual({
      header: { alg: 'EdDSA', typ: 'at+jwt', kid: 'k' },
      payload: { sub: 'a', iat: 1, exp: 2, scope: 'x y' },
    });
    const parsed = parseTokenGrammar(`${input}.${sig}`, 3);
    expect(Buffer.from(parsed.signature!)).toEqual(Buffer.alloc(64, 7));
  });

  it.each([
    ['no token', ''],
    ['a non-string', 42],
    ['one segment', header],
    ['three segments for a signing input', `${payload('{}')}.${sig}`],
    ['an empty payload segment', `${header}.`],
    ['a JSON array payload', payload('[1]')],
    ['a JSON string header', `${seg('"x"')}.${seg('{}')}`],
    ['invalid UTF-8', `${header}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}`],
    ['a byte-order mark', `${header}.${seg('\ufeff{}')}`],
    ['an overflowing NumericDate', payload('{"exp":1e999}')],
    ['a duplicate member', payload('{"sub":"a","sub":"b"}')],
    ['an oversized token', payload(`{"x":"${'a'.repeat(8 * 1024)}"}`)],
  ])('refuses %s', (_what, token) => {
    expect(() => parseTokenGrammar(token, 2)).toThrow(malformed);
  });

  it.each([
    ['a negative NumericDate', payload('{"exp":-1}'), claimsInvalid],
    ['a fractional NumericDate', payload('{"iat":1.5}'), claimsInvalid],
    ['a string NumericDate', payload('{"nbf":"1"}'), claimsInvalid],
    ['an absurd NumericDate', payload(`{"exp":${MAX_NUMERIC_DATE + 1}}`), claimsInvalid],
    ['a non-string scope', payload('{"scope":["a"]}'), claimsInvalid],
    ['a scope with a double space', payload('{"scope":"a  b"}'), scopeInvalid],
  ])('refuses %s with its own code', (_what, token, error) => {
    expect(() => parseTokenGrammar(token, 2)).toThrow(error);
  });

  it('accepts NumericDates at the bounds', () => {
    expect(() =>
      parseTokenGrammar(payload(`{"exp":${MAX_NUMERIC_DATE},"iat":0}`), 2),
    ).not.toThrow();
  });
});
