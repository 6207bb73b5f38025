import { createPublicKey } from 'node:crypto';
import { CompactSign, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, FrostmintVerifyError, type Verifier } from '../src/index.ts';
import { ManualClock } from './support/clock.ts';
import { expectCode } from './support/expect-code.ts';
import {
  AUDIENCE,
  b64json,
  ISSUER,
  mint,
  newSigningKey,
  type SigningKey,
} from './support/tokens.ts';

let key: SigningKey;
let clock: ManualClock;
let verifier: Verifier;

beforeAll(async () => {
  key = await newSigningKey();
  clock = new ManualClock();
  verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [key.jwk] },
    clock: clock.now,
  });
});

const token = (options: Parameters<typeof mint>[1] = {}) =>
  mint(key, { now: clock.seconds, ...options });

describe('verify: valid tokens', () => {
  it('resolves with the claims and header of a valid token', async () => {
    const result = await verifier.verify(await token());
    expect(result.claims).toMatchObject({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'alice@example.com',
      scope: 'deploy:canary read',
    });
    expect(result.claims.frostmint).toEqual({ signers: [1, 2] });
    expect(result.header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: key.jwk.kid });
    expect(result.stale).toBe(false);
  });

  it('accepts typ application/at+jwt, in any case', async () => {
    await expect(
      verifier.verify(await token({ header: { typ: 'application/at+jwt' } })),
    ).resolves.toBeDefined();
    await expect(
      verifier.verify(await token({ header: { typ: 'AT+JWT' } })),
    ).resolves.toBeDefined();
  });

  it('accepts a token whose required scopes are all present', async () => {
    const result = await verifier.verify(await token(), {
      requiredScopes: ['read', 'deploy:canary'],
    });
    expect(result.claims.sub).toBe('alice@example.com');
  });

  it('accepts an audience list that names this service', async () => {
    const t = await token({ claims: { aud: ['other-api', AUDIENCE] } });
    await expect(verifier.verify(t)).resolves.toBeDefined();
  });
});

describe('verify: algorithm', () => {
  it('rejects alg none (unsigned token)', async () => {
    const payload = b64json({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'mallory',
      iat: clock.seconds,
      exp: clock.seconds + 60,
    });
    const unsigned = `${b64json({ alg: 'none', typ: 'at+jwt', kid: key.jwk.kid })}.${payload}`;
    await expectCode(verifier.verify(`${unsigned}.AAAA`), 'token_alg_not_allowed');
    // An empty signature segment is no base64url signature at all: the grammar refuses it.
    await expectCode(verifier.verify(`${unsigned}.`), 'token_malformed');
  });

  it('rejects HS256 keyed with the public key (raw, JWK or SPKI PEM) as the HMAC secret', async () => {
    const pem = await exportSPKI(key.publicKey);
    const secrets = [
      Buffer.from(key.jwk.x!, 'base64url'),
      Buffer.from(JSON.stringify(key.jwk)),
      Buffer.from(pem),
      createPublicKey(pem).export({ format: 'der', type: 'spki' }),
    ];
    for (const secret of secrets) {
      const forged = await new SignJWT({
        iss: ISSUER,
        aud: AUDIENCE,
        sub: 'mallory',
        scope: 'deploy:canary',
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: key.jwk.kid })
        .setIssuedAt(clock.seconds)
        .setExpirationTime(clock.seconds + 900)
        .sign(new Uint8Array(secret));
      await expectCode(verifier.verify(forged), 'token_alg_not_allowed');
    }
  });

  it('rejects every other algorithm, even with a valid signature under that algorithm', async () => {
    for (const alg of ['ES256', 'RS256', 'PS256', 'Ed25519'] as const) {
      const { privateKey } = await generateKeyPair(alg);
      const other = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'mallory' })
        .setProtectedHeader({ alg, typ: 'at+jwt', kid: key.jwk.kid })
        .setIssuedAt(clock.seconds)
        .setExpirationTime(clock.seconds + 900)
        .sign(privateKey);
      await expectCode(verifier.verify(other), 'token_alg_not_allowed');
    }
  });
});

describe('verify: header', () => {
  it('rejects a typ other than at+jwt, or none', async () => {
    for (const typ of ['JWT', 'jwt', 'application/jwt', 'id_token+jwt', undefined]) {
      await expectCode(verifier.verify(await token({ header: { typ } })), 'token_typ_invalid');
    }
  });

  it('rejects an unknown kid, and a missing one', async () => {
    await expectCode(
      verifier.verify(await token({ header: { kid: 'not-a-known-kid' } })),
      'token_kid_unknown',
    );
    await expectCode(
      verifier.verify(await token({ header: { kid: undefined } })),
      'token_kid_unknown',
    );
  });
});

