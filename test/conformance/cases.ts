import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { compactJws, groupJwk, signingInput, type TokenClaims } from '@frostmint/core';
import type { OutcomeClass } from './classes.ts';
import { addDpopCases, type DpopCaseInput } from './dpop-cases.ts';

/** Token size cap of every verifier (bytes of the compact token). */
export const MAX_TOKEN_BYTES = 8192;
/** JSON depth cap of every verifier: the top-level object is depth 1. */
export const MAX_JSON_DEPTH = 8;

/** What a verifier is configured with for one case; times in seconds. */
export interface CaseOptions {
  issuer: string;
  audience: string[];
  /** The verifier's clock, unix seconds. */
  now: number;
  clockTolerance?: number;
  maxTokenAge?: number;
  maxTokenLifetime?: number;
  requiredScopes?: string[];
  /** The request's DPoP proof, method and URI (RFC 9449); absent: no proof presented. */
  dpop?: DpopCaseInput;
}

/**
 * One conformance case, verified by a fresh verifier (its own replay cache). New kinds of
 * input extend `options`; a runner that meets an option it does not know must fail the case.
 */
export interface ConformanceCase {
  name: string;
  token: string;
  /** The verifier's fixed key set. */
  jwks: { keys: Record<string, unknown>[] };
  options: CaseOptions;
  expect: OutcomeClass;
}

export interface CaseFile {
  version: 1;
  cases: ConformanceCase[];
}

const ISSUER = 'https://mint.conformance.test';
const AUDIENCE = 'deploy-api';
const NOW = 1_800_000_000;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Ed25519 encodings that are no usable public key (RFC 8032 §5.1.3). */
export const BAD_POINTS = {
  /** The identity (order 1): S = 0, R = identity verifies for every message. */
  identity: Buffer.from(`01${'00'.repeat(31)}`, 'hex'),
  /** A point of order 8. */
  order8: Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex'),
  /** y = p: a non-canonical encoding. */
  yEqualsP: Buffer.from(`ed${'ff'.repeat(30)}7f`, 'hex'),
  /** y = 2 has no x on the curve. */
  notOnCurve: Buffer.from(`02${'00'.repeat(31)}`, 'hex'),
};

const b64u = (data: string | Uint8Array) => Buffer.from(data).toString('base64url');

/**
 * Builds every conformance case with a fresh Ed25519 key: a FROST group signature is an
 * ordinary Ed25519 signature (RFC 9591 §6.5), so a plain key signs exactly the tokens a
 * quorum would. The valid base token is built by `@frostmint/core`'s own `signingInput`.
 *
 * @example
 * ```ts
 * const file = await generateCases();
 * writeFileSync('cases.json', JSON.stringify(file));
 * ```
 */
