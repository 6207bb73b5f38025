import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decisionLogFields,
  loadPolicyEngine,
  type PolicyEngine,
  type PolicyInput,
  parsePolicyData,
} from '../../src/index.ts';

const wasm = readFileSync(new URL('../../../policy/build/policy.wasm', import.meta.url));
const data = JSON.parse(
  readFileSync(new URL('../../../policy/data.json', import.meta.url), 'utf8'),
);
const now = 1_800_000_000;
const demo: PolicyInput = {
  now,
  requester: { kind: 'dev', subject: 'dev@localhost', amr: ['dev'] },
  request: { scopes: ['deploy:canary'], audience: 'deploy-api', ttl: 900 },
  approvals: [],
};

describe('policy engine (OPA wasm)', () => {
  let engine: PolicyEngine;
  beforeAll(async () => {
    engine = await loadPolicyEngine({ wasm, data });
  });

  it('allows the demo mint with the shipped policy and data', () => {
    expect(engine.evaluate(demo)).toEqual({
      allow: true,
      reasons: [],
      max_ttl: 900,
      required_approvals: 0,
      require_signer_attestation: false,
      require_requester_attestation: false,
    });
  });

  it('denies with every reason that applies', () => {
    const d = engine.evaluate({
      ...demo,
      request: { scopes: ['deploy:prod'], audience: 'billing', ttl: 900 },
    });
    expect(d.allow).toBe(false);
    expect(d.reasons).toEqual([
      'approvals_missing',
      'audience_not_allowed:billing',
      'scope_not_permitted:deploy:prod',
      'ttl_exceeds_max',
    ]);
    expect(d.required_approvals).toBe(2);
  });

  it('fails closed on input outside the schema', () => {
    const bad = {
      ...demo,
      requester: { ...demo.requester, kind: 'root' },
    } as unknown as PolicyInput;
    expect(engine.evaluate(bad)).toMatchObject({ allow: false, reasons: ['policy_input_invalid'] });
    const extra = { ...demo, admin: true } as unknown as PolicyInput;
    expect(engine.evaluate(extra).allow).toBe(false);
  });

  it('names the exact bundle: the id changes with the data and not otherwise', async () => {
    expect(engine.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await loadPolicyEngine({ wasm, data })).id).toBe(engine.id);
    const changed = structuredClone(data);
    changed.config.scopes['deploy:canary'].max_ttl = 60;
    const other = await loadPolicyEngine({ wasm, data: changed });
    expect(other.id).not.toBe(engine.id);
    expect(other.evaluate(demo).reasons).toEqual(['ttl_exceeds_max']);
  });

  it('refuses malformed data and wasm at load time with clear codes', async () => {
    await expect(
      loadPolicyEngine({ wasm, data: { config: { roles: {}, scopes: { x: 901 } } } }),
    ).rejects.toMatchObject({
      code: 'policy_data_invalid',
    });
    await expect(loadPolicyEngine({ wasm: Buffer.from('not wasm'), data })).rejects.toMatchObject({
      code: 'policy_wasm_invalid',
    });
    expect(() =>
      parsePolicyData({ config: { roles: {}, scopes: {}, ci: [{ scopes: ['a'] }] } }),
    ).toThrow(/issuer/);
  });

  it('logs a decision without the input itself', () => {
    const fields = decisionLogFields(engine.id, demo, engine.evaluate(demo));
    expect(fields).toEqual({
      policy: engine.id,
      input_digest: expect.stringMatching(/^sha256:/),
      allow: true,
      reasons: [],
    });
    expect(JSON.stringify(fields)).not.toContain('dev@localhost');
  });
});
