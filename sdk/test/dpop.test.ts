import { createHmac } from 'node:crypto';
import { calculateJwkThumbprint, SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  accessTokenHash,
  type DpopReplayStore,
  MemoryReplayStore,
  normaliseHtu,
  verifyDpopProof,
} from '../src/dpop/index.ts';
import { createVerifier, type Verifier } from '../src/index.ts';
import { ManualClock } from './support/clock.ts';
import { expectCode } from './support/expect-code.ts';
import { newProofKey, type ProofKey, proof, unsignedProof } from './support/proofs.ts';
import {
  AUDIENCE,
  b64json,
  ISSUER,
  mint,
  newSigningKey,
  type SigningKey,
} from './support/tokens.ts';

const HTU = 'https://api.test/read';
const request = { htm: 'GET', htu: HTU };

let issuerKey: SigningKey;
let clock: ManualClock;
let verifier: Verifier;
let alice: ProofKey;
let mallory: ProofKey;
/** A token bound to alice's key. */
let bound: string;

beforeEach(async () => {
  issuerKey ??= await newSigningKey();
  alice ??= await newProofKey();
  mallory ??= await newProofKey();
  clock = new ManualClock();
  verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [issuerKey.jwk] },
    clock: clock.now,
  });
  bound = await mint(issuerKey, { now: clock.seconds, claims: { cnf: { jkt: alice.jkt } } });
});

/** alice's proof for `bound` on GET HTU at the test clock, with overrides. */
const aliceProof = (options: Parameters<typeof proof>[1] = {}) =>
  proof(alice, { htm: 'GET', htu: HTU, token: bound, iat: clock.seconds, ...options });

describe('DPoP-bound token: the holder of the key', () => {
  it('is accepted with a valid proof, and the claims carry cnf.jkt', async () => {
    const { claims } = await verifier.verify(bound, {
      dpop: { proof: await aliceProof(), ...request },
    });
    expect(claims.cnf).toEqual({ jkt: alice.jkt });
  });

  it('is accepted with ES256 and ES384 proof keys', async () => {
    for (const alg of ['ES256', 'ES384'] as const) {
      const key = await newProofKey(alg);
      const token = await mint(issuerKey, {
        now: clock.seconds,
        claims: { cnf: { jkt: key.jkt } },
      });
      const p = await proof(key, { token, iat: clock.seconds });
      await verifier.verify(token, { dpop: { proof: p, ...request } });
    }
  });

  it('matches htu after RFC 3986 normalisation, ignoring query and fragment', async () => {
    const p = await aliceProof({ htu: 'HTTPS://API.test:443/read?x=1#frag' });
    await verifier.verify(bound, {
      dpop: { proof: p, htm: 'GET', htu: 'https://api.test/read?y=2' },
    });
  });

  it('is accepted within ±(maxAge + clockTolerance) of iat', async () => {
    await verifier.verify(bound, {
      dpop: { proof: await aliceProof({ iat: clock.seconds - 89 }), ...request },
    });
    await verifier.verify(bound, {
      dpop: { proof: await aliceProof({ iat: clock.seconds + 89 }), ...request },
    });
  });
});

