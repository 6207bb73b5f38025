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
