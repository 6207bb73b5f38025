// Policy evaluation latency: the shipped wasm and data, the demo input and a denied input,
// evaluated in-process as the coordinator and signers do.
import { pathToFileURL } from 'node:url';
import { DEMO_POLICY } from '@frostmint/cli';
import { loadPolicyFiles, type PolicyInput } from '@frostmint/core';

const ITERATIONS = 5_000;

export async function benchPolicy(): Promise<Record<string, number>> {
  const engine = await loadPolicyFiles(DEMO_POLICY);
  const now = Math.floor(Date.now() / 1000);
  const inputs: PolicyInput[] = [
    {
      now,
      requester: { kind: 'dev', subject: 'dev@localhost', amr: ['dev'] },
      request: { scopes: ['deploy:canary'], audience: 'deploy-api', ttl: 900 },
      approvals: [],
    },
    {
      now,
      requester: { kind: 'engineer', subject: 'alice', roles: ['developer'], amr: ['webauthn'] },
      request: { scopes: ['deploy:prod', 'db:migrate'], audience: 'deploy-api', ttl: 900 },
      approvals: ['g1'],
    },
  ];
  for (let i = 0; i < 500; i++) engine.evaluate(inputs[i % 2]!);
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    engine.evaluate(inputs[i % 2]!);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.floor(p * samples.length)]!;
  return { policy_eval_p50_ms: pct(0.5), policy_eval_p99_ms: pct(0.99) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [k, v] of Object.entries(await benchPolicy())) console.log(`${k}: ${v.toFixed(4)}`);
}