describe('attack: a stolen DPoP-bound token', () => {
  it('is refused when presented as a bearer token (no proof)', async () => {
    await expectCode(verifier.verify(bound), 'dpop_proof_missing');
    await expectCode(
      verifier.verify(bound, { dpop: { proof: undefined, ...request } }),
      'dpop_proof_missing',
    );
  });

  it("is refused with a proof by the thief's own key", async () => {
    const p = await proof(mallory, { token: bound, iat: clock.seconds, htu: HTU });
    await expectCode(
      verifier.verify(bound, { dpop: { proof: p, ...request } }),
      'dpop_binding_mismatch',
    );
  });

  it("is refused with a proof carrying alice's public key but signed by another key", async () => {
    const p = await aliceProof({ signWith: mallory.privateKey });
    await expectCode(
      verifier.verify(bound, { dpop: { proof: p, ...request } }),
      'dpop_proof_invalid',
    );
  });

  it('is refused with a captured proof made for another URL or method', async () => {
    const otherUrl = await aliceProof({ htu: 'https://api.test/admin' });
    await expectCode(
      verifier.verify(bound, { dpop: { proof: otherUrl, ...request } }),
      'dpop_proof_invalid',
    );
    const otherHost = await aliceProof({ htu: 'https://evil.test/read' });
    await expectCode(
      verifier.verify(bound, { dpop: { proof: otherHost, ...request } }),
      'dpop_proof_invalid',
    );
    const otherMethod = await aliceProof({ htm: 'POST' });
    await expectCode(
      verifier.verify(bound, { dpop: { proof: otherMethod, ...request } }),
      'dpop_proof_invalid',
    );
    const lowerMethod = await aliceProof({ htm: 'get' });
    await expectCode(
      verifier.verify(bound, { dpop: { proof: lowerMethod, ...request } }),
      'dpop_proof_invalid',
    );
  });

  it('is refused with a replayed proof (jti single use)', async () => {
    const p = await aliceProof();
    await verifier.verify(bound, { dpop: { proof: p, ...request } });
    await expectCode(
      verifier.verify(bound, { dpop: { proof: p, ...request } }),
      'dpop_proof_replayed',
    );
    clock.advance(30_000);
    await expectCode(
      verifier.verify(bound, { dpop: { proof: p, ...request } }),
      'dpop_proof_replayed',
    );
  });

  it('is refused with a proof made for another token (ath), or without ath', async () => {
    const other = await mint(issuerKey, {
      now: clock.seconds,
      claims: { cnf: { jkt: alice.jkt }, jti: 'another-token' },
    });
    const forOther = await aliceProof({ token: other });
    await expectCode(
      verifier.verify(bound, { dpop: { proof: forOther, ...request } }),
      'dpop_binding_mismatch',
    );
    const noAth = await aliceProof({ claims: { ath: undefined } });
    await expectCode(
      verifier.verify(bound, { dpop: { proof: noAth, ...request } }),
      'dpop_proof_invalid',
    );
  });

  it('a refused proof does not spend its jti', async () => {
    const p = await proof(alice, {
      token: bound,
      iat: clock.seconds,
      htu: HTU,
      claims: { jti: 'fixed' },
    });
    const unbound = await mint(issuerKey, {
      now: clock.seconds,
      claims: { cnf: { jkt: mallory.jkt } },
    });
    await expectCode(
      verifier.verify(unbound, { dpop: { proof: p, ...request } }),
      'dpop_binding_mismatch',
    );
    await verifier.verify(bound, { dpop: { proof: p, ...request } });
  });
});

