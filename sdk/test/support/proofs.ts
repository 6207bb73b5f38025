import { randomUUID } from 'node:crypto';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from 'jose';
import { accessTokenHash } from '../../src/dpop/index.ts';
import { b64json } from './tokens.ts';

/** A client's DPoP key pair: what `cnf.jkt` binds a token to. */
export interface ProofKey {
  readonly alg: 'EdDSA' | 'ES256' | 'ES384';
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly privateJwk: JWK;
  /** RFC 7638 thumbprint of the public key. */
  readonly jkt: string;
}

export async function newProofKey(alg: ProofKey['alg'] = 'EdDSA'): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return {
    alg,
    privateKey,
    publicJwk,
    privateJwk: await exportJWK(privateKey),
    jkt: await calculateJwkThumbprint(publicJwk),
  };
}

export interface ProofOptions {
  readonly htm?: string;
  readonly htu?: string;
  /** The access token the proof goes with (sets `ath`). */
  readonly token?: string;
  /** `iat` in unix seconds. */
  readonly iat?: number;
  /** Claims to add or override (`undefined` removes one). */
  readonly claims?: Record<string, unknown>;
  /** Header parameters to add or override (`undefined` removes one). */
  readonly header?: Record<string, unknown>;
  /** Sign with this key instead (the header still carries `key`'s public JWK). */
  readonly signWith?: CryptoKey;
}

/** A DPoP proof JWT by `key`, as an honest client makes it unless told otherwise. */
export async function proof(key: ProofKey, options: ProofOptions = {}): Promise<string> {
  const claims = dropUndefined({
    jti: randomUUID(),
    htm: options.htm ?? 'GET',
    htu: options.htu ?? 'https://api.test/read',
    iat: options.iat ?? Math.floor(Date.now() / 1000),
    ath: options.token === undefined ? undefined : accessTokenHash(options.token),
    ...options.claims,
  });
  const header = dropUndefined({
    alg: key.alg,
    typ: 'dpop+jwt',
    jwk: key.publicJwk,
    ...options.header,
  });
  return new SignJWT(claims)
    .setProtectedHeader(header as { alg: string })
    .sign(options.signWith ?? key.privateKey);
}

/** An unsigned (`alg: none`) proof with `key`'s public JWK in the header. */
export function unsignedProof(key: ProofKey, claims: Record<string, unknown>): string {
  return `${b64json({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk })}.${b64json(claims)}.`;
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}
