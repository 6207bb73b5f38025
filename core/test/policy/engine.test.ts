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

describe('source_cidrs in the compiled policy (OPA wasm, shipped data)', () => {
  let engine: PolicyEngine;
  beforeAll(async () => {
    engine = await loadPolicyEngine({ wasm, data });
  });
  // The shipped data: deploy:prod only from this machine and the corporate ranges.
  const prodFrom = (source_address: string | null | undefined): PolicyInput => ({
    now,
    requester: { kind: 'engineer', subject: 'carol', roles: ['releaser'], amr: ['webauthn'] },
    request: {
      scopes: ['deploy:prod'],
      audience: 'deploy-api',
      ttl: 600,
      ...(source_address === undefined ? {} : { source_address }),
    },
    approvals: ['g1', 'g2'],
  });

  it.each(['127.0.0.1', '127.9.9.9', '::1', '10.1.2.3', 'fd12:3456::7'])(
    'allows deploy:prod from %s',
    (address) => {
      expect(engine.evaluate(prodFrom(address))).toMatchObject({ allow: true, reasons: [] });
    },
  );

  it.each(['203.0.113.9', '11.0.0.1', '2001:db8::1', 'fe80::1', '::2'])(
    'denies deploy:prod from %s with source_address_not_allowed',
    (address) => {
      expect(engine.evaluate(prodFrom(address))).toMatchObject({
        allow: false,
        reasons: ['source_address_not_allowed:deploy:prod'],
      });
    },
  );

  it('denies an unknown address (null); an evaluator without the connection does not check', () => {
    expect(engine.evaluate(prodFrom(null)).reasons).toEqual([
      'source_address_not_allowed:deploy:prod',
    ]);
    expect(engine.evaluate(prodFrom(undefined)).allow).toBe(true);
  });

  it.each([
    '0.0.0.0/0',
    '10.0.0.0/8',
    '::ffff:127.0.0.1',
    '2001:DB8::1',
    ' 127.0.0.1',
    '127.1',
    'localhost',
  ])('refuses a non-canonical source_address %j as input outside the schema', (address) => {
    expect(engine.evaluate(prodFrom(address))).toMatchObject({
      allow: false,
      reasons: ['policy_input_invalid'],
    });
  });

  it('refuses source_cidrs that are not CIDR ranges at load time', async () => {
    const bad = structuredClone(data);
    bad.config.scopes['deploy:prod'].source_cidrs = ['10.0.0.1'];
    await expect(loadPolicyEngine({ wasm, data: bad })).rejects.toMatchObject({
      code: 'policy_data_invalid',
      message: expect.stringContaining('config.scopes.deploy:prod.source_cidrs.0'),
    });
  });
});