describe('attack: forged or stale proofs', () => {
  it('refuses an expired or future iat', async () => {
    const old = await aliceProof({ iat: clock.seconds - 91 });
    await expectCode(
      verifier.verify(bound, { dpop: { proof: old, ...request } }),
      'dpop_proof_invalid',
    );
    const future = await aliceProof({ iat: clock.seconds + 91 });
    await expectCode(
      verifier.verify(bound, { dpop: { proof: future, ...request } }),
      'dpop_proof_invalid',
    );
    const stringIat = await aliceProof({ claims: { iat: String(clock.seconds) } });
    await expectCode(
      verifier.verify(bound, { dpop: { proof: stringIat, ...request } }),
      'dpop_proof_invalid',
    );
  });

  it('honours dpop.maxAge', async () => {
    const strict = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [issuerKey.jwk] },
      clock: clock.now,
      clockTolerance: 0,
      dpop: { maxAge: 5 },
    });
    const p = await aliceProof({ iat: clock.seconds - 6 });
    await expectCode(
      strict.verify(bound, { dpop: { proof: p, ...request } }),
      'dpop_proof_invalid',
    );
    expect(() =>
      createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [] },
        dpop: { maxAge: 0 },
      }),
    ).toThrow(RangeError);
  });

  it('refuses alg none and HS256 (symmetric) proofs', async () => {
    const claims = {
      jti: 'x',
      htm: 'GET',
      htu: HTU,
      iat: clock.seconds,
      ath: accessTokenHash(bound),
    };
    await expectCode(
      verifier.verify(bound, { dpop: { proof: unsignedProof(alice, claims), ...request } }),
      'dpop_proof_invalid',
    );
    // HS256 "keyed" with the public JWK's bytes, the classic confusion.
    const input = `${b64json({ alg: 'HS256', typ: 'dpop+jwt', jwk: alice.publicJwk })}.${b64json(claims)}`;
    const mac = createHmac('sha256', JSON.stringify(alice.publicJwk))
      .update(input)
      .digest('base64url');
    const hs = `${input}.${mac}`;
    await expectCode(
      verifier.verify(bound, { dpop: { proof: hs, ...request } }),
      'dpop_proof_invalid',
    );
    // HS256 with an oct key in the header.
    const secret = new Uint8Array(32).fill(7);
    const oct = await new SignJWT(claims)
      .setProtectedHeader({
        alg: 'HS256',
        typ: 'dpop+jwt',
        jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url') } as never,
      })
      .sign(secret);
    await expectCode(
      verifier.verify(bound, { dpop: { proof: oct, ...request } }),
      'dpop_proof_invalid',
    );
  });

  it('refuses a private key in the header', async () => {
    const p = await aliceProof({ header: { jwk: alice.privateJwk } });
    await expectCode(
      verifier.verify(bound, { dpop: { proof: p, ...request } }),
      'dpop_proof_invalid',
    );
  });

  it('refuses a small-order Ed25519 key, under which S = 0 forges every proof', async () => {
    // The identity point (y = 1): with R = identity and S = 0, [S]B = R + [k]A holds for any
    // message, so WebCrypto and OpenSSL accept this "signature" (RFC 8032 §5.1.7 allows it).
    const identity = {
      kty: 'OKP',
      crv: 'Ed25519',
      x: Buffer.from(`01${'00'.repeat(31)}`, 'hex').toString('base64url'),
    };
    const weakBound = await mint(issuerKey, {
      now: clock.seconds,
      claims: { cnf: { jkt: await calculateJwkThumbprint(identity) } },
    });
    const head = b64json({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: identity });
    const body = b64json({
      jti: 'forged',
      htm: 'GET',
      htu: HTU,
      iat: clock.seconds,
      ath: accessTokenHash(weakBound),
    });
    const forged = `${head}.${body}.${Buffer.from(`01${'00'.repeat(63)}`, 'hex').toString('base64url')}`;
    await expectCode(
      verifier.verify(weakBound, { dpop: { proof: forged, ...request } }),
      'dpop_proof_invalid',
    );
  });

  it('refuses a wrong typ, no jwk, or missing and ill-typed claims', async () => {
    const cases = [
      await aliceProof({ header: { typ: 'JWT' } }),
      await aliceProof({ header: { typ: undefined } }),
      await aliceProof({ header: { jwk: undefined } }),
      await aliceProof({ claims: { jti: undefined } }),
      await aliceProof({ claims: { jti: 'j'.repeat(129) } }),
      await aliceProof({ claims: { jti: 7 } }),
      await aliceProof({ claims: { htm: undefined } }),
      await aliceProof({ claims: { htu: undefined } }),
      await aliceProof({ claims: { htu: 'not a url' } }),
      await aliceProof({ claims: { iat: undefined } }),
      'not-a-jwt',
      `${await aliceProof()}x`,
    ];
    for (const p of cases) {
      await expectCode(
        verifier.verify(bound, { dpop: { proof: p, ...request } }),
        'dpop_proof_invalid',
      );
    }
  });

  it('refuses a proof presented with an unbound token, and a malformed cnf', async () => {
    const bearer = await mint(issuerKey, { now: clock.seconds });
    const p = await proof(alice, { token: bearer, iat: clock.seconds, htu: HTU });
    await expectCode(
      verifier.verify(bearer, { dpop: { proof: p, ...request } }),
      'dpop_binding_mismatch',
    );
    await verifier.verify(bearer, { dpop: { proof: undefined, ...request } });
    for (const cnf of [{ jkt: 'short' }, { jkt: alice.jkt, x5t: 'x' }, 'jkt', null]) {
      const odd = await mint(issuerKey, { now: clock.seconds, claims: { cnf } });
      await expectCode(verifier.verify(odd), 'token_claims_invalid');
    }
  });
});

