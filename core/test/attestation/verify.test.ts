import 'reflect-metadata';
import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildReport,
  certTable,
  createCa,
  createTestChain,
  MEASUREMENT,
  rsaPssKeys,
  type SigningAlgorithm,
  signedReport,
  signReport,
  splsFor,
  type TestChain,
} from '@frostmint/test-support/snp';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AttestationBinding,
  assertVerified,
  bundledTrustAnchors,
  CERT_TABLE_GUID,
  type CheckId,
  KdsClient,
  policyVerdict,
  reportDataFor,
  type SnpVerdict,
  SnpVerdictSchema,
  type SnpVerifyOptions,
  trustAnchor,
  verifyEvidence,
  verifySnpReport,
} from '../../src/attestation/index.ts';
import { AttestationVerdictSchema } from '../../src/policy/input.ts';

const DAY = 86_400_000;
const MEASUREMENT_HEX = Buffer.from(MEASUREMENT).toString('hex');

let milan: TestChain;
let binding: AttestationBinding;

beforeAll(async () => {
  milan = await createTestChain('Milan');
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  binding = {
    nonce: randomBytes(32),
    tlsSpki: publicKey.export({ type: 'spki', format: 'der' }),
    policyId: `sha256:${'ab'.repeat(32)}`,
  };
});

/** Verifies through the production entry point with the test chain as the only trust anchor. */
function verify(
  chain: TestChain,
  report: Uint8Array,
  options: Partial<SnpVerifyOptions> & { vcek?: Uint8Array } = {},
): Promise<SnpVerdict> {
  return verifySnpReport(report, {
    binding,
    trustAnchors: [chain.anchor],
    vcek: chain.vcek,
    ...options,
  });
}

const boundReport = (chain: TestChain, fields = {}) =>
  signedReport(chain, { reportData: reportDataFor(binding), ...fields });

