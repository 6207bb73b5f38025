// CI OIDC exchange vs the dev bearer through the same local stack: `npx tsx test/bench/ci-mint-bench.ts`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CI_AUDIENCE, startOidcStack } from '../support/oidc-stack.ts';
import { runLoad } from './load.ts';

const BODY = JSON.stringify({ scope: ['deploy:canary'], audience: 'deploy-api', ttl: 600 });
const TOTAL = 120;

/**
 * `ci_mint_*`: `POST /v1/mint` with a fresh RS256 ID token each (coordinator and both
 * signers verify it, replay windows, policy, FROST); `dev_mint_*`: the same mint with the dev
 * bearer; p50/p99 latency at concurrency 1 and 4, same stack, same run.
 *
 * @example
 * ```ts
 * const { ci_mint_c1_p50_ms, dev_mint_c1_p50_ms } = await benchCiMint();
 * ```
 */
export async function benchCiMint(): Promise<Record<string, number>> {
  const work = await mkdtemp(join(tmpdir(), 'frostmint-ci-bench-'));
  const env = await startOidcStack(work);
  const out: Record<string, number> = {};
  try {
    const url = `${env.stack.coordinatorUrl}/v1/mint`;
    const post = async (bearer: string) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        body: BODY,
      });
      await res.arrayBuffer();
      return res.ok;
    };
    const idTokens = await Promise.all(
      Array.from({ length: TOTAL * 3 }, () => env.issuer.issue({ aud: CI_AUDIENCE }, { ttl: 600 })),
    );
    const ci = () => post(idTokens.pop()!);
    const dev = () => post(env.stack.layout.bearer);
    await runLoad(dev, { concurrency: 2, total: 20 });
    await runLoad(ci, { concurrency: 2, total: 20 });
    for (const c of [1, 4]) {
      for (const [name, send] of [
        ['dev_mint', dev],
        ['ci_mint', ci],
      ] as const) {
        const r = await runLoad(send, { concurrency: c, total: TOTAL / 2, maxMs: 60_000 });
        out[`${name}_c${c}_p50_ms`] = r.p50Ms;
        out[`${name}_c${c}_p99_ms`] = r.p99Ms;
        out[`${name}_c${c}_rps`] = r.rps;
        out[`${name}_c${c}_failures`] = r.failures;
      }
    }
  } finally {
    await env.dispose();
    await rm(work, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [name, value] of Object.entries(await benchCiMint())) {
    console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(3)}`);
  }
}
