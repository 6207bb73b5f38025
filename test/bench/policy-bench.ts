// Policy evaluation latency: the shipped wasm and data, the demo input and a denied input,
// evaluated in-process as the coordinator and signers do. Also the cost of a guardian-
// approved bundle update (two ES256 approvals verified, wasm loaded) against loading the
// same policy from files, measured in the same process.
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { DEMO_POLICY } from '@frostmint/cli';
import {
  type GuardianKey,
  loadPolicyFiles,
  PolicyHolder,
  type PolicyInput,
  parsePolicyData,
  policyApprovalInput,
  policyId,
} from '@frostmint/core';

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
  return {
    policy_eval_p50_ms: pct(0.5),
    policy_eval_p99_ms: pct(0.99),
    ...(await benchBundleUpdate()),
  };
}

const UPDATES = 20;

async function benchBundleUpdate(): Promise<Record<string, number>> {
  const wasm = await readFile(DEMO_POLICY.wasm);
  const data = JSON.parse(await readFile(DEMO_POLICY.data, 'utf8'));
  const input = policyApprovalInput(policyId(wasm, parsePolicyData(data)));
  const guardians = [1, 2].map((n) => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const kid = `guardian-${n}`;
    const key: GuardianKey = {
      name: kid,
      approvalKey: {
        kid,
        spki: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
        jwk: { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! },
      },
    };
    const signature = sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return { key, approval: { guardian: kid, signature } };
  });
  const holder = new PolicyHolder(await loadPolicyFiles(DEMO_POLICY), {
    approvers: () => ({ approvals: 2, guardians: guardians.map((g) => g.key) }),
  });
  const bundle = { wasm, data, approvals: guardians.map((g) => g.approval) };
  const time = async (run: () => Promise<unknown>) => {
    const t0 = performance.now();
    for (let i = 0; i < UPDATES; i++) await run();
    return (performance.now() - t0) / UPDATES;
  };
  const files = await time(() => loadPolicyFiles(DEMO_POLICY));
  const update = await time(() => holder.update(bundle));
  return {
    policy_files_load_ms: files,
    policy_bundle_update_ms: update,
    policy_bundle_update_vs_files_load: update / files,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [k, v] of Object.entries(await benchPolicy())) console.log(`${k}: ${v.toFixed(4)}`);
}
