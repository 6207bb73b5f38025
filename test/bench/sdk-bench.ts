// SDK verification throughput vs raw jose, same token, same run: `npx tsx test/bench/sdk-bench.ts`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createVerifier } from '@frostmint/sdk';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';

export const ISSUER = 'https://mint.bench';
export const AUDIENCE = 'deploy-api';
export const ROUNDS = 7;
export const ROUND_MS = 300;
/** Verifications in flight: Web Crypto verifies off the main thread, so a sequential loop
 * would measure thread-pool round trips rather than throughput. */
const CONCURRENCY = 32;

/** Operations per second of `op` over `ms` milliseconds, `CONCURRENCY` in flight at a time. */
export async function rate(op: () => Promise<unknown>, ms: number): Promise<number> {
  let count = 0;
  const started = performance.now();
  const deadline = started + ms;
  while (performance.now() < deadline) {
    await Promise.all(Array.from({ length: CONCURRENCY }, op));
    count += CONCURRENCY;
  }
  return (count * 1000) / (performance.now() - started);
}

/**
 * Median ops/s of `a` and of `b`, measured in alternating rounds after a warm-up of each, so
 * neither always runs on a warmer or quieter machine.
 *
 * @example
 * ```ts
 * const [sdk, jose] = await interleavedRates(sdkVerify, joseVerify);
 * ```
 */
export async function interleavedRates(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[number, number]> {
  await rate(a, ROUND_MS / 2);
  await rate(b, ROUND_MS / 2);
  const aRates: number[] = [];
  const bRates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) aRates.push(await rate(a, ROUND_MS));
    bRates.push(await rate(b, ROUND_MS));
    if (round % 2 === 1) aRates.push(await rate(a, ROUND_MS));
  }
  return [median(aRates), median(bRates)];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * `sdk_verify_per_s`: `verifier.verify` (JWKS fetched from a loopback server, warm cache);
 * `jose_verify_per_s`: `jose.jwtVerify` with the same key held locally and the same
 * issuer/audience/alg checks; `sdk_vs_jose`: their ratio. Interleaved rounds, medians,
 * 32 verifications in flight.
 *
 * @example
 * ```ts
 * const { sdk_vs_jose } = await benchSdk(); // ≈ 1 means the SDK adds little over jose
 * ```
 */
export async function benchSdk(): Promise<Record<string, number>> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const jwks = JSON.stringify({ keys: [{ ...jwk, kid, alg: 'EdDSA', use: 'sig' }] });
  const server = createServer((_req, res) => res.end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    sub: 'bench',
    scope: 'deploy:canary read',
    jti: 'bench-jti',
    client_id: 'bench',
  })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 900)
    .sign(privateKey);

  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: `http://127.0.0.1:${port}/jwks.json`,
  });
  const joseOptions = { algorithms: ['EdDSA'], issuer: ISSUER, audience: AUDIENCE };
  const sdkVerify = () => verifier.verify(token, { requiredScopes: ['deploy:canary'] });
  const joseVerify = () => jwtVerify(token, publicKey, joseOptions);

  try {
    await sdkVerify(); // warm the JWKS cache
    const [sdkPerS, josePerS] = await interleavedRates(sdkVerify, joseVerify);
    return {
      sdk_verify_per_s: Math.round(sdkPerS),
      jose_verify_per_s: Math.round(josePerS),
      sdk_vs_jose: sdkPerS / josePerS,
    };
  } finally {
    verifier.close();
    server.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [name, value] of Object.entries(await benchSdk())) {
    console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(3)}`);
  }
}
