import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ed25519 } from '@noble/curves/ed25519.js';
import { CompactSign, type JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, expressAuth, type Verifier } from '../src/index.ts';
import { fetchJwks } from '../src/jwks/index.ts';
import type { ManualClock } from './support/clock.ts';
import { expectCode } from './support/expect-code.ts';
import { type VerifierFixture, verifierFixture } from './support/fixture.ts';
import { AUDIENCE, b64json, ISSUER, mint, type SigningKey } from './support/tokens.ts';

/**
 * Issue 12 item 4: the SDK must accept no more than the signers ever sign. Each case is a
 * token (or JWKS) that jose alone accepts, refused here with a stable code.
 */

let key: SigningKey;
let clock: ManualClock;
let verifier: Verifier;
let token: VerifierFixture['token'];

beforeAll(async () => {
  ({ key, clock, verifier, token } = await verifierFixture());
});

/** A genuinely signed token whose payload is exactly `json` (any text jose would sign). */
async function signRaw(json: string, header: Record<string, unknown> = {}): Promise<string> {
  return new CompactSign(new TextEncoder().encode(json))
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: key.jwk.kid, ...header })
    .sign(key.privateKey);
}

/** A valid claims set as JSON text, with `over` spliced in. */
function claimsJson(over: Record<string, unknown> = {}): string {
  const now = clock.seconds;
  return JSON.stringify({
    iss: ISSUER,
    sub: 'alice@example.com',
    aud: AUDIENCE,
    scope: 'deploy:canary',
    iat: now,
    nbf: now,
    exp: now + 900,
    ...over,
  });
}

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/** The eight points of order dividing 8 (and the identity among them), canonical encodings. */
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
];

describe('attack: JWKS keys that are not prime-order Ed25519 points', () => {
  const okp = (x: string, kid: string): JWK => ({ kty: 'OKP', crv: 'Ed25519', x, kid });

  it('refuses a small-order key with which a forged token verifies under plain WebCrypto', async () => {
    const identity = hex(SMALL_ORDER[0]!);
    const jwk = okp(b64u(identity), 'small');
    const signingInput = `${b64json({ alg: 'EdDSA', typ: 'at+jwt', kid: 'small' })}.${Buffer.from(
      claimsJson({ sub: 'mallory', scope: 'admin' }),
    ).toString('base64url')}`;
    // R = identity, S = 0: [S]B = R + [k]A holds for every message when A is the identity.
    const forgedSignature = new Uint8Array([...identity, ...new Uint8Array(32)]);
    const publicKey = createPublicKey({ key: jwk as never, format: 'jwk' });
    expect(cryptoVerify(null, Buffer.from(signingInput), publicKey, forgedSignature)).toBe(true);

    const trusting = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [jwk] },
      clock: clock.now,
    });
    const forged = `${signingInput}.${b64u(forgedSignature)}`;
    const err = await expectCode(trusting.verify(forged), 'jwks_invalid');
    expect(err.message).toMatch(/small order/);
  });

  it('refuses every small-order point, a mixed-order point and a non-canonical encoding', async () => {
    const valid = ed25519.Point.fromBytes(Buffer.from(key.jwk.x!, 'base64url'));
    const mixed = valid.add(ed25519.Point.fromBytes(hex(SMALL_ORDER[4]!))).toBytes();
    const cases: [string, string, RegExp][] = [
      ...SMALL_ORDER.map((h, i): [string, string, RegExp] => [
        `small-${i}`,
        b64u(hex(h)),
        /small order/,
      ]),
      ['mixed', b64u(mixed), /prime-order subgroup/],
      // y = p: a non-canonical encoding of y = 0 (RFC 8032 §5.1.3 step 1 refuses it).
      ['y-is-p', b64u(hex(`ed${'ff'.repeat(30)}7f`)), /point encoding/],
      ['short', b64u(new Uint8Array(31)), /not 32 bytes/],
    ];
    for (const [kid, x, reason] of cases) {
      const v = createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [okp(x, kid)] },
        clock: clock.now,
      });
      const t = await mint(key, { now: clock.seconds, header: { kid } });
      const err = await expectCode(v.verify(t), 'jwks_invalid');
      expect(err.message, kid).toMatch(reason);
    }
  });

  it('still accepts a genuine key', async () => {
    await expect(verifier.verify(await token())).resolves.toBeDefined();
  });
});

