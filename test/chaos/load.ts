/** One mint sent by the chaos load, with when it started and ended (ms, performance.now()). */
export interface MintRecord {
  readonly start: number;
  readonly end: number;
  readonly status: number;
  /** The error code of a refusal (`quorum_unavailable`, `store_unavailable`, …). */
  readonly error?: string;
  readonly retryAfter?: string | null;
  readonly jti?: string;
  readonly signers?: number[];
}

const BODY = JSON.stringify({ scope: ['deploy:canary'], audience: 'deploy-api', ttl: 900 });

/**
 * Bounded steady load on a local coordinator (loopback only): `clients` workers each send
 * one mint after another until `stop()` (or `maxRequests` in all). Every answer is kept,
 * with its timing, so an experiment can count failures in any window.
 *
 * @example
 * ```ts
 * const load = startLoad(() => stack.coordinatorUrl, bearer, { clients: 4 });
 * const records = await load.stop();
 * ```
 */
export function startLoad(
  url: () => string,
  bearer: string,
  options: { clients: number; maxRequests?: number },
) {
  const records: MintRecord[] = [];
  let stopped = false;
  let sent = 0;
  const max = options.maxRequests ?? 1_000_000;
  const one = async (): Promise<MintRecord> => {
    const start = performance.now();
    try {
      const res = await fetch(`${url()}/v1/mint`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        body: BODY,
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json().catch(() => ({}))) as {
        error?: string;
        token?: string;
        jti?: string;
      };
      const end = performance.now();
      if (res.ok && body.token) {
        const claims = JSON.parse(
          Buffer.from(body.token.split('.')[1]!, 'base64url').toString('utf8'),
        ) as { jti: string; frostmint: { signers: number[] } };
        return {
          start,
          end,
          status: res.status,
          jti: claims.jti,
          signers: claims.frostmint.signers,
        };
      }
      return {
        start,
        end,
        status: res.status,
        error: body.error ?? 'no_body',
        retryAfter: res.headers.get('retry-after'),
      };
    } catch (err) {
      // The coordinator died mid-request (or refused the connection): no answer at all.
      return { start, end: performance.now(), status: 0, error: (err as Error).name };
    }
  };
  const worker = async () => {
    while (!stopped && sent < max) {
      sent++;
      const record = await one();
      records.push(record);
      // No answer (coordinator down): do not spin.
      if (record.status === 0) await sleep(50);
    }
  };
  const workers = Array.from({ length: options.clients }, worker);
  return {
    records,
    async stop(): Promise<MintRecord[]> {
      stopped = true;
      await Promise.all(workers);
      return records;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The `p` quantile (0..1) of `values`, or 0 when empty. */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