export async function generateCases(): Promise<CaseFile> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x!;
  const jwk = await groupJwk(Buffer.from(x, 'base64url'));
  const kid = jwk.kid;
  const jwks = { keys: [{ ...jwk }] };
  const header = { alg: 'EdDSA', typ: 'at+jwt', kid } as const;
  const headerText = JSON.stringify(header);
  const baseClaims = {
    iss: ISSUER,
    sub: 'alice@example.com',
    aud: AUDIENCE,
    scope: 'deploy:canary read',
    iat: NOW,
    nbf: NOW,
    exp: NOW + 900,
    jti: 'q3Jb1x5rW0mTQnBf2kq8xA',
    client_id: 'frostmint-cli',
    amr: ['webauthn'],
    frostmint: { signers: [1, 2], policy: 'sha256-policy' },
  } satisfies TokenClaims;
  const options: CaseOptions = { issuer: ISSUER, audience: [AUDIENCE], now: NOW };

  const signInput = (input: string, key: KeyObject = privateKey) =>
    `${input}.${b64u(sign(null, Buffer.from(input, 'latin1'), key))}`;
  /** Signs header and payload bytes exactly as given. */
  const signRaw = (h: string, p: string | Uint8Array) => signInput(`${b64u(h)}.${b64u(p)}`);
  /** Claims JSON with overrides (`undefined` drops a claim) and raw member text prepended. */
  const claims = (overrides: Record<string, unknown> = {}, ...rawMembers: string[]) => {
    const text = JSON.stringify({ ...baseClaims, ...overrides });
    return rawMembers.length === 0 ? text : `{${rawMembers.join(',')},${text.slice(1)}`;
  };
  const token = (overrides: Record<string, unknown> = {}, ...raw: string[]) =>
    signRaw(headerText, claims(overrides, ...raw));
  const withHeader = (h: Record<string, unknown>) =>
    signRaw(JSON.stringify({ ...header, ...h }), claims());

  const valid = compactJws(
    signingInput(header, baseClaims),
    sign(null, Buffer.from(signingInput(header, baseClaims)), privateKey),
  );
  const [h64, p64, s64] = valid.split('.') as [string, string, string];
  const cases: ConformanceCase[] = [];
  const add = (
    expect: OutcomeClass,
    name: string,
    t: string,
    extra: Partial<CaseOptions> = {},
    keySet: ConformanceCase['jwks'] = jwks,
  ) => cases.push({ name, token: t, jwks: keySet, options: { ...options, ...extra }, expect });

  // valid
  add('valid', 'valid/minted-shape', valid);
  add('valid', 'valid/typ-application-at+jwt-any-case', withHeader({ typ: 'Application/AT+JWT' }));
  add('valid', 'valid/aud-list', token({ aud: ['other-api', AUDIENCE] }));
  add('valid', 'valid/required-scopes-present', valid, {
    requiredScopes: ['read', 'deploy:canary'],
  });
  add('valid', 'valid/no-scope-claim', token({ scope: undefined }));
  add('valid', 'valid/depth-at-cap', token({ x: nested(MAX_JSON_DEPTH - 1) }));
  add('valid', 'valid/size-at-cap', sizedToken(token, false));
  add(
    'valid',
    'valid/exp-inside-tolerance',
    token({ iat: NOW - 600, nbf: NOW - 600, exp: NOW - 29 }),
  );
  add('valid', 'valid/nbf-inside-tolerance', token({ nbf: NOW + 30 }));
  add('valid', 'valid/lifetime-at-cap', token({ exp: NOW + 900 }));
  add(
    'valid',
    'valid/jwks-other-keys-skipped',
    valid,
    {},
    {
      keys: [{ kty: 'RSA', kid: 'rsa', n: 'AQAB', e: 'AQAB' }, { ...jwk }],
    },
  );

  // malformed: the strict grammar
  add('malformed', 'malformed/empty', '');
  add('malformed', 'malformed/two-segments', `${h64}.${p64}`);
  add('malformed', 'malformed/four-segments', `${valid}.`);
  add('malformed', 'malformed/padding-signature', `${valid}==`);
  const odd = b64u(oddLengthPayload(claims));
  add('malformed', 'malformed/padding-payload-signed', signInput(`${h64}.${padded(odd)}`));
  add('malformed', 'malformed/whitespace-trailing-newline', `${valid}\n`);
  add(
    'malformed',
    'malformed/whitespace-inside-signed',
    signInput(`${h64}.${p64.slice(0, 8)} ${p64.slice(8)}`),
  );
  add('malformed', 'malformed/standard-alphabet-signature', standardAlphabet(token));
  add('malformed', 'malformed/trailing-bits-signature', `${h64}.${p64}.${flipLastBit(s64)}`);
  add(
    'malformed',
    'malformed/trailing-bits-payload-signed',
    signInput(`${h64}.${flipLastBit(odd)}`),
  );
  add(
    'malformed',
    'malformed/duplicate-header-member',
    signRaw(`{"kid":"other",${headerText.slice(1)}`, claims()),
  );
  add('malformed', 'malformed/duplicate-payload-member', token({}, '"scope":"deploy:prod admin"'));
  add(
    'malformed',
    'malformed/duplicate-nested-member',
    token({ frostmint: undefined }, '"frostmint":{"signers":[1,2],"signers":[1,3]}'),
  );
  add('malformed', 'malformed/duplicate-escaped-name', token({}, '"sc\\u006fpe":"deploy:prod"'));
  add('malformed', 'malformed/oversize-by-padding-claim', sizedToken(token, true));
  add('malformed', 'malformed/too-deep-by-one', token({ x: nested(MAX_JSON_DEPTH) }));
  add('malformed', 'malformed/too-deep', token({ x: nested(64) }));
  add(
    'malformed',
    'malformed/invalid-utf8',
    signRaw(
      headerText,
      Buffer.concat([
        Buffer.from(claims({ sub: undefined }).slice(0, -1)),
        Buffer.from(',"sub":"al\xffce"}', 'latin1'),
      ]),
    ),
  );
  add('malformed', 'malformed/nan-literal', token({}, '"x":NaN'));
  // RFC 7493 §2.2: a number beyond double range has no I-JSON reading, wherever it stands.
  add('malformed', 'malformed/exp-1e999', token({ exp: undefined }, '"exp":1e999'));
  add('malformed', 'malformed/integer-beyond-double', token({}, `"x":1${'0'.repeat(400)}`));
  add('malformed', 'malformed/payload-not-json', signRaw(headerText, `${claims()} trailing`));
  add('malformed', 'malformed/payload-not-object', signRaw(headerText, '["alice"]'));
  add('malformed', 'malformed/header-not-object', signRaw('"EdDSA"', claims()));
  add('malformed', 'malformed/crit-extension', withHeader({ crit: ['exp'], exp: NOW + 60 }));

  // header
  add(
    'header',
    'header/alg-none',
    `${b64u(JSON.stringify({ ...header, alg: 'none' }))}.${p64}.${s64}`,
  );
  // An unsecured JWS (RFC 7515 §A.5) has an empty third segment: not frostmint's grammar.
  add(
    'malformed',
    'malformed/unsecured-empty-signature',
    `${b64u(JSON.stringify({ ...header, alg: 'none' }))}.${p64}.`,
  );
  const hsInput = `${b64u(JSON.stringify({ ...header, alg: 'HS256' }))}.${p64}`;
  add(
    'header',
    'header/alg-hs256-public-key-as-secret',
    `${hsInput}.${b64u(createHmac('sha256', Buffer.from(x, 'base64url')).update(hsInput).digest())}`,
  );
  add('header', 'header/alg-ed25519-fully-specified', withHeader({ alg: 'Ed25519' }));
  add('header', 'header/typ-jwt', withHeader({ typ: 'JWT' }));
  add('header', 'header/typ-missing', withHeader({ typ: undefined }));

  // key
  add('key', 'key/kid-missing', withHeader({ kid: undefined }));
  add('key', 'key/kid-unknown', withHeader({ kid: 'not-the-group-key' }));
  const forged = `${h64}.${p64}.${b64u(Buffer.concat([BAD_POINTS.identity, Buffer.alloc(32)]))}`;
  for (const [name, point] of Object.entries(BAD_POINTS)) {
    add('key', `key/jwks-${name}-forged-token`, forged, {}, { keys: [{ ...jwk, x: b64u(point) }] });
  }
  add(
    'key',
    'key/jwks-x-31-bytes',
    valid,
    {},
    { keys: [{ ...jwk, x: b64u(Buffer.from(x, 'base64url').subarray(0, 31)) }] },
  );
  add(
    'key',
    'key/jwks-private-key',
    valid,
    {},
    {
      keys: [privateKey.export({ format: 'jwk' }) as Record<string, unknown>].map((k) => ({
        ...k,
        kid,
      })),
    },
  );
  add('key', 'key/jwks-duplicate-kid', valid, {}, { keys: [{ ...jwk }, { ...jwk }] });
  add(
    'key',
    'key/jwks-no-ed25519-key',
    valid,
    {},
    { keys: [{ kty: 'RSA', kid, n: 'AQAB', e: 'AQAB' }] },
  );

  // signature
  const flipped = Buffer.from(s64, 'base64url');
  flipped[40]! ^= 1;
  add('signature', 'signature/bit-flipped', `${h64}.${p64}.${b64u(flipped)}`);
  add(
    'signature',
    'signature/other-key-same-kid',
    signInput(`${h64}.${p64}`, generateKeyPairSync('ed25519').privateKey),
  );
  add(
    'signature',
    'signature/payload-swapped',
    `${h64}.${b64u(claims({ scope: 'deploy:prod' }))}.${s64}`,
  );
  add(
    'signature',
    'signature/truncated',
    `${h64}.${p64}.${b64u(Buffer.from(s64, 'base64url').subarray(0, 63))}`,
  );

  // issuer, audience
  add('issuer', 'issuer/wrong', token({ iss: 'https://evil.example' }));
  add('claims', 'claims/iss-missing', token({ iss: undefined }));
  add('audience', 'audience/wrong', token({ aud: 'other-api' }));
  add('audience', 'audience/list-without-us', token({ aud: ['other-api', 'third-api'] }));
  add('claims', 'claims/aud-missing', token({ aud: undefined }));

  // claims: presence and types (finite integer NumericDates)
  add('claims', 'claims/sub-missing', token({ sub: undefined }));
  add('claims', 'claims/sub-empty', token({ sub: '' }));
  add('claims', 'claims/exp-missing', token({ exp: undefined }));
  add('claims', 'claims/iat-missing', token({ iat: undefined }));
  add('claims', 'claims/exp-string', token({ exp: String(NOW + 60) }));
  add('claims', 'claims/exp-boolean', token({ exp: true }));
  add('claims', 'claims/exp-not-integer', token({ exp: NOW + 60.5 }));
  add('claims', 'claims/nbf-not-integer', token({ nbf: NOW - 0.5 }));
  add('claims', 'claims/scope-not-string', token({ scope: ['deploy:canary'] }));

  // time
  add('expired', 'expired/exp-past', token({ iat: NOW - 600, nbf: NOW - 600, exp: NOW - 31 }));
  add(
    'expired',
    'expired/exp-at-tolerance',
    token({ iat: NOW - 600, nbf: NOW - 600, exp: NOW - 30 }),
  );
  add(
    'expired',
    'expired/exp-past-small-tolerance',
    token({ iat: NOW - 600, nbf: NOW - 600, exp: NOW - 6 }),
    { clockTolerance: 5 },
  );
  add(
    'expired',
    'expired/iat-older-than-max-age',
    token({ iat: NOW - 400, nbf: NOW - 400, exp: NOW + 400 }),
    { maxTokenAge: 300 },
  );
  add('not_yet_valid', 'not_yet_valid/nbf-future', token({ nbf: NOW + 31 }));
  add(
    'not_yet_valid',
    'not_yet_valid/iat-future',
    token({ iat: NOW + 60, nbf: NOW + 60, exp: NOW + 660 }),
  );
  add('lifetime', 'lifetime/901s', token({ exp: NOW + 901 }));
  add('lifetime', 'lifetime/above-configured-cap', token({ exp: NOW + 600 }), {
    maxTokenLifetime: 300,
  });

  // scope grammar (RFC 6749 §3.3) and required scopes
  const scopes: Record<string, string> = {
    'leading-space': ' deploy:canary',
    'trailing-space': 'deploy:canary ',
    'double-space': 'deploy:canary  read',
    'duplicate-token': 'read deploy:canary read',
    empty: '',
    tab: 'deploy:canary\tread',
    'double-quote': 'say"hi',
    backslash: 'a\\b',
    'non-ascii': 'déploy',
  };
  for (const [name, scope] of Object.entries(scopes))
    add('scope', `scope/${name}`, token({ scope }));
  add('insufficient_scope', 'insufficient_scope/missing', valid, {
    requiredScopes: ['deploy:prod'],
  });

  // DPoP (RFC 9449): sender-constrained tokens
  await addDpopCases({
    now: NOW,
    token: (overrides) => token(overrides),
    add: (expect, name, t, dpop) => add(expect, name, t, dpop === undefined ? {} : { dpop }),
  });
  return { version: 1, cases };
}

