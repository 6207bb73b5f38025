// `audit_checkpoint_ms`: p50 of cutting one audit-log checkpoint and having the signer quorum
// co-sign it (Info of every signer, proofs of the entries since the last checkpoint, both
// FROST rounds over mTLS gRPC, every signer's checks, storing the signed note), with 10 new
// mints before each. The stack runs in this process; the background loop is slowed down so
// only the measured cuts run.
import { DEFAULT_AUDIT_ORIGIN } from '@frostmint/core';
import { startInProcessStack } from '../support/in-process-stack.ts';

const ROUNDS = 30;
const MINTS_PER_ROUND = 10;
const BODY = JSON.stringify({ scope: ['deploy:canary'], audience: 'deploy-api', ttl: 900 });

const pct = (samples: number[], p: number) =>
  [...samples].sort((a, b) => a - b)[Math.floor(p * samples.length)]!;

export async function benchAuditCheckpoint(): Promise<Record<string, number>> {
  const stack = await startInProcessStack({
    audit: {
      coordinator: {
        origin: DEFAULT_AUDIT_ORIGIN,
        checkpointIntervalMs: 3_600_000,
        checkpointEntries: 1_000_000,
        maxEntriesPerCheckpoint: 1000,
      },
      signers: { origin: DEFAULT_AUDIT_ORIGIN, maxMergeDelaySeconds: 3600 },
    },
  });
  try {
    const mint = async () => {
      const res = await fetch(`${stack.coordinatorUrl}/v1/mint`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${stack.layout.bearer}`,
        },
        body: BODY,
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`mint failed: HTTP ${res.status}`);
    };
    const { checkpointer } = stack.coordinator.transparency!;
    const samples: number[] = [];
    for (let round = -2; round < ROUNDS; round++) {
      await Promise.all(Array.from({ length: MINTS_PER_ROUND }, mint));
      const started = performance.now();
      const cut = await checkpointer.cut();
      if (!cut) throw new Error('no checkpoint cut although the log grew');
      if (round >= 0) samples.push(performance.now() - started);
    }
    return { audit_checkpoint_ms: pct(samples, 0.5), audit_checkpoint_p99_ms: pct(samples, 0.99) };
  } finally {
    await stack.dispose();
  }
}
