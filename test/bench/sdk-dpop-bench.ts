// SDK verification of DPoP-bound tokens vs plain ones, same run: `npx tsx test/bench/sdk-dpop-bench.ts`.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createVerifier } from '@frostmint/sdk';
import { accessTokenHash, type DpopReplayStore, MemoryReplayStore } from '@frostmint/sdk/dpop';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { AUDIENCE, ISSUER, interleavedRates } from './sdk-bench.ts';

const HTU = 'https://deploy.bench/deploy';

/**
 * `sdk_verify_dpop_per_s`: `verifier.verify(token, {dpop})` of a `cnf.jkt`-bound token with
 * an Ed25519 proof (RFC 9449 §4.3: proof signature, claims, `ath`, thumbprint, replay
 * store); `sdk_verify_dpop_vs_sdk_verify`: its ratio to `verify` of the same token shape unbound
 * (`sdk_verify_per_s`'s workload, with a static JWKS), measured interleaved in this run.
 * Proofs are signed up front (the client's cost, not the verifier's); the default in-memory
 * replay store takes every proof, with a per-call suffix so a reused proof is a fresh entry.
 *
 * @example
 * ```ts
 * const { sdk_verify_dpop_vs_sdk_verify } = await benchSdkDpop(); // ≈ 0.4: two signatures instead of one
 * ```
 */
export async function benchSdkDpop(): Promise<Record<string, number>> {
  const issuerKey = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = await exportJWK(issuerKey.publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const client = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const clientJwk = await exportJWK(client.publicKey);
  const jkt = await calculateJwkThumbprint(clientJwk);
  const now = Math.floor(Date.now() / 1000);
  const token = (claims: object) =>
    new SignJWT({
      sub: 'bench',
      scope: 'deploy:canary',
      jti: randomUUID(),
      client_id: 'b',
      ...claims,
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 900)
      .sign(issuerKey.privateKey);
  const plain = await token({});
  const bound = await token({ cnf: { jkt } });
  const proof = await new SignJWT({
    jti: randomUUID(),
    htm: 'POST',
    htu: HTU,
    iat: now,
    ath: accessTokenHash(bound),
  })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: clientJwk })
    .sign(client.privateKey);

  const memory = new MemoryReplayStore();
  let n = 0;
  const replayStore: DpopReplayStore = {
    remember: (key, expiresAtSec) => memory.remember(`${key}:${n++}`, expiresAtSec),
  };
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [{ ...jwk, kid, alg: 'EdDSA', use: 'sig' }] },
    dpop: { replayStore },
  });
  const plainVerify = () => verifier.verify(plain, { requiredScopes: ['deploy:canary'] });
  const dpopVerify = () =>
    verifier.verify(bound, {
      requiredScopes: ['deploy:canary'],
      dpop: { proof, htm: 'POST', htu: HTU },
    });

  await dpopVerify();
  const [dpopPerS, plainPerS] = await interleavedRates(dpopVerify, plainVerify);
  verifier.close();
  return {
    sdk_verify_dpop_per_s: Math.round(dpopPerS),
    sdk_verify_dpop_vs_sdk_verify: dpopPerS / plainPerS,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [name, value] of Object.entries(await benchSdkDpop())) {
    console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(3)}`);
  }
}