describe('attack: non-canonical encodings of a genuine token', () => {
  it('refuses padding, whitespace and other base64 characters in any segment', async () => {
    const t = await token();
    const [h, p, s] = t.split('.') as [string, string, string];
    expect(s.length % 4).toBe(2); // a 64-byte signature: padding would be "=="
    for (const variant of [
      `${t}==`,
      `${t}=`,
      `${h}.${p}.${s.slice(0, 40)} ${s.slice(40)}`,
      `${h}.${p}.${s.slice(0, 40)}\n${s.slice(40)}`,
      `${h}.${p}.${s}\t`,
      ` ${t}`,
      `${h}.${p.slice(0, 8)}\r\n${p.slice(8)}.${s}`,
      `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}${/[-_]/.test(s) ? '' : '+'}`,
    ]) {
      await expectCode(verifier.verify(variant), 'token_malformed');
    }
  });

  it('refuses the same signature bytes with different unused trailing bits', async () => {
    const t = await token();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(t.at(-1)!);
    // 86 characters carry 512 bits + 4 unused ones: 15 other encodings of the same bytes.
    for (let unused = 1; unused < 16; unused++) {
      const variant = `${t.slice(0, -1)}${alphabet[last ^ unused]}`;
      expect(Buffer.from(variant.split('.')[2]!, 'base64url')).toEqual(
        Buffer.from(t.split('.')[2]!, 'base64url'),
      );
      await expectCode(verifier.verify(variant), 'token_malformed');
    }
  });

  it('the Express middleware refuses a padded Bearer token before verifying it', async () => {
    const auth = expressAuth(verifier);
    const t = await token();
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const res = {
        statusCode: 200,
        setHeader() {},
        end(body: string) {
          resolve({ status: this.statusCode, body });
        },
      };
      auth({ headers: { authorization: `Bearer ${t}==` } } as never, res as never, () =>
        reject(new Error('the padded token was let through')),
      );
    });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'token_malformed' });
  });
});