describe('replay store', () => {
  it('is pluggable (async stores work) and keyed by thumbprint and jti', async () => {
    const seen: Array<[string, number]> = [];
    const store: DpopReplayStore = {
      async remember(key, expiresAtSec) {
        if (seen.some(([k]) => k === key)) return false;
        seen.push([key, expiresAtSec]);
        return true;
      },
    };
    const shared = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [issuerKey.jwk] },
      clock: clock.now,
      dpop: { replayStore: store },
    });
    const p = await aliceProof({ claims: { jti: 'j1' } });
    await shared.verify(bound, { dpop: { proof: p, ...request } });
    // Kept until the proof could no longer pass: iat + maxAge (60) + clockTolerance (30).
    expect(seen).toEqual([[`${alice.jkt}:j1`, expect.any(Number)]]);
    expect(seen[0]![1] - clock.seconds).toBeGreaterThanOrEqual(90);
    expect(seen[0]![1] - clock.seconds).toBeLessThanOrEqual(91);
    await expectCode(
      shared.verify(bound, { dpop: { proof: p, ...request } }),
      'dpop_proof_replayed',
    );
  });

  it('the in-memory default is bounded, refuses new proofs when full of live ones, and forgets expired entries', () => {
    const now = new ManualClock();
    const store = new MemoryReplayStore({ maxEntries: 3, clock: now.now });
    for (const key of ['a', 'b', 'c']) expect(store.remember(key, now.seconds + 60)).toBe(true);
    expect(store.remember('d', now.seconds + 60)).toBe(false);
    expect(store.remember('a', now.seconds + 60)).toBe(false);
    expect(store.size).toBe(3);
    now.advance(61_000);
    expect(store.remember('d', now.seconds + 60)).toBe(true);
    expect(store.remember('a', now.seconds + 60)).toBe(true);
    expect(() => new MemoryReplayStore({ maxEntries: 0 })).toThrow(RangeError);
  });
});

describe('verifyDpopProof and normaliseHtu', () => {
  it('verifies a proof without a token (as at the mint endpoint) and returns its thumbprint', async () => {
    const p = await proof(alice, { htm: 'POST', htu: 'https://mint.test/v1/mint' });
    const verified = await verifyDpopProof(p, {
      htm: 'POST',
      htu: 'https://mint.test/v1/mint',
      now: Date.now(),
      clockTolerance: 30,
    });
    expect(verified.jkt).toBe(alice.jkt);
  });

  it('normalises per RFC 3986 §6.2.2/§6.2.3 and refuses non-http URIs', () => {
    expect(normaliseHtu('HTTPS://API.Example:443')).toBe('https://api.example/');
    expect(normaliseHtu('http://api.example:80/a/../b?q#f')).toBe('http://api.example/b');
    expect(normaliseHtu('https://api.example:8443/x')).toBe('https://api.example:8443/x');
    expect(normaliseHtu('ftp://api.example/')).toBeUndefined();
    expect(normaliseHtu('https://user:pw@api.example/')).toBeUndefined();
    expect(normaliseHtu('nope')).toBeUndefined();
  });
});
