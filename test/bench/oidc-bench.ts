// CI ID token verification latency, warm vs cold JWKS cache: `npx tsx test/bench/oidc-bench.ts`.
import { pathToFileURL } from 'node:url';
import { OidcConfigSchema, OidcVerifier } from '@frostmint/core';
import { startLocalIssuer } from '@frostmint/test-support/oidc-issuer';

const SAMPLES = 200;
const COLD_SAMPLES = 40;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * `oidc_verify_cached_ms`: one RS256 ID token verification with the issuer's JWKS already
 * cached (what every exchange after the first costs); `oidc_verify_cold_ms`: a fresh
 * verifier, so discovery + JWKS fetch over loopback HTTP + import + verify. Medians of
 * sequential runs against a local issuer.
 *
 * @example
 * ```ts
 * const { oidc_verify_cached_ms } = await benchOidc();
 * ```
 */
export async function benchOidc(): Promise<Record<string, number>> {
  const issuer = await startLocalIssuer();
  const config = OidcConfigSchema.parse({
    issuers: [{ issuer: issuer.issuer, audience: 'frostmint' }],
  });
  try {
    const tokens = await Promise.all(
      Array.from({ length: SAMPLES }, () => issuer.issue({ aud: 'frostmint' })),
    );
    const now = Math.floor(Date.now() / 1000);
    const warm = new OidcVerifier(config);
    await warm.verify(tokens[0]!, now);
    const cached: number[] = [];
    for (const token of tokens) {
      const started = performance.now();
      await warm.verify(token, now);
      cached.push(performance.now() - started);
    }
    warm.close();
    const cold: number[] = [];
    for (const token of tokens.slice(0, COLD_SAMPLES)) {
      const verifier = new OidcVerifier(config);
      const started = performance.now();
      await verifier.verify(token, now);
      cold.push(performance.now() - started);
      verifier.close();
    }
    return { oidc_verify_cached_ms: median(cached), oidc_verify_cold_ms: median(cold) };
  } finally {
    await issuer.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [name, value] of Object.entries(await benchOidc())) {
    console.log(`${name}: ${value.toFixed(3)}`);
  }
}