describe('attack: claims no signer would sign', () => {
  it('refuses exp − iat above maxTokenLifetime (default 900 s)', async () => {
    const now = clock.seconds;
    const long = await token({ claims: { exp: now + 901 } });
    await expectCode(verifier.verify(long), 'token_ttl_exceeded');
    const strict = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [key.jwk] },
      clock: clock.now,
      maxTokenLifetime: 300,
    });
    await expectCode(
      strict.verify(await token({ claims: { exp: now + 301 } })),
      'token_ttl_exceeded',
    );
    await expect(strict.verify(await token({ claims: { exp: now + 300 } }))).resolves.toBeDefined();
    expect(() =>
      createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [] },
        maxTokenLifetime: 901,
      }),
    ).toThrow(RangeError);
  });

  it('refuses NumericDates that are not finite integers in range: exp 1e999, fractions, negatives, strings', async () => {
    const base = claimsJson();
    // Beyond double range there is no I-JSON reading at all (RFC 7493 §2.2): malformed.
    for (const [exp, code] of [
      ['1e999', 'token_malformed'],
      ['-1e999', 'token_malformed'],
      [`${clock.seconds + 60}.5`, 'token_claims_invalid'],
      ['-1', 'token_claims_invalid'],
      ['"1"', 'token_claims_invalid'],
      ['1e300', 'token_claims_invalid'],
      ['null', 'token_claims_invalid'],
    ] as const) {
      const t = await signRaw(base.replace(/"exp":\d+/, `"exp":${exp}`));
      await expectCode(verifier.verify(t), code);
    }
    const t = await signRaw(base.replace(/"iat":\d+/, '"iat":1e999'));
    await expectCode(verifier.verify(t), 'token_malformed');
  });

  it('refuses scope strings with leading, trailing or double spaces, empty or repeated tokens', async () => {
    for (const scope of [
      ' deploy:canary',
      'deploy:canary ',
      'deploy:canary  read',
      '',
      ' ',
      'read read',
      'deploy:canary\tread',
      'deploy:canary\nread',
      'say"hi"',
    ]) {
      await expectCode(verifier.verify(await token({ claims: { scope } })), 'token_scope_invalid');
    }
    await expect(
      verifier.verify(await token({ claims: { scope: 'deploy:canary read' } })),
    ).resolves.toBeDefined();
  });

  it('refuses duplicate member names in the header or payload, at every depth', async () => {
    const body = claimsJson().slice(1, -1);
    for (const payload of [
      `{"scope":"deploy:prod admin",${body}}`,
      `{"\\u0073cope":"deploy:prod admin",${body}}`,
      `{${body},"sub":"root"}`,
      `{${body},"frostmint":{"signers":[1,3],"signers":[1,2]}}`,
      `{${body},"cnf":{"jkt":"a","x":{"y":1,"y":2}}}`,
    ]) {
      await expectCode(verifier.verify(await signRaw(payload)), 'token_malformed');
    }
    const header = Buffer.from(
      `{"alg":"EdDSA","typ":"at+jwt","kid":"${key.jwk.kid}","kid":"other"}`,
    ).toString('base64url');
    const genuine = (await signRaw(claimsJson())).split('.');
    await expectCode(verifier.verify(`${header}.${genuine[1]}.${genuine[2]}`), 'token_malformed');
  });

  it('refuses an oversized token and one nested deeper than 8', async () => {
    const big = await token({ claims: { note: 'x'.repeat(8 * 1024) } });
    expect(big.length).toBeGreaterThan(8 * 1024);
    const err = await expectCode(verifier.verify(big), 'token_malformed');
    expect(err.message).toMatch(/longer than 8192/);
    const nest = (depth: number): unknown => (depth === 0 ? 1 : { n: nest(depth - 1) });
    // The claims object is depth 1: a claim nested 7 deep reaches the cap of 8.
    await expect(
      verifier.verify(await token({ claims: { deep: nest(7) } })),
    ).resolves.toBeDefined();
    const deep = await expectCode(
      verifier.verify(await token({ claims: { deep: nest(8) } })),
      'token_malformed',
    );
    expect(deep.message).toMatch(/nesting deeper than 8/);
    await expectCode(
      verifier.verify(await token({ claims: { deep: [[[[[[[[[1]]]]]]]]] } })),
      'token_malformed',
    );
  });
});

describe('attack: an oversized JWKS body', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** Serves an endless JWKS-looking body; resolves the bytes written once the client hangs up. */
  async function endlessJwks(headers: Record<string, string> = {}) {
    let written = 0;
    let closed!: () => void;
    const hungUp = new Promise<void>((resolve) => {
      closed = resolve;
    });
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.write('{"keys":[');
      const chunk = Buffer.from(
        `${JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'A' })},`.repeat(512),
      );
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
      };
      res.on('drain', pump);
      res.on('close', () => closed());
      pump();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/jwks.json`);
    return { url, hungUp, written: () => written };
  }

  it('stops reading at the cap and hangs up, long before the fetch timeout', async () => {
    const endless = await endlessJwks();
    const started = Date.now();
    const err = await expectCode(
      fetchJwks(endless.url, { fetch, timeout: 30_000 }),
      'jwks_invalid',
    );
    expect(err.message).toMatch(/exceeds 262144 bytes/);
    await endless.hungUp;
    expect(Date.now() - started).toBeLessThan(20_000);
    // The server would have sent forever; it got no further than the cap plus socket buffers.
    expect(endless.written()).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a declared content-length above the cap without reading the body', async () => {
    const endless = await endlessJwks({ 'content-length': String(1024 * 1024 * 1024) });
    await expectCode(fetchJwks(endless.url, { fetch, timeout: 30_000 }), 'jwks_invalid');
    await endless.hungUp;
  });
});
