import { describe, expect, it } from 'vitest';
import {
  checkTokenForSigning,
  parseSigningInput,
  signingInput,
  type TokenClaims,
} from '../../src/index.ts';

const now = 1_800_000_000;
const header = { alg: 'EdDSA', typ: 'at+jwt', kid: 'k1' } as const;
const claims: TokenClaims = {
  iss: 'https://mint.example',
  sub: 'alice',
  aud: 'deploy-api',
  scope: 'deploy:canary read',
  iat: now,
  nbf: now,
  exp: now + 900,
  jti: 'AAAAAAAAAAAAAAAAAAAAAA',
  client_id: 'cli',
  frostmint: { signers: [1, 2] },
};
const rules = {
  kid: 'k1',
  issuer: 'https://mint.example',
  maxTtlSeconds: 900,
  clockSkewSeconds: 30,
  now,
};
/** Sets the lowest bit of the last character: unused when the length is not a multiple of 4. */
const flip = (segment: string) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  if (segment.length % 4 === 0) throw new Error('test bug: no unused bits to flip');
  return `${segment.slice(0, -1)}${alphabet[alphabet.indexOf(segment.at(-1)!) ^ 1]}`;
};
const seg = (v: unknown) =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe('JWS signing input', () => {
  it('round-trips header and claims exactly', () => {
    const input = signingInput(header, claims);
    expect(parseSigningInput(Buffer.from(input))).toEqual({ header, claims });
  });

  it.each([
    ['three segments', `${seg(header)}.${seg(claims)}.x`],
    ['non-base64url', `${seg(header)}.${seg(claims)}+`],
    ['padding', `${seg(header)}=.${seg(claims)}`],
    ['a JSON array', `${seg([1])}.${seg(claims)}`],
    ['not JSON', `${seg('{')}.${seg(claims)}`],
    ['alg none', `${seg({ ...header, alg: 'none' })}.${seg(claims)}`],
    ['typ JWT', `${seg({ ...header, typ: 'JWT' })}.${seg(claims)}`],
    ['an extra header member', `${seg({ ...header, crit: ['x'] })}.${seg(claims)}`],
    ['an unknown claim', `${seg(header)}.${seg({ ...claims, admin: true })}`],
    ['a missing scope', `${seg(header)}.${seg({ ...claims, scope: undefined })}`],
    ['a short jti', `${seg(header)}.${seg({ ...claims, jti: 'abc' })}`],
    [
      'a duplicate claim',
      `${seg(header)}.${seg(`{"scope":"admin",${JSON.stringify(claims).slice(1)}`)}`,
    ],
    [
      'a duplicate inside frostmint',
      `${seg(header)}.${seg(JSON.stringify(claims).replace('"signers"', '"signers":[9],"signers"'))}`,
    ],
    [
      'a duplicate header member',
      `${seg(`{"kid":"k2",${JSON.stringify(header).slice(1)}`)}.${seg(claims)}`,
    ],
    ['unused trailing bits', `${seg(header)}.${flip(seg({ ...claims, sub: 'alice1' }))}`],
    ['a repeated scope token', `${seg(header)}.${seg({ ...claims, scope: 'read read' })}`],
    [
      'a double space in scope',
      `${seg(header)}.${seg({ ...claims, scope: 'deploy:canary  read' })}`,
    ],
    [
      'exp 1e999',
      `${seg(header)}.${seg(JSON.stringify(claims).replace(/"exp":\d+/, '"exp":1e999'))}`,
    ],
    ['an oversized input', `${seg(header)}.${seg({ ...claims, sub: 'x'.repeat(9_000) })}`],
  ])('rejects %s as token_malformed', (_what, input) => {
    expect(() => parseSigningInput(input)).toThrow(
      expect.objectContaining({ code: 'token_malformed' }),
    );
  });
});

describe('checkTokenForSigning', () => {
  it('accepts a token within every rule', () => {
    expect(() => checkTokenForSigning(header, claims, rules)).not.toThrow();
  });

  it.each([
    ['token_kid_mismatch', header.kid, { ...header, kid: 'other' }, claims],
    ['token_issuer_mismatch', '', header, { ...claims, iss: 'https://evil.example' }],
    ['token_ttl_exceeded', '', header, { ...claims, exp: now + 901 }],
    ['token_time_invalid', '', header, { ...claims, nbf: now + 900 }],
    ['token_iat_skew', '', header, { ...claims, iat: now - 31, nbf: now - 31, exp: now + 800 }],
  ])('refuses with %s', (code, _unused, h, c) => {
    expect(() => checkTokenForSigning(h, c, rules)).toThrow(
      expect.objectContaining({ code, status: 403 }),
    );
  });

  it('lets a prepared request wait for its tap (maxAgeSeconds), never accepting a future iat', () => {
    const waited = { ...claims, iat: now - 200, nbf: now - 200, exp: now + 100 };
    expect(() =>
      checkTokenForSigning(header, waited, { ...rules, maxAgeSeconds: 300 }),
    ).not.toThrow();
    const stale = { ...claims, iat: now - 301, nbf: now - 301, exp: now + 10 };
    expect(() => checkTokenForSigning(header, stale, { ...rules, maxAgeSeconds: 300 })).toThrow(
      expect.objectContaining({ code: 'token_iat_skew' }),
    );
    const future = { ...claims, iat: now + 31, nbf: now + 31, exp: now + 900 };
    expect(() => checkTokenForSigning(header, future, { ...rules, maxAgeSeconds: 300 })).toThrow(
      expect.objectContaining({ code: 'token_iat_skew' }),
    );
  });

  it('never lets configuration raise the cap above 900 s', () => {
    const long = { ...claims, exp: now + 1800 };
    expect(() => checkTokenForSigning(header, long, { ...rules, maxTtlSeconds: 3600 })).toThrow(
      expect.objectContaining({ code: 'token_ttl_exceeded' }),
    );
  });
});
