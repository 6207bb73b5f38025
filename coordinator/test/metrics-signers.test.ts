import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics.ts';
import { boundedCodes, signerCallObserver } from '../src/metrics-signers.ts';

describe('signer error codes as metric labels', () => {
  it('a rogue signer sending endless made-up codes cannot grow the series count', async () => {
    const metrics = createMetrics();
    const observe = signerCallObserver(metrics, boundedCodes(8));
    for (let i = 0; i < 1_000; i++) {
      observe({ signer: 3, rpc: 'sign', seconds: 0.01, code: `made_up_${i}` });
      observe({ signer: 3, rpc: 'sign', seconds: 0.01, code: `Bad Code {"x"} ${i}` });
    }
    const series = (
      await metrics.registry.getSingleMetricAsString('frostmint_signer_call_errors_total')
    )
      .split('\n')
      .filter((l) => l.startsWith('frostmint_signer_call_errors_total{'));
    // Eight codes kept as sent, everything else as `other`.
    expect(series).toHaveLength(9);
    expect(series).toContain(
      'frostmint_signer_call_errors_total{signer="3",rpc="sign",code="other"} 1992',
    );
    expect(series.join('\n')).not.toContain('Bad Code');
  });

  it('times every call by signer, rpc and outcome', async () => {
    const metrics = createMetrics();
    const observe = signerCallObserver(metrics, boundedCodes());
    observe({ signer: 1, rpc: 'commit', seconds: 0.004 });
    observe({ signer: 1, rpc: 'commit', seconds: 0.3, code: 'signer_unavailable' });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'frostmint_signer_call_duration_seconds_count{signer="1",rpc="commit",outcome="ok"} 1',
    );
    expect(text).toContain(
      'frostmint_signer_call_duration_seconds_bucket{le="0.005",signer="1",rpc="commit",outcome="ok"} 1',
    );
    expect(text).toContain(
      'frostmint_signer_call_errors_total{signer="1",rpc="commit",code="signer_unavailable"} 1',
    );
  });
});