/** A JSON value nested `depth` levels (arrays), e.g. 2 → [[]]. */
function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

/** The largest token of at most MAX_TOKEN_BYTES made by padding a claim, or the next one up. */
function sizedToken(token: (o: Record<string, unknown>) => string, over: boolean): string {
  let n = 0;
  while (token({ pad: 'x'.repeat(n + 1) }).length <= MAX_TOKEN_BYTES) n++;
  return token({ pad: 'x'.repeat(over ? n + 1 : n) });
}

/** Standard padding on an unpadded segment whose length is not a multiple of 4. */
function padded(segment: string): string {
  return segment + '='.repeat((4 - (segment.length % 4)) % 4);
}

/** Sets the lowest (unused) bit of the last character: same bytes to a lenient decoder. */
function flipLastBit(segment: string): string {
  const last = ALPHABET.indexOf(segment.at(-1)!);
  return segment.slice(0, -1) + ALPHABET[last ^ 1];
}

/** Claims whose JSON length is not a multiple of 3, so its base64url has unused bits. */
function oddLengthPayload(claims: (o: Record<string, unknown>) => string): string {
  for (let pad = ''; ; pad += 'x') {
    const text = claims({ pad });
    if (text.length % 3 !== 0) return text;
  }
}

/** A token whose signature segment needs `-` or `_`, rewritten to `+` and `/` (RFC 4648 §4). */
function standardAlphabet(token: (o: Record<string, unknown>) => string): string {
  for (let i = 0; ; i++) {
    const [h, p, sig] = token({ jti: `q3Jb1x5rW0mTQnBf2kq8xA${i}` }).split('.') as [
      string,
      string,
      string,
    ];
    if (/[-_]/.test(sig)) return `${h}.${p}.${sig.replace(/-/g, '+').replace(/_/g, '/')}`;
  }
}
