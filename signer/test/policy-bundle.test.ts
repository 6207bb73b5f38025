import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  type BundleApproval,
  decodePolicyBundle,
  encodePolicyBundle,
  type GuardianKey,
  loadPolicyEngine,
  PolicyHolder,
  type PolicyInput,
  parsePolicyData,
  policyApprovalInput,
  policyId,
} from '@frostmint/core';
import { Pkcs11Token, p256Jwk, p256Spki, p256Thumbprint } from '@frostmint/pkcs11';
import { type SoftHsm, softHsm } from '@frostmint/pkcs11/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
  let keys: GuardianKey[];
  const kidOf = (label: string) => keys[guardians.indexOf(label)]!.approvalKey.kid;

  beforeAll(async () => {
    hsm = await softHsm();
    await hsm.createToken(
      'guardians',
      guardians.map((label, i) => ({ label, id: 0x10 + i, usage: 'sign' as const })),
    );
    token = Pkcs11Token.open(hsm.options('guardians'));
    keys = await Promise.all(
      guardians.map(async (name) => {
        const { point } = await token.publicKey({ label: name });
        const { x, y } = p256Jwk(point);
        return {
          name,
          approvalKey: {
            kid: p256Thumbprint(point),
            spki: p256Spki(point).toString('base64'),
            jwk: { kty: 'EC' as const, crv: 'P-256' as const, x: x!, y: y! },
          },
        };
      }),
    );
  });
  afterAll(async () => {
    await token?.close();
    await hsm?.cleanup();
  });

  const approve = async (by: string[], bundleData: unknown): Promise<BundleApproval[]> => {
    const input = policyApprovalInput(policyId(wasm, parsePolicyData(bundleData)));
    const digest = createHash('sha256').update(input).digest();
    return Promise.all(
      by.map(async (label) => ({
        guardian: kidOf(label),
        signature: await token.sign({ label }, digest),
      })),
    );
  };

  let clock = 1_800_000_000_000;
  const holderWith = async (pinned: GuardianKey[] | null = keys) => {
    const rejected: string[] = [];
    const holder = new PolicyHolder(await loadPolicyEngine({ wasm, data }), {
      approvers: () => (pinned ? { approvals: 2, guardians: pinned } : undefined),
      graceMs: 60_000,
      now: () => clock,
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
    const { holder, rejected } = await holderWith(keys.filter((k) => pinned.includes(k.name)));
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

  it('keeps the replaced policy resolvable by id for the grace period only', async () => {
    const { holder } = await holderWith();
    const old = holder.current.id;
    const next = stricterData();
    const { changed } = await holder.update({
      wasm,
      data: next,
      approvals: await approve(['g1', 'g2'], next),
    });
    expect(changed).toBe(true);
    expect(holder.resolve(old)?.id).toBe(old);
    expect(holder.resolve(holder.current.id)?.id).toBe(holder.current.id);
    expect(holder.resolve(`sha256:${'0'.repeat(64)}`)).toBeUndefined();
    clock += 60_000;
    expect(holder.resolve(old)).toBeUndefined();
  });

  it('reports an update to the policy already in force as unchanged', async () => {
    const { holder } = await holderWith();
    const { changed } = await holder.update({
      wasm,
      data,
      approvals: await approve(['g1', 'g2'], data),
    });
    expect(changed).toBe(false);
  });

  it('rejects every bundle when the group has no guardians', async () => {
    const { holder, rejected } = await holderWith(null);
    const next = stricterData();
    await expect(
      holder.update({ wasm, data: next, approvals: await approve(['g1', 'g2', 'g3'], next) }),
    ).rejects.toMatchObject({
      code: 'policy_bundle_rejected',
      message: /no(ne)? guardians|has none/,
    });
    expect(rejected).toHaveLength(1);
  });

  it('round-trips the signed bundle file form and refuses one whose id does not match its content', async () => {
    const next = stricterData();
    const approvals = await approve(['g1', 'g2'], next);
    const encoded = encodePolicyBundle({ wasm, data: next, approvals });
    const decoded = decodePolicyBundle(encoded);
    expect(decoded.id).toBe(policyId(wasm, parsePolicyData(next)));
    expect(decoded.approvals.map((a) => a.guardian)).toEqual([kidOf('g1'), kidOf('g2')]);
    const { holder } = await holderWith();
    await holder.update(decoded);
    expect(holder.current.id).toBe(decoded.id);

    const forged = JSON.parse(encoded);
    forged.data.config.dev.roles = ['releaser'];
    expect(() => decodePolicyBundle(JSON.stringify(forged))).toThrow(
      expect.objectContaining({ code: 'policy_bundle_invalid' }),
    );
    expect(() => decodePolicyBundle('{"version": 1}')).toThrow(
      expect.objectContaining({ code: 'policy_bundle_invalid' }),
    );
    expect(() => decodePolicyBundle('not json')).toThrow(
      expect.objectContaining({ code: 'policy_bundle_invalid' }),
    );
  });
});
