import { Agent, request } from 'node:http';

/** Result of one bounded load run. */
export interface LoadResult {
  readonly requests: number;
  readonly failures: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * Sends `total` requests with `concurrency` workers (bounded count and time, loopback
 * only) and reports throughput and latency percentiles.
 */
export async function runLoad(
  send: () => Promise<boolean>,
  options: { concurrency: number; total: number; maxMs?: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  let issued = 0;
  const started = performance.now();
  const deadline = started + (options.maxMs ?? 60_000);
  const worker = async () => {
    while (issued < options.total && performance.now() < deadline) {
      issued++;
      const t0 = performance.now();
      const ok = await send().catch(() => false);
      latencies.push(performance.now() - t0);
      if (!ok) failures++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return {
    requests: latencies.length,
    failures,
    rps: latencies.length / elapsed,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
  };
}

/**
 * What every load run against a stack starts with: daemons reach their steady state only
 * after a few thousand requests (JIT tiers, GC heap sizing): the local stack's c16 mint rate
 * climbed 162 → 172 → 222 → 254 rps over its first four runs of 960 mints.
 */
export const WARM_UP = { concurrency: 16, total: 3_000, maxMs: 30_000 } as const;

/**
 * A `send` for {@link runLoad} that POSTs `body` as JSON to `url` over keep-alive HTTP/1.1
 * (`node:http`) and resolves whether the answer was 200. It costs the load generator about
 * half the CPU per request of `fetch` (0.33–0.67 against 1.05–1.30 ms measured), CPU the
 * daemons under test share on a small machine.
 *
 * @example
 * ```ts
 * const send = jsonPoster(`${url}/v1/mint`, { authorization: `Bearer ${bearer}` }, body);
 * await runLoad(send, { concurrency: 16, total: 960 });
 * ```
 */
export function jsonPoster(
  url: string,
  headers: Readonly<Record<string, string>>,
  body: string,
): () => Promise<boolean> {
  const agent = new Agent({ keepAlive: true });
  const target = new URL(url);
  const all = {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  };
  return () =>
    new Promise((resolve, reject) => {
      const req = request(target, { method: 'POST', agent, headers: all }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
}
