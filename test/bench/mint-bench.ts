import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startTestStack } from '../harness.ts';
import { jsonPoster, type LoadResult, runLoad, WARM_UP } from './load.ts';

const CONCURRENCY = [1, 4, 16];
const BODY = JSON.stringify({ scope: ['deploy:canary'], audience: 'deploy-api', ttl: 900 });
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Sends one `POST /v1/mint` with the dev bearer; resolves whether it minted. */
export function mintSender(url: string, bearer: string): () => Promise<boolean> {
  return jsonPoster(`${url}/v1/mint`, { authorization: `Bearer ${bearer}` }, BODY);
}

async function sweep(
  name: string,
  send: () => Promise<boolean>,
  out: Record<string, number>,
  /** Runs each load (at concurrency `c`): measures around it. */
  around: (c: number, run: () => Promise<LoadResult>) => Promise<LoadResult> = (_, run) => run(),
): Promise<LoadResult[]> {
  await runLoad(send, WARM_UP);
  const results: LoadResult[] = [];
  for (const c of CONCURRENCY) {
    const r = await around(c, () =>
      runLoad(send, { concurrency: c, total: c * 60, maxMs: 30_000 }),
    );
    out[`${name}_c${c}_rps`] = r.rps;
    out[`${name}_c${c}_p50_ms`] = r.p50Ms;
    out[`${name}_c${c}_p99_ms`] = r.p99Ms;
    out[`${name}_c${c}_failures`] = r.failures;
    results.push(r);
  }
  return results;
}

/** RPCs a mint can cost a signer (health polls, attestation and ceremonies are not per mint). */
const MINT_RPCS = ['Commit', 'Sign', 'SignBatch', 'PreprocessCommitments'];

/** Calls the signers received so far that a mint can cost (`frostmint_signer_calls_total`). */
async function signerMintCalls(metricsUrls: readonly string[]): Promise<number> {
  let total = 0;
  for (const url of metricsUrls) {
    const text = await (await fetch(url)).text();
    for (const m of text.matchAll(/^frostmint_signer_calls_total\{([^}]*)\} (\S+)$/gm)) {
      const rpc = /rpc="([^"]+)"/.exec(m[1]!)?.[1];
      if (rpc && MINT_RPCS.includes(rpc)) total += Number(m[2]);
    }
  }
  return total;
}

/**
 * Full local stack vs one in-process key behind the same HTTP stack, same run; and the
 * signer RPCs each successful mint cost at every concurrency, from the signers' own
 * counters (`mint_rpcs_per_mint` is the c16 figure).
 */
export async function benchMint(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const stack = await startTestStack({ signerMetrics: true });
  const metricsUrls = stack.layout.signers.map((s) => `http://${s.metricsListen}/metrics`);
  const mintRuns = await sweep(
    'mint',
    mintSender(stack.coordinatorUrl, stack.layout.bearer),
    out,
    async (c, run) => {
      const before = await signerMintCalls(metricsUrls);
      const r = await run();
      const calls = (await signerMintCalls(metricsUrls)) - before;
      out[`mint_c${c}_rpcs_per_mint`] = calls / (r.requests - r.failures);
      return r;
    },
  ).finally(() => stack.dispose());
  out.mint_rpcs_per_mint = out.mint_c16_rpcs_per_mint!;

  const server = spawn(
    process.execPath,
    ['--import', tsx, fileURLToPath(new URL('./single-key-server.ts', import.meta.url))],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    // Its log lines keep coming: the reader consumes them all, as the stack's does.
    const lines = createInterface({ input: server.stdout! });
    const { url, bearer } = await new Promise<{ url: string; bearer: string }>((resolve) =>
      lines.on('line', (line) => {
        const parsed = JSON.parse(line) as { url?: string; bearer?: string };
        if (parsed.url && parsed.bearer) resolve({ url: parsed.url, bearer: parsed.bearer });
      }),
    );
    const singleRuns = await sweep('single_key', mintSender(url, bearer), out);
    const at16 = (runs: LoadResult[]) => runs[runs.length - 1]!;
    out.mint_p50_ms = at16(mintRuns).p50Ms;
    out.mint_p99_ms = at16(mintRuns).p99Ms;
    out.mint_rps = Math.max(...mintRuns.map((r) => r.rps));
    out.single_key_rps = Math.max(...singleRuns.map((r) => r.rps));
    out.mint_vs_single_key = out.mint_rps / out.single_key_rps;
  } finally {
    server.kill('SIGTERM');
  }
  Object.assign(out, await benchDurability());
  return out;
}

/** Readiness answer of a coordinator, as far as the store is concerned. */
async function storeFsync(url: string): Promise<number> {
  const ready = (await (await fetch(`${url}/readyz`)).json()) as { store?: { fsync?: boolean } };
  return ready.store?.fsync ? 1 : 0;
}

/** The coordinator's audit append counters (group commit), read from `/metrics`. */
async function auditAppends(url: string): Promise<{ entries: number; transactions: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    entries: read('frostmint_audit_appended_entries_total'),
    transactions: read('frostmint_audit_append_transactions_total'),
  };
}

/**
 * What syncing every commit to disk costs (docs/storage.md): the default (durable) stack
 * against one whose embedded store runs with `fsync = off`, same run, 16 clients; and how
 * many audit entries each committed transaction carried then (`audit_appends_per_txn`).
 */
export async function benchDurability(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const durable of [true, false]) {
    const stack = await startTestStack({ storage: { backend: 'pglite', durable, minFreeMb: 64 } });
    try {
      const send = mintSender(stack.coordinatorUrl, stack.layout.bearer);
      await runLoad(send, WARM_UP);
      const before = await auditAppends(stack.coordinatorUrl);
      const r = await runLoad(send, { concurrency: 16, total: 16 * 60, maxMs: 30_000 });
      out[durable ? 'mint_durable_rps' : 'mint_nondurable_rps'] = r.rps;
      if (durable) {
        const after = await auditAppends(stack.coordinatorUrl);
        // Entries per committed transaction at 16 clients (1 = no group commit).
        out.audit_appends_per_txn =
          (after.entries - before.entries) / (after.transactions - before.transactions);
        out.store_fsync = await storeFsync(stack.coordinatorUrl);
      } else out.store_fsync_nondurable = await storeFsync(stack.coordinatorUrl);
    } finally {
      await stack.dispose();
    }
  }
  out.mint_durability_cost = 1 - out.mint_durable_rps! / out.mint_nondurable_rps!;
  return out;
}

// `npx tsx test/bench/mint-bench.ts`: the mint part of `npm run bench` alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [k, v] of Object.entries(await benchMint())) {
    console.log(`${k}: ${Number.isInteger(v) ? v : v.toFixed(3)}`);
  }
}
