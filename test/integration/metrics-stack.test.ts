import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mint, startTestStack } from '../harness.ts';

const DEMO = { scope: ['deploy:canary'], audience: 'deploy-api' };
const DENIED = { scope: ['deploy:prod'], audience: 'billing-api', ttl: 600 };

/** A port free on loopback now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Samples of a Prometheus text exposition: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

type Labels = Record<string, string>;

/** The samples of `name` whose labels include all of `labels`. */
function matching(all: Map<string, number>, name: string, labels: Labels): number[] {
  return [...all]
    .filter(([series]) => {
      const brace = series.indexOf('{');
      if ((brace < 0 ? series : series.slice(0, brace)) !== name) return false;
      return Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`));
    })
    .map(([, value]) => value);
}

function has(all: Map<string, number>, name: string, labels: Labels = {}): boolean {
  return matching(all, name, labels).length > 0;
}

/** The sum of every sample of `name` with `labels`; a missing series fails the test. */
function sum(all: Map<string, number>, name: string, labels: Labels = {}): number {
  const values = matching(all, name, labels);
  if (values.length === 0)
    throw new Error(`no series ${name}${JSON.stringify(labels)} in the scrape`);
  return values.reduce((a, b) => a + b, 0);
}

async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return samples(await res.text());
}

/** `sum`, or 0 when the series was never exported (no such call yet). */
function sumOrZero(...args: Parameters<typeof sum>): number {
  return has(...args) ? sum(...args) : 0;
}

describe('metrics of a real stack after a mint and a denial (coordinator + signer /metrics)', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let signerMetricsUrl: string;
  beforeAll(async () => {
    stack = await startTestStack();
    // Signer 1 gets its metrics listener (off by default) and a quieter log level.
    const port = await freePort();
    const path = stack.layout.signerConfigPaths[0]!;
    const config = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, JSON.stringify({ ...config, metricsListen: `127.0.0.1:${port}` }));
    await stack.signers.get(1)!.stop();
    await stack.restartSigner(1, undefined, { env: { FROSTMINT_LOG_LEVEL: 'warn' } });
    signerMetricsUrl = `http://127.0.0.1:${port}/metrics`;
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('exports mint, HTTP, signer, quorum, policy and anomaly series with sane values', async () => {
    // Mint until signer 1 has co-signed once: pairs rotate among signers with preprocessed
    // commitments ready, and the coordinator's stream to the restarted signer 1 reopens
    // within a second.
    let signed = 0;
    for (let i = 0; i < 30 && signed === 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      expect((await mint(stack, DEMO)).status).toBe(200);
      const s = await scrape(signerMetricsUrl);
      signed = has(s, 'frostmint_signer_requests_total', { rpc: 'Sign', outcome: 'ok' })
        ? sum(s, 'frostmint_signer_requests_total', { rpc: 'Sign', outcome: 'ok' })
        : 0;
    }
    expect(signed).toBeGreaterThanOrEqual(1);
    expect((await mint(stack, DENIED)).status).toBe(403);

    const raw = await (await fetch(`${stack.coordinatorUrl}/metrics`)).text();
    // Subjects and scopes never become labels (unbounded cardinality, and who minted what).
    expect(raw).not.toContain('dev@localhost');
    expect(raw).not.toContain('deploy:');
    const c = await scrape(`${stack.coordinatorUrl}/metrics`);
    const mints = sum(c, 'frostmint_mints_total', { outcome: 'ok' });
    expect(mints).toBeGreaterThanOrEqual(1);
    expect(sum(c, 'frostmint_mints_total', { outcome: 'policy_denied' })).toBe(1);
    expect(sum(c, 'frostmint_mint_duration_seconds_count', { outcome: 'ok' })).toBe(mints);
    const seconds = sum(c, 'frostmint_mint_duration_seconds_sum', { outcome: 'ok' });
    expect(seconds).toBeGreaterThan(0);
    expect(seconds / mints).toBeLessThan(5);
    expect(sum(c, 'frostmint_mint_duration_seconds_bucket', { outcome: 'ok', le: '+Inf' })).toBe(
      mints,
    );
    expect(sum(c, 'frostmint_mint_duration_seconds_count', { outcome: 'policy_denied' })).toBe(1);
    expect(
      sum(c, 'frostmint_http_request_duration_seconds_count', {
        route: '/v1/mint',
        method: 'POST',
        status_class: '2xx',
      }),
    ).toBe(mints);
    expect(
      sum(c, 'frostmint_http_request_duration_seconds_count', {
        route: '/v1/mint',
        status_class: '4xx',
      }),
    ).toBe(1);
    // Round two of every mint asks two signers; a hedged round (a slow signer on a loaded
    // machine) asks another pair, at most twice per mint.
    const signs = sum(c, 'frostmint_signer_call_duration_seconds_count', { rpc: 'sign' });
    expect(signs).toBeGreaterThanOrEqual(2 * mints);
    expect(signs).toBeLessThanOrEqual(6 * mints);
    // Round one runs ahead of time (preprocessed commitments, asserted at the signer below),
    // or per mint while a signer's supply is empty (just restarted): never more than once
    // per signer and attempt.
    expect(
      sumOrZero(c, 'frostmint_signer_call_duration_seconds_count', { rpc: 'commit' }),
    ).toBeLessThanOrEqual(9 * mints);
    for (const signer of ['1', '2', '3']) {
      expect(sum(c, 'frostmint_signer_reachable', { signer })).toBe(1);
      expect(sum(c, 'frostmint_signer_faulty', { signer })).toBe(0);
    }
    expect(sum(c, 'frostmint_quorum_available')).toBe(1);
    expect(sum(c, 'frostmint_quorum_signers_available')).toBe(3);
    expect(sum(c, 'frostmint_quorum_threshold')).toBe(2);
    expect(sum(c, 'frostmint_pending_approvals')).toBe(0);
    expect(
      sum(c, 'frostmint_policy_evaluations_total', { kind: 'mint', result: 'allow' }),
    ).toBeGreaterThanOrEqual(mints);
    expect(
      sum(c, 'frostmint_policy_evaluations_total', { kind: 'mint', result: 'deny' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sum(c, 'frostmint_policy_denials_total', { reason: 'scope_not_permitted' })).toBe(1);
    expect(sum(c, 'frostmint_build_info', { component: 'coordinator', version: '0.1.0' })).toBe(1);
    // A new subject has no baseline yet: every anomaly kind is exported, and none fired.
    for (const kind of ['rate_spike', 'new_scope', 'off_hours', 'denial_burst']) {
      expect(sum(c, 'frostmint_anomalies_total', { kind })).toBe(0);
    }
    expect(sum(c, 'frostmint_anomaly_subjects_tracked')).toBe(1);

    const s = await scrape(signerMetricsUrl);
    expect(sum(s, 'frostmint_build_info', { component: 'signer', signer: '1', vault: 'dev' })).toBe(
      1,
    );
    expect(
      sum(s, 'frostmint_signer_requests_total', { rpc: 'Info', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    // Round one ran ahead of time (a preprocessing stream) or per mint (Commit).
    expect(
      sumOrZero(s, 'frostmint_signer_calls_total', { rpc: 'PreprocessCommitments' }) +
        sumOrZero(s, 'frostmint_signer_requests_total', { rpc: 'Commit', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    // Every share it issued followed its own allow (a refused nonce can follow one too).
    const issued = sum(s, 'frostmint_signer_requests_total', { rpc: 'Sign', outcome: 'ok' });
    expect(issued).toBeGreaterThanOrEqual(signed);
    expect(
      sum(s, 'frostmint_signer_policy_evaluations_total', { kind: 'mint', result: 'allow' }),
    ).toBeGreaterThanOrEqual(issued);
    // The denied mint never reached a signer.
    expect(
      sum(s, 'frostmint_signer_policy_evaluations_total', { kind: 'mint', result: 'deny' }),
    ).toBe(0);
    const shares = sum(s, 'frostmint_signer_vault_operation_duration_seconds_count', {
      operation: 'with_share',
      outcome: 'ok',
    });
    // Round two uses the share once per share; round one once per commitment or batch.
    expect(shares).toBeGreaterThan(signed);
    const vaultSeconds = sum(s, 'frostmint_signer_vault_operation_duration_seconds_sum', {
      operation: 'with_share',
    });
    expect(vaultSeconds).toBeGreaterThan(0);
    expect(vaultSeconds / shares).toBeLessThan(1);
  });

  it("serves only /metrics on the signer's metrics listener, and logs at the level asked", async () => {
    const other = await fetch(signerMetricsUrl.replace('/metrics', '/'));
    expect(other.status).toBe(404);
    const post = await fetch(signerMetricsUrl, { method: 'POST' });
    expect(post.status).toBe(404);
    // FROSTMINT_LOG_LEVEL=warn: the restarted signer wrote no info lines (level 30).
    const lines = stack.signers
      .get(1)!
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(lines.filter((l) => (JSON.parse(l) as { level: number }).level < 40)).toEqual([]);
  });
});