function status(verdict: SnpVerdict, id: CheckId) {
  const check = verdict.checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}`);
  return check;
}

/** The only failing checks of `verdict`, by id. */
const failed = (verdict: SnpVerdict) =>
  verdict.checks.filter((c) => c.status === 'fail').map((c) => c.id);

describe('verifySnpReport: accepted reports', () => {
  it('verifies a v3 report with the VCEK from the extended report certificate table', async () => {
    const report = await boundReport(milan);
    const verdict = await verifyEvidence(
      { kind: 'snp', report, certTable: certTable([[CERT_TABLE_GUID.vcek, milan.vcek]]) },
      { binding, trustAnchors: [milan.anchor] },
    );
    if (verdict.kind !== 'snp') throw new Error('expected an snp verdict');
    expect(failed(verdict)).toEqual([]);
    expect(verdict.verified).toBe(true);
    expect(SnpVerdictSchema.parse(verdict)).toEqual(verdict);
    expect(verdict).toMatchObject({
      product: 'Milan',
      report_version: 3,
      measurement: MEASUREMENT_HEX,
      chip_id: Buffer.from(milan.chipId).toString('hex'),
      vmpl: 0,
      signing_key: 'vcek',
      vcek_source: 'evidence',
      cpuid: { family: 0x19, model: 0x01, stepping: 0x01 },
      firmware: { current: '1.55.21', committed: '1.55.21' },
      policy: { debug: false, smt: true, migrate_ma: false, raw: '0000000000030000' },
      tcb: {
        reported: {
          raw: 'db18000000000004',
          bootloader: 4,
          tee: 0,
          snp: 24,
          microcode: 219,
          fmc: null,
        },
      },
    });
    expect(status(verdict, 'measurement').status).toBe('skipped');
    expect(status(verdict, 'minimum_tcb').status).toBe('skipped');
    expect(() => assertVerified(verdict)).not.toThrow();
  });

  it('verifies a v2 report (no CPUID fields): the product comes from the VCEK', async () => {
    const verdict = await verify(
      milan,
      await boundReport(milan, { version: 2, cpuid: null, platformInfo: 0x1fn }),
    );
    expect(failed(verdict)).toEqual([]);
    expect(verdict).toMatchObject({ report_version: 2, product: 'Milan', cpuid: null });
    expect(verdict.platform.alias_check_complete).toBeNull();
  });

  it('verifies a Turin report: FMC TCB layout, 8-byte hwID, fmcSPL extension', async () => {
    const turin = await createTestChain('Turin');
    const verdict = await verify(turin, await boundReport(turin));
    expect(failed(verdict)).toEqual([]);
    expect(verdict.tcb.reported).toEqual({
      raw: '5400000004030201',
      fmc: 1,
      bootloader: 2,
      tee: 3,
      snp: 4,
      microcode: 0x54,
    });
  });

  it('passes the configured checks: allow-listed measurement, minimum TCB, VMPL 2 under an SVSM', async () => {
    const verdict = await verify(milan, await boundReport(milan, { vmpl: 2 }), {
      requirements: {
        allow_smt: true,
        allow_migration_agent: false,
        max_vmpl: 2,
        measurements: [MEASUREMENT_HEX],
        minimum_tcb: { Milan: { bootloader: 4, tee: 0, snp: 24, microcode: 219 } },
      },
    });
    expect(verdict.checks.map((c) => c.status)).toEqual(Array(11).fill('pass'));
  });
});

describe('verifySnpReport: every rejection path', () => {
  it('bad chain: a VCEK signed by an ASK that is not the pinned one', async () => {
    const [arkKeys, askKeys] = await Promise.all([rsaPssKeys(), rsaPssKeys()]);
    const rogue = await createCa('Milan', arkKeys, askKeys);
    const vcek = await milan.issueVcek({
      issuer: { name: rogue.ask.subject, key: askKeys.privateKey },
    });
    const verdict = await verify(milan, await boundReport(milan), { vcek });
    expect(failed(verdict)).toEqual(['cert_chain']);
    expect(status(verdict, 'cert_chain').reason).toMatch(/^VCEK: /);
    expect(verdict.verified).toBe(false);
  });

  it('bad chain: a forged VCEK carrying the real ASK name but not its signature', async () => {
    const other = await rsaPssKeys();
    const vcek = await milan.issueVcek({
      issuer: { name: milan.ask.subject, key: other.privateKey },
    });
    const verdict = await verify(milan, await boundReport(milan), { vcek });
    expect(failed(verdict)).toEqual(['cert_chain']);
    expect(status(verdict, 'cert_chain').reason).toBe('VCEK: signature does not verify');
  });

  it('bad chain: an ASK the pinned ARK did not sign', async () => {
    const [arkKeys] = await Promise.all([rsaPssKeys()]);
    const foreign = await createCa('Milan', arkKeys, milan.askKeys);
    const anchor = trustAnchor('Milan', milan.ark.toString('pem'), foreign.ask.toString('pem'));
    const verdict = await verify(milan, await boundReport(milan), { trustAnchors: [anchor] });
    expect(failed(verdict)).toEqual(['cert_chain']);
    expect(status(verdict, 'cert_chain').reason).toMatch(/^ASK: /);
  });

  it('bad chain: a VCEK signed with RSASSA-PKCS1-v1_5 instead of RSASSA-PSS', async () => {
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', milan.askKeys.privateKey);
    const key = await webcrypto.subtle.importKey(
      'pkcs8',
      pkcs8,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
      false,
      ['sign'],
    );
    const vcek = await milan.issueVcek({
      issuer: {
        name: milan.ask.subject,
        key,
        algorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' } as SigningAlgorithm,
      },
    });
    const verdict = await verify(milan, await boundReport(milan), { vcek });
    expect(failed(verdict)).toEqual(['cert_chain']);
    expect(status(verdict, 'cert_chain').reason).toBe(
      'VCEK: signature algorithm is not RSASSA-PSS',
    );
  });

  it('expired certificate: the VCEK, and the whole chain at a time past the ARK', async () => {
    const vcek = await milan.issueVcek({
      notBefore: new Date(Date.now() - 30 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const expired = await verify(milan, await boundReport(milan), { vcek });
    expect(failed(expired)).toEqual(['cert_validity']);
    expect(status(expired, 'cert_validity').reason).toMatch(/^VCEK expired /);

    const future = await verify(milan, await boundReport(milan), {
      now: new Date(Date.now() + 20 * 365 * DAY),
    });
    expect(status(future, 'cert_validity').reason).toMatch(/^ARK expired /);

    const early = await verify(milan, await boundReport(milan), {
      now: new Date(Date.now() - 10 * DAY),
    });
    expect(status(early, 'cert_validity').reason).toMatch(/^ARK is not valid before /);
  });

  it('wrong product: the report CPU is a Genoa, the VCEK a Milan one', async () => {
    const verdict = await verify(milan, await boundReport(milan, { cpuid: [0x19, 0x11, 0x01] }));
    expect(failed(verdict)).toEqual(['product']);
    expect(status(verdict, 'product').reason).toBe(
      "the report's CPU is Genoa but the VCEK is for Milan",
    );
  });

  it('wrong product: Milan is not among the accepted products', async () => {
    const verdict = await verify(milan, await boundReport(milan), {
      requirements: {
        allow_smt: true,
        allow_migration_agent: false,
        max_vmpl: 0,
        products: ['Genoa'],
      },
    });
    expect(failed(verdict)).toContain('product');
  });

  it('wrong product: a CPUID that is no SEV-SNP product', async () => {
    const verdict = await verify(milan, await boundReport(milan, { cpuid: [0x17, 0x31, 0x00] }));
    expect(failed(verdict)).toEqual(['product']);
  });

  it('wrong product: the VCEK names a product without a trust anchor', async () => {
    const vcek = await milan.issueVcek({ productName: 'Genoa-B1' });
    const verdict = await verify(milan, await boundReport(milan, { version: 2, cpuid: null }), {
      vcek,
    });
    expect(failed(verdict)).toEqual(['product', 'cert_chain', 'cert_validity']);
    expect(status(verdict, 'product').reason).toBe('no trust anchor for Genoa');
  });

  it('TCB mismatch: the VCEK certifies another TCB than REPORTED_TCB', async () => {
    const vcek = await milan.issueVcek({ spls: splsFor(0xdb16000000000004n, 'Milan') });
    const verdict = await verify(milan, await boundReport(milan), { vcek });
    expect(failed(verdict)).toEqual(['vcek_tcb']);
    expect(status(verdict, 'vcek_tcb').reason).toContain('snp 22');
  });

  it('hwID mismatch: the VCEK belongs to another chip', async () => {
    const vcek = await milan.issueVcek({ hwid: randomBytes(64) });
    const verdict = await verify(milan, await boundReport(milan), { vcek });
    expect(failed(verdict)).toEqual(['vcek_hwid']);
  });

  it('hwID mismatch: a masked CHIP_ID cannot match', async () => {
    const verdict = await verify(milan, await boundReport(milan, { chipId: new Uint8Array(64) }));
    expect(failed(verdict)).toEqual(['vcek_hwid']);
    expect(status(verdict, 'vcek_hwid').reason).toMatch(/masked/);
  });

  it('bad signature: a byte of the signed part changed after signing', async () => {
    const report = await boundReport(milan);
    report[0x90] = (report[0x90] as number) ^ 1;
    const verdict = await verify(milan, report);
    expect(failed(verdict)).toEqual(['report_signature']);
  });

  it('bad signature: signed by another key, unsigned, VLEK-signed, MASK_CHIP_KEY', async () => {
    const other = await webcrypto.subtle.generateKey(
      { name: 'ECDSA', namedCurve: 'P-384' },
      false,
      ['sign'],
    );
    const cases = [
      await signReport(
        buildReport(milan, { reportData: reportDataFor(binding) }),
        other.privateKey,
      ),
      buildReport(milan, { reportData: reportDataFor(binding) }),
      await boundReport(milan, { keyInfo: 1 << 2 }),
      await boundReport(milan, { keyInfo: 0b10 }),
    ];
    const reasons = [];
    for (const report of cases) {
      const verdict = await verify(milan, report);
      expect(failed(verdict)).toEqual(['report_signature']);
      reasons.push(status(verdict, 'report_signature').reason);
    }
    expect(reasons[2]).toMatch(/VLEK/);
    expect(reasons[3]).toMatch(/MASK_CHIP_KEY/);
  });

  it('debug policy: a debuggable guest never verifies', async () => {
    const verdict = await verify(
      milan,
      await boundReport(milan, { policy: 0x30000n | (1n << 19n) }),
    );
    expect(failed(verdict)).toEqual(['guest_policy']);
    expect(status(verdict, 'guest_policy').reason).toMatch(/DEBUG/);
  });

  it('guest policy: SMT and migration agent only when the requirements allow them', async () => {
    const report = await boundReport(milan, { policy: 0x30000n | (1n << 18n) });
    const strict = await verify(milan, report, {
      requirements: { allow_smt: false, allow_migration_agent: false, max_vmpl: 0 },
    });
    expect(status(strict, 'guest_policy').reason).toMatch(/SMT .*; a migration agent/);
    const lax = await verify(milan, report, {
      requirements: { allow_smt: true, allow_migration_agent: true, max_vmpl: 0 },
    });
    expect(failed(lax)).toEqual([]);
  });

  it('VMPL: a report requested from VMPL 1 when 0 is required', async () => {
    const verdict = await verify(milan, await boundReport(milan, { vmpl: 1 }));
    expect(failed(verdict)).toEqual(['vmpl']);
  });

  it('wrong report_data: another nonce, another TLS key, another policy id', async () => {
    const report = await boundReport(milan);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    for (const b of [
      { ...binding, nonce: randomBytes(32) },
      { ...binding, tlsSpki: other },
      { ...binding, policyId: `sha256:${'cd'.repeat(32)}` },
    ]) {
      expect(failed(await verify(milan, report, { binding: b }))).toEqual(['report_data']);
    }
    const inspected = await verify(milan, report, { binding: null });
    expect(status(inspected, 'report_data').status).toBe('skipped');
  });

  it('unknown measurement: not in the allow-list', async () => {
    const verdict = await verify(milan, await boundReport(milan), {
      requirements: {
        allow_smt: true,
        allow_migration_agent: false,
        max_vmpl: 0,
        measurements: ['cd'.repeat(48)],
      },
    });
    expect(failed(verdict)).toEqual(['measurement']);
  });

  it('minimum TCB: below the minimum, or no minimum for the product', async () => {
    const base = { allow_smt: true, allow_migration_agent: false, max_vmpl: 0 };
    const low = await verify(milan, await boundReport(milan), {
      requirements: {
        ...base,
        minimum_tcb: { Milan: { bootloader: 4, tee: 0, snp: 25, microcode: 219 } },
      },
    });
    expect(status(low, 'minimum_tcb')).toMatchObject({
      status: 'fail',
      reason: 'reported TCB below the minimum: snp 24 < 25',
    });
    const none = await verify(milan, await boundReport(milan), {
      requirements: {
        ...base,
        minimum_tcb: { Genoa: { bootloader: 0, tee: 0, snp: 0, microcode: 0 } },
      },
    });
    expect(failed(none)).toEqual(['minimum_tcb']);
  });

  it('no VCEK anywhere: every VCEK-dependent check fails, saying why', async () => {
    const verdict = await verify(milan, await boundReport(milan), { vcek: undefined });
    expect(failed(verdict)).toEqual([
      'product',
      'cert_chain',
      'cert_validity',
      'vcek_tcb',
      'vcek_hwid',
      'report_signature',
    ]);
    expect(status(verdict, 'report_signature').reason).toBe('no VCEK: AMD KDS not configured');
    expect(verdict.vcek_source).toBeNull();
  });

  it('truncated, oversized and unsupported input is refused before any check', async () => {
    const report = await boundReport(milan);
    for (const bytes of [
      report.subarray(0, 1183),
      new Uint8Array([...report, 0]),
      new Uint8Array(0),
    ]) {
      await expect(verify(milan, bytes)).rejects.toMatchObject({
        code: 'attestation_report_length',
        status: 400,
      });
    }
    await expect(verify(milan, buildReport(milan, { version: 5 }))).rejects.toMatchObject({
      code: 'attestation_report_version',
    });
  });

  it('production roots refuse a report signed by the test chain', async () => {
    const verdict = await verifySnpReport(await boundReport(milan), { binding, vcek: milan.vcek });
    expect(bundledTrustAnchors().map((a) => a.product)).toEqual(['Milan', 'Genoa', 'Turin']);
    expect(failed(verdict)).toEqual(['cert_chain']);
    expect(status(verdict, 'cert_chain').reason).toBe('VCEK: issuer name does not match');
  });

  it('assertVerified raises the failed check as a typed error; none evidence never verifies', async () => {
    const verdict = await verify(milan, await boundReport(milan, { vmpl: 3 }));
    expect(() => assertVerified(verdict)).toThrow(
      expect.objectContaining({ code: 'attestation_vmpl', status: 403 }),
    );
    const none = await verifyEvidence({ kind: 'none' }, { binding });
    expect(none).toEqual({ kind: 'none', verified: false, reason: expect.any(String) });
    expect(() => assertVerified(none)).toThrow(
      expect.objectContaining({ code: 'attestation_missing' }),
    );
    expect(AttestationVerdictSchema.parse(policyVerdict(none))).toEqual({ verified: false });
  });
});

describe('the verdict as policy input', () => {
  it('projects product, measurement and reported TCB into the policy input schema', async () => {
    const turin = await createTestChain('Turin');
    const verdict = await verify(turin, await boundReport(turin));
    expect(AttestationVerdictSchema.parse(policyVerdict(verdict))).toEqual({
      verified: true,
      product: 'Turin',
      measurement: MEASUREMENT_HEX,
      tcb: { bootloader: 2, tee: 3, snp: 4, microcode: 0x54, fmc: 1 },
    });
  });
});

describe('VCEK sources', () => {
  it('finds the matching VCEK in a directory, skipping files that do not match or parse', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vcek-'));
    try {
      await writeFile(
        join(dir, 'a-old.der'),
        await milan.issueVcek({ spls: splsFor(0xdb10000000000004n, 'Milan') }),
      );
      await writeFile(join(dir, 'b-garbage.pem'), 'not a certificate');
      await writeFile(
        join(dir, 'c-vcek.pem'),
        x509.PemConverter.encode(milan.vcek.slice().buffer, 'CERTIFICATE'),
      );
      const verdict = await verify(milan, await boundReport(milan), {
        vcek: undefined,
        vcekDirectory: dir,
      });
      expect(failed(verdict)).toEqual([]);
      expect(verdict.vcek_source).toBe('directory');
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('replaces a stale VCEK from the evidence with the one the KDS serves (fake fetch, no network)', async () => {
    const urls: string[] = [];
    const kds = new KdsClient({
      baseUrl: 'https://kds.test',
      fetch: async (url) => {
        urls.push(String(url));
        return new Response(milan.vcek);
      },
    });
    const stale = await milan.issueVcek({ spls: splsFor(0xdb10000000000004n, 'Milan') });
    const report = await boundReport(milan);
    const verdict = await verify(milan, report, { vcek: stale, kds });
    expect(failed(verdict)).toEqual([]);
    expect(verdict.vcek_source).toBe('kds');
    await verify(milan, report, { vcek: undefined, kds });
    expect(urls).toEqual([
      `https://kds.test/vcek/v1/Milan/${Buffer.from(milan.chipId).toString('hex')}?blSPL=4&teeSPL=0&snpSPL=24&ucodeSPL=219`,
    ]);
  });

  it('keeps a stale VCEK when nothing better exists, so the mismatch shows', async () => {
    const stale = await milan.issueVcek({ spls: splsFor(0xdb10000000000004n, 'Milan') });
    const kds = new KdsClient({ fetch: async () => new Response('', { status: 404 }) });
    const verdict = await verify(milan, await boundReport(milan), { vcek: stale, kds });
    expect(failed(verdict)).toEqual(['vcek_tcb']);
    expect(verdict.vcek_source).toBe('evidence');
  });
});