describe('verify: signature', () => {
  it('rejects a tampered signature', async () => {
    const [h, p, s] = (await token()).split('.') as [string, string, string];
    const sig = Buffer.from(s, 'base64url');
    sig[10]! ^= 0x01;
    await expectCode(
      verifier.verify(`${h}.${p}.${sig.toString('base64url')}`),
      'token_signature_invalid',
    );
  });

  it('rejects tampered claims under the original signature', async () => {
    const [h, , s] = (await token()).split('.') as [string, string, string];
    const escalated = b64json({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'alice@example.com',
      scope: 'deploy:prod',
      iat: clock.seconds,
      exp: clock.seconds + 900,
    });
    await expectCode(verifier.verify(`${h}.${escalated}.${s}`), 'token_signature_invalid');
  });

  it('rejects a token signed by another Ed25519 key claiming the same kid', async () => {
    const impostor = await newSigningKey();
    const forged = await mint(impostor, { now: clock.seconds, header: { kid: key.jwk.kid } });
    await expectCode(verifier.verify(forged), 'token_signature_invalid');
  });
});

describe('verify: time', () => {
  it('rejects an expired token, tolerating 30 s of skew by default', async () => {
    const now = clock.seconds;
    await expect(
      verifier.verify(await token({ claims: { iat: now - 500, nbf: now - 500, exp: now - 29 } })),
    ).resolves.toBeDefined();
    await expectCode(
      verifier.verify(await token({ claims: { iat: now - 500, nbf: now - 500, exp: now - 31 } })),
      'token_expired',
    );
  });

  it('rejects nbf in the future beyond the skew', async () => {
    const now = clock.seconds;
    await expect(
      verifier.verify(await token({ claims: { nbf: now + 29 } })),
    ).resolves.toBeDefined();
    await expectCode(
      verifier.verify(await token({ claims: { nbf: now + 31 } })),
      'token_not_yet_valid',
    );
  });

  it('rejects iat in the future beyond the skew', async () => {
    await expectCode(
      verifier.verify(await token({ claims: { iat: clock.seconds + 120 } })),
      'token_not_yet_valid',
    );
  });

  it('rejects a token older than maxTokenAge (900 s) even if its exp is later', async () => {
    const now = clock.seconds;
    await expectCode(
      verifier.verify(
        await token({ claims: { iat: now - 1000, nbf: now - 1000, exp: now + 600 } }),
      ),
      'token_expired',
    );
  });

  it('follows the injected clock', async () => {
    const t = await token();
    clock.advance(931_000);
    try {
      await expectCode(verifier.verify(t), 'token_expired');
    } finally {
      clock.advance(-931_000);
    }
  });

  it('uses a configured clockTolerance and refuses one above the cap', async () => {
    const now = clock.seconds;
    const lenient = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [key.jwk] },
      clockTolerance: 120,
      clock: clock.now,
    });
    await expect(
      lenient.verify(await token({ claims: { exp: now - 100 } })),
    ).resolves.toBeDefined();
    expect(() =>
      createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [key.jwk] },
        clockTolerance: 301,
      }),
    ).toThrow(RangeError);
  });
});

describe('verify: issuer, audience, claims, scope', () => {
  it('rejects a wrong audience', async () => {
    await expectCode(
      verifier.verify(await token({ claims: { aud: 'billing-api' } })),
      'token_audience_invalid',
    );
    await expectCode(
      verifier.verify(await token({ claims: { aud: ['billing-api'] } })),
      'token_audience_invalid',
    );
  });

  it('rejects a wrong issuer', async () => {
    await expectCode(
      verifier.verify(await token({ claims: { iss: 'https://evil.test' } })),
      'token_issuer_invalid',
    );
    await expectCode(
      verifier.verify(await token({ claims: { iss: `${ISSUER}/` } })),
      'token_issuer_invalid',
    );
  });

  it('rejects missing or mistyped required claims', async () => {
    for (const claims of [
      { sub: undefined },
      { sub: 42 },
      { exp: undefined },
      { iat: undefined },
      { aud: undefined },
      { iss: undefined },
      { exp: '1' },
      { scope: ['read'] },
    ]) {
      await expectCode(verifier.verify(await token({ claims })), 'token_claims_invalid');
    }
  });

  it('rejects a token lacking a required scope', async () => {
    const err = await expectCode(
      verifier.verify(await token(), { requiredScopes: ['read', 'deploy:prod'] }),
      'token_scope_missing',
    );
    expect(err.message).toBe('token lacks scope deploy:prod');
    await expectCode(
      verifier.verify(await token({ claims: { scope: undefined } }), { requiredScopes: ['read'] }),
      'token_scope_missing',
    );
    // scope matching is exact, token by token
    await expectCode(
      verifier.verify(await token({ claims: { scope: 'deploy:canary-x' } }), {
        requiredScopes: ['deploy:canary'],
      }),
      'token_scope_missing',
    );
  });

  it('refuses a required scope that is not a scope token', async () => {
    await expect(
      verifier.verify(await token(), { requiredScopes: ['deploy canary'] }),
    ).rejects.toThrow(TypeError);
  });
});

