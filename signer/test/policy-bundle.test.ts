import { readFileSync } from 'node:fs';
import {
  type BundleApproval,
  type GuardianApprovalKey,
  loadPolicyEngine,
  PolicyHolder,
  type PolicyInput,
  parsePolicyData,
  policyApprovalDigest,
  policyId,
} from '@frostmint/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Token, p256Jwk } from '../src/index.ts';
import { type SoftHsm, softHsm } from './pkcs11/softhsm.ts';

const wasm = readFileSync(new URL('../../policy/build/policy.wasm', import.meta.url));
const data = JSON.parse(readFileSync(new URL('../../policy/data.json', import.meta.url), 'utf8'));
const guardians = ['g1', 'g2', 'g3'];
const input: PolicyInput = {
  now: 1_800_000_000,
  requester: { kind: 'dev', subject: 'dev@localhost', amr: ['dev'] },
  request: { scopes: ['deploy:canary'], audience: 'deploy-api', ttl: 900 },
  approvals: [],
};

/** New data that turns the demo mint into a deny (canary limited to 60 s). */
function stricterData() {
  const next = structuredClone(data);
  next.config.scopes['deploy:canary'].max_ttl = 60;
  return next;
}

describe('guardian-approved policy bundle updates (approval keys on SoftHSM2)', () => {
  let hsm: SoftHsm;
  let token: Pkcs11Token;
  let keys: GuardianApprovalKey[];

  beforeAll(async () => {
    hsm = await softHsm();
    await hsm.createToken(
      'guardians',
      guardians.map((label, i) => ({ label, id: 0x10 + i, usage: 'sign' as const })),
    );
    token = Pkcs11Token.open(hsm.options('guardians'));
    keys = await Promise.all(
      guardians.map(async (guardian) => ({
        guardian,
        jwk: p256Jwk((await token.publicKey({ label: guardian })).point),
      })),
    );
  });
  afterAll(async () => {
    await token?.close();
    await hsm?.cleanup();
  });

  const approve = async (by: string[], bundleData: unknown): Promise<BundleApproval[]> => {
    const digest = policyApprovalDigest(policyId(wasm, parsePolicyData(bundleData)));
    return Promise.all(
      by.map(async (guardian) => ({
        guardian,
        signature: await token.sign({ label: guardian }, digest),
      })),
    );
  };

  const holderWith = async (pinned: GuardianApprovalKey[] = keys) => {
    const rejected: string[] = [];
    const holder = new PolicyHolder(await loadPolicyEngine({ wasm, data }), {
      guardians: pinned,
      threshold: 2,
      onRejected: (e) => rejected.push(e.message),
    });
    return { holder, rejected };
  };

  it('installs a bundle two guardians approved, atomically, while evaluations run', async () => {
    const { holder } = await holderWith();
    const before = holder.current.id;
    const next = stricterData();
    const approvals = await approve(['g1', 'g3'], next);
    const decisions: boolean[] = [];
    const load = (async () => {
      for (let i = 0; i < 200; i++) {
        decisions.push(
          holder.current.evaluate(input).reasons.every((r) => r === 'ttl_exceeds_max'),
        );
        await new Promise((r) => setImmediate(r));
      }
    })();
    await holder.update({ wasm, data: next, approvals });
    await load;
    expect(holder.current.id).not.toBe(before);
    expect(holder.current.evaluate(input).reasons).toEqual(['ttl_exceeds_max']);
    expect(decisions.every(Boolean)).toBe(true);
  });

  it.each([
    ['one approval', ['g1'], false, guardians],
    ['the same guardian twice', ['g2', 'g2'], false, guardians],
    ['approvals of another bundle', ['g1', 'g2'], true, guardians],
    ['approvals by keys that are not pinned', ['g1', 'g2'], false, ['g3']],
  ])('rejects %s and keeps the old policy running', async (_what, by, otherBundle, pinned) => {
    const { holder, rejected } = await holderWith(keys.filter((k) => pinned.includes(k.guardian)));
    const before = holder.current.id;
    const next = stricterData();
    const approvals = await approve(by, otherBundle ? data : next);
    await expect(holder.update({ wasm, data: next, approvals })).rejects.toMatchObject({
      code: 'policy_bundle_rejected',
    });
    expect(holder.current.id).toBe(before);
    expect(holder.current.evaluate(input).allow).toBe(true);
    expect(rejected).toHaveLength(1);
  });

  it('rejects a tampered bundle whose approvals were for the original', async () => {
    const { holder } = await holderWith();
    const next = stricterData();
    const approvals = await approve(['g1', 'g2'], next);
    const tampered = structuredClone(next);
    tampered.config.dev.roles = ['releaser'];
    await expect(holder.update({ wasm, data: tampered, approvals })).rejects.toMatchObject({
      code: 'policy_bundle_rejected',
    });
  });
});
