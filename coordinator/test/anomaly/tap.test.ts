import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnomalyDetector } from '../../src/anomaly/detector.ts';
import { anomalyTap } from '../../src/anomaly/tap.ts';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { type CoordinatorStore, openCoordinatorStore } from '../../src/storage/index.ts';

describe('anomalyTap: audited denials become an anomaly audit entry and a bounded counter', () => {
  let dir: string;
  let store: CoordinatorStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frostmint-anomaly-'));
    store = await openCoordinatorStore({ stateDir: dir });
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records a denial burst as an audit entry naming the subject, counts it by kind only', async () => {
    let now = Date.UTC(2026, 10, 2, 10);
    const metrics = createMetrics();
    const audit: AuditLog = new AuditLog(
      store.audit,
      () => now,
      anomalyTap({
        detector: new AnomalyDetector({ denialBurst: 5 }),
        metrics,
        log: pino({ level: 'silent' }),
        audit: () => audit,
      }),
    );
    // A probing subject: denied six times in 24 seconds (≈ 5.8 after a 5-minute decay).
    for (let i = 0; i < 6; i++) {
      now += 4_000;
      await audit.record({
        type: 'denial',
        sub: 'repo:evil/fork',
        aud: 'deploy-api',
        scope: 'deploy:prod',
        policy: 'sha256:00',
        reasons: ['scope_not_permitted:deploy:prod'],
      });
    }
    // The anomaly entry is written after the denial that revealed it.
    await expect.poll(() => store.audit.size()).toBe(7);
    const leaves = await store.audit.read(0, 7);
    const last = JSON.parse(leaves[6]!.entryJson) as Record<string, unknown>;
    expect(last).toMatchObject({ type: 'anomaly', kind: 'denial_burst', sub: 'repo:evil/fork' });

    const text = await metrics.registry.metrics();
    expect(text).toContain('frostmint_anomalies_total{kind="denial_burst"} 1');
    expect(text).toContain('frostmint_anomalies_total{kind="rate_spike"} 0');
    expect(text).toContain('frostmint_anomaly_subjects_tracked 1');
    // Subjects stay out of the metrics: an attacker cannot grow the series count with them.
    expect(text).not.toContain('evil');
  });
});