describe('verify: malformed input', () => {
  it('rejects malformed tokens with token_malformed', async () => {
    const header = b64json({ alg: 'EdDSA', typ: 'at+jwt', kid: key.jwk.kid });
    const good = await token();
    const [, payload, signature] = good.split('.') as [string, string, string];
    const inputs = [
      '',
      'abc',
      'a.b',
      `${good}.extra`,
      '!!!.@@@.###',
      `${Buffer.from('{not json').toString('base64url')}.${payload}.${signature}`,
      `${b64json(['EdDSA'])}.${payload}.${signature}`,
      `${header}.${payload}.not*base64url`,
    ];
    for (const input of inputs) {
      await expectCode(verifier.verify(input), 'token_malformed');
    }
    await expectCode(verifier.verify(42 as unknown as string), 'token_malformed');
  });

  it('rejects a correctly signed payload that is not a JSON claims object', async () => {
    for (const payload of ['not json', '["an", "array"]']) {
      const signed = await new CompactSign(new TextEncoder().encode(payload))
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: key.jwk.kid })
        .sign(key.privateKey);
      await expectCode(verifier.verify(signed), 'token_malformed');
    }
  });

  it('rejects hostile header and claim values with a FrostmintVerifyError, never a crash', async () => {
    // Wrong-typed values: a number where a string is due, a string where a NumericDate is.
    const hostile = (name: string) => [
      null,
      {},
      [],
      '',
      true,
      /^(exp|nbf|iat)$/.test(name) ? '42' : 42,
    ];
    const variants = (names: string[]) =>
      names.flatMap((name) => hostile(name).map((value) => ({ [name]: value })));
    const headers = variants(['alg', 'typ', 'kid', 'crit']);
    const claims = variants(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'scope']);
    for (const options of [
      ...headers.map((header) => ({ header })),
      ...claims.map((claims) => ({ claims })),
    ]) {
      const signed = await token(options).catch(() => undefined); // jose's signer refuses some of these
      if (signed === undefined) continue;
      const outcome = await verifier.verify(signed, { requiredScopes: ['read'] }).then(
        () => 'accepted',
        (err: unknown) => (err instanceof FrostmintVerifyError ? err.code : err),
      );
      expect(outcome, JSON.stringify(options)).toMatch(/^token_/);
    }
  });

  it('gives every failure the {error, message} wire shape', async () => {
    const err = await expectCode(verifier.verify('abc'), 'token_malformed');
    expect(err).toBeInstanceOf(FrostmintVerifyError);
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      error: 'token_malformed',
      message: err.message,
    });
  });
});

describe('createVerifier: options', () => {
  const base = { issuer: ISSUER, audience: AUDIENCE };

  it('needs exactly one of jwks and jwksUri', () => {
    expect(() => createVerifier(base)).toThrow(TypeError);
    expect(() =>
      createVerifier({ ...base, jwks: { keys: [] }, jwksUri: 'https://mint.test/jwks' }),
    ).toThrow(TypeError);
  });

  it('refuses a plain-http jwksUri except on loopback', () => {
    expect(() =>
      createVerifier({ ...base, jwksUri: 'http://mint.test/.well-known/jwks.json' }),
    ).toThrow(TypeError);
    for (const uri of [
      'http://127.0.0.1:1/jwks',
      'http://[::1]:1/jwks',
      'http://localhost:1/jwks',
      'https://mint.test/jwks',
    ]) {
      createVerifier({ ...base, jwksUri: uri }).close();
    }
  });

  it('refuses an empty issuer or audience and out-of-range durations', () => {
    expect(() => createVerifier({ ...base, issuer: '', jwks: { keys: [] } })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, audience: [], jwks: { keys: [] } })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, jwks: { keys: [] }, clockTolerance: -1 })).toThrow(
      RangeError,
    );
    expect(() =>
      createVerifier({ ...base, jwks: { keys: [] }, maxStaleness: 1000, refreshInterval: 2000 }),
    ).toThrow(RangeError);
  });

  it('rejects a fixed JWKS that holds no usable key with jwks_invalid', async () => {
    const empty = createVerifier({ ...base, jwks: { keys: [] } });
    await expectCode(empty.verify(await token()), 'jwks_invalid');
  });
});
