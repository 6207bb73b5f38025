import { createHmac } from 'node:crypto';
import { type LocalIssuer, startLocalIssuer } from '@frostmint/test-support/oidc-issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciRequester, importIssuerKeys, OidcConfigSchema, OidcVerifier } from '../../src/index.ts';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

describe('OIDC ID token verification against a local issuer (discovery + JWKS over HTTP)', () => {
  let issuer: LocalIssuer;
  let other: LocalIssuer;
  let verifier: OidcVerifier;
  beforeAll(async () => {
    [issuer, other] = await Promise.all([startLocalIssuer(), startLocalIssuer()]);
    verifier = new OidcVerifier(
      OidcConfigSchema.parse({
        issuers: [{ issuer: issuer.issuer, audience: 'frostmint' }],
        cooldownSeconds: 0,
      }),
    );
  });
  afterAll(async () => {
    verifier?.close();
    await Promise.all([issuer?.close(), other?.close()]);
  });

  it('accepts a valid token, exposes its claims to policy, and derives a stable replay key', async () => {
    const token = await issuer.issue({ jti: 'run-1' });
    const verified = await verifier.verify(token, now());
    expect(verified.claims).toMatchObject({ repository: 'acme/app', ref: 'refs/heads/main' });
    const again = await verifier.verify(token, now());
    expect(again.replayKey).toBe(verified.replayKey);
    const requester = ciRequester(verified);
    expect(requester).toMatchObject({
      kind: 'ci',
      subject: 'repo:acme/app:environment:production',
      amr: ['oidc'],
      oidc: {
        issuer: issuer.issuer,
        repository: 'acme/app',
        environment: 'production',
        workflow: 'deploy',
      },
    });
    expect(requester.oidc).not.toHaveProperty('exp');
  });

  it('a claim named issuer inside the token cannot override the verified issuer', async () => {
    const token = await issuer.issue({ issuer: 'https://token.actions.githubusercontent.com' });
    expect(ciRequester(await verifier.verify(token, now())).oidc?.issuer).toBe(issuer.issuer);
  });

  it('without jti, the replay key is the digest of the whole token', async () => {
    const a = await verifier.verify(await issuer.issue({ jti: undefined }), now());
    const b = await verifier.verify(
      await issuer.issue({ jti: undefined }, { now: now() - 1 }),
      now(),
    );
    expect(a.replayKey).not.toBe(b.replayKey);
  });

  const refusals: [string, () => Promise<string>, string][] = [
    ['an untrusted issuer', () => other.issue(), 'oidc_issuer_untrusted'],
    ['another audience', () => issuer.issue({ aud: 'someone-else' }), 'oidc_audience_invalid'],
    [
      'an expired token',
      () => issuer.issue({}, { now: now() - 3_600, ttl: 300 }),
      'oidc_token_expired',
    ],
    ['a token not valid yet', () => issuer.issue({ nbf: now() + 600 }), 'oidc_token_not_yet_valid'],
    [
      'a token issued too long ago',
      () => issuer.issue({}, { now: now() - 7_200, ttl: 86_000 }),
      'oidc_token_expired',
    ],
    ['an unknown kid', () => issuer.issue({}, { kid: 'nope' }), 'oidc_signature_invalid'],
    [
      'a forged signature (other key, same kid)',
      async () => {
        const forged = (await other.issue()).split('.');
        const real = (await issuer.issue()).split('.');
        return `${real[0]}.${real[1]}.${forged[2]}`;
      },
      'oidc_signature_invalid',
    ],
    [
      'alg none',
      async () => {
        const claims = (await issuer.issue()).split('.')[1];
        return `${b64({ alg: 'none', kid: issuer.publicJwk.kid })}.${claims}.`;
      },
      'oidc_token_malformed',
    ],
    [
      'alg none with a dummy signature',
      async () => {
        const claims = (await issuer.issue()).split('.')[1];
        return `${b64({ alg: 'none', kid: issuer.publicJwk.kid })}.${claims}.AAAA`;
      },
      'oidc_alg_not_allowed',
    ],
    [
      'HS256 keyed with the public key (alg confusion)',
      async () => {
        const claims = (await issuer.issue()).split('.')[1];
        const header = b64({ alg: 'HS256', kid: issuer.publicJwk.kid, typ: 'JWT' });
        const secret = JSON.stringify(issuer.publicJwk);
        const mac = createHmac('sha256', secret).update(`${header}.${claims}`).digest('base64url');
        return `${header}.${claims}.${mac}`;
      },
      'oidc_alg_not_allowed',
    ],
    ['not a JWS', async () => 'not-a-token', 'oidc_token_malformed'],
  ];
  for (const [what, token, code] of refusals) {
    it(`refuses ${what}`, async () => {
      await expect(verifier.verify(await token(), now())).rejects.toMatchObject({ code });
    });
  }

  it('pins the algorithm per issuer: an RS256 issuer pinned to ES256 verifies nothing', async () => {
    const pinned = new OidcVerifier(
      OidcConfigSchema.parse({
        issuers: [{ issuer: issuer.issuer, audience: 'frostmint', algorithms: ['ES256'] }],
      }),
    );
    await expect(pinned.verify(await issuer.issue(), now())).rejects.toMatchObject({
      code: 'oidc_alg_not_allowed',
    });
    pinned.close();
  });

  it('verifies with a static JWKS without any network', async () => {
    const hits = { ...issuer.hits };
    const pinned = new OidcVerifier(
      OidcConfigSchema.parse({
        issuers: [
          { issuer: issuer.issuer, audience: 'frostmint', jwks: { keys: [issuer.publicJwk] } },
        ],
      }),
    );
    await expect(pinned.verify(await issuer.issue(), now())).resolves.toBeDefined();
    expect(issuer.hits).toEqual(hits);
    pinned.close();
  });

  it('refuses an EdDSA issuer key that is not a prime-order point (a small-order key verifies forgeries)', async () => {
    const identity = Buffer.from(`01${'00'.repeat(31)}`, 'hex').toString('base64url');
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: identity, kid: 'small' };
    await expect(importIssuerKeys({ keys: [jwk] }, ['EdDSA'])).rejects.toMatchObject({
      code: 'jwks_invalid',
      message: expect.stringMatching(/small order/),
    });
  });

  it('refuses a config with an HMAC or none algorithm, or a plain-http issuer off loopback', () => {
    for (const algorithms of [['HS256'], ['none']]) {
      expect(
        OidcConfigSchema.safeParse({
          issuers: [{ issuer: issuer.issuer, audience: 'a', algorithms }],
        }).success,
      ).toBe(false);
    }
    expect(
      OidcConfigSchema.safeParse({ issuers: [{ issuer: 'http://ci.example', audience: 'a' }] })
        .success,
    ).toBe(false);
  });

  it('keeps verifying from the cached JWKS while the issuer is down, and fails closed (503) with no cache', async () => {
    const cached = new OidcVerifier(
      OidcConfigSchema.parse({
        issuers: [{ issuer: issuer.issuer, audience: 'frostmint' }],
        cooldownSeconds: 0,
      }),
    );
    await cached.verify(await issuer.issue(), now());
    issuer.down = true;
    try {
      await expect(cached.verify(await issuer.issue(), now())).resolves.toBeDefined();
      const cold = new OidcVerifier(
        OidcConfigSchema.parse({ issuers: [{ issuer: issuer.issuer, audience: 'frostmint' }] }),
      );
      await expect(cold.verify(await issuer.issue(), now())).rejects.toMatchObject({
        code: 'oidc_jwks_unavailable',
        status: 503,
      });
      cold.close();
    } finally {
      issuer.down = false;
      cached.close();
    }
  });

  it('refuses a discovery document naming another issuer (OIDC Discovery §4.3)', async () => {
    const liar = new OidcVerifier(
      OidcConfigSchema.parse({
        issuers: [{ issuer: `${issuer.issuer}/`, audience: 'frostmint' }],
      }),
    );
    const token = await issuer.issue({}, { iss: `${issuer.issuer}/` });
    await expect(liar.verify(token, now())).rejects.toMatchObject({
      code: 'oidc_jwks_unavailable',
      message: expect.stringMatching(/does not name issuer/),
    });
    liar.close();
  });
});
