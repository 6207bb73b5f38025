import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';

export const ISSUER = 'https://mint.test';
export const AUDIENCE = 'deploy-api';

/** A real Ed25519 key pair with its public JWK (kid = RFC 7638 thumbprint), as frostmint publishes it. */
export interface SigningKey {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK & { kid: string };
}

export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', {
    crv: 'Ed25519',
    extractable: true,
  });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { privateKey, publicKey, jwk: { ...jwk, kid, alg: 'EdDSA', use: 'sig' } };
}

export interface MintOptions {
  /** Claims to add or override (`undefined` removes one). */
  readonly claims?: Record<string, unknown>;
  /** Header parameters to add or override (`undefined` removes one). */
  readonly header?: Record<string, unknown>;
  /** "Now" in unix seconds. */
  readonly now?: number;
}

/** Signs a frostmint-shaped access token (900 s TTL) with `key`. */
export async function mint(key: SigningKey, options: MintOptions = {}): Promise<string> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const claims = dropUndefined({
    iss: ISSUER,
    sub: 'alice@example.com',
    aud: AUDIENCE,
    scope: 'deploy:canary read',
    iat: now,
    nbf: now,
    exp: now + 900,
    jti: 'q3Jb1x5rW0mTQnBf2kq8xA',
    client_id: 'frostmint-cli',
    frostmint: { signers: [1, 2] },
    ...options.claims,
  });
  const header = dropUndefined({
    alg: 'EdDSA',
    typ: 'at+jwt',
    kid: key.jwk.kid,
    ...options.header,
  });
  return new SignJWT(claims as JWTPayload)
    .setProtectedHeader(header as { alg: string })
    .sign(key.privateKey);
}

/** base64url of a JSON value, for hand-built tokens. */
export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}
