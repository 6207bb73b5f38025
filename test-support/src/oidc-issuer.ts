import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';

/** A running local OIDC issuer: real key pair, discovery and JWKS served over HTTP. */
export interface LocalIssuer {
  /** `http://127.0.0.1:<port>` — the `iss` of its tokens and the base of discovery. */
  readonly issuer: string;
  /** The public JWK (with `kid`, `alg`, `use`). */
  readonly publicJwk: JWK;
  /** The key pair, for tests that forge with it. */
  readonly keys: { privateKey: CryptoKey; publicKey: CryptoKey };
  /** How many times discovery and the JWKS were fetched. */
  readonly hits: { discovery: number; jwks: number };
  /** Makes the endpoints answer 503 (an issuer outage) while true. */
  down: boolean;
  /** Signs an ID token: defaults GitHub-Actions-like claims, a fresh `jti`, 5 minutes. */
  issue(
    claims?: JWTPayload,
    options?: { now?: number; ttl?: number; kid?: string; iss?: string },
  ): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts a local OIDC issuer on a free loopback port (RS256 by default, like GitHub Actions
 * and GitLab).
 *
 * @example
 * ```ts
 * const issuer = await startLocalIssuer();
 * const idToken = await issuer.issue({ aud: 'frostmint', repository: 'acme/app' });
 * ```
 */
export async function startLocalIssuer(
  options: { alg?: 'RS256' | 'ES256' } = {},
): Promise<LocalIssuer> {
  const alg = options.alg ?? 'RS256';
  const keys = (await generateKeyPair(alg, { extractable: true })) as {
    privateKey: CryptoKey;
    publicKey: CryptoKey;
  };
  const kid = randomBytes(8).toString('hex');
  const publicJwk: JWK = { ...(await exportJWK(keys.publicKey)), kid, alg, use: 'sig' };
  const hits = { discovery: 0, jwks: 0 };
  let issuer = '';
  const state = { down: false };
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (state.down) return send(503, { error: 'down' });
    if (req.url === '/.well-known/openid-configuration') {
      hits.discovery++;
      return send(200, {
        issuer,
        jwks_uri: `${issuer}/jwks`,
        id_token_signing_alg_values_supported: [alg],
      });
    }
    if (req.url === '/jwks') {
      hits.jwks++;
      return send(200, { keys: [publicJwk] });
    }
    send(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    publicJwk,
    keys,
    hits,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    async issue(claims = {}, opts = {}) {
      const now = opts.now ?? Math.floor(Date.now() / 1000);
      return new SignJWT({
        aud: 'frostmint',
        sub: 'repo:acme/app:environment:production',
        repository: 'acme/app',
        ref: 'refs/heads/main',
        environment: 'production',
        workflow: 'deploy',
        jti: randomBytes(12).toString('base64url'),
        ...claims,
      })
        .setProtectedHeader({ alg, kid: opts.kid ?? kid, typ: 'JWT' })
        .setIssuer(opts.iss ?? issuer)
        .setIssuedAt(now)
        .setNotBefore(typeof claims.nbf === 'number' ? claims.nbf : now - 5)
        .setExpirationTime(now + (opts.ttl ?? 300))
        .sign(keys.privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
