/**
 * The attestation seam's conformance suite: every `Attester` implementation (none, snp over
 * configfs-tsm, snp over the /dev/sev-guest helper) must pass it. No SEV hardware exists
 * here, so the kernel interfaces are emulated and "firmware" signs with the test chain.
 */

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttestationBinding,
  type Attester,
  CERT_TABLE_GUID,
  verifyEvidence,
} from '@frostmint/core';
import {
  buildReport,
  certTable,
  createTestChain,
  signReport,
  type TestChain,
} from '@frostmint/test-support/snp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttesterConfig,
  AttesterConfigSchema,
  NoneAttester,
  openAttester,
  SnpAttester,
  type SnpAttesterConfig,
} from '../../src/attestation/index.ts';
import { FakeConfigfs, TSM_ROOT as ROOT } from '../../src/testing/fake-configfs.ts';

const DEVICE = '/dev/sev-guest';

let chain: TestChain;
let workDir: string;
beforeAll(async () => {
  chain = await createTestChain('Milan');
  workDir = await mkdtemp(join(tmpdir(), 'attester-'));
});
afterAll(() => rm(workDir, { recursive: true }));

const snpConfig = (extra: Partial<SnpAttesterConfig> = {}) =>
  ({ ...AttesterConfigSchema.parse({ kind: 'snp' }), ...extra }) as SnpAttesterConfig;

/** "Firmware": a report for `reportData`, signed by the test VCEK. */
async function firmware(reportData: Uint8Array, vmpl = 0) {
  return signReport(buildReport(chain, { reportData, vmpl }), chain.vcekKeys.privateKey);
}

/** The emulated kernel, with this chain's "firmware" and VCEK certificate table. */
class ChainConfigfs extends FakeConfigfs {
  constructor() {
    super(firmware, () => certTable([[CERT_TABLE_GUID.vcek, chain.vcek]]));
  }
}

/** A helper program standing in for an SNP_GET_EXT_REPORT tool: signs stdin's REPORT_DATA. */
async function writeHelper(): Promise<string[]> {
  const template = join(workDir, 'template.bin');
  const key = join(workDir, 'vcek-key.pem');
  const table = join(workDir, 'certs.bin');
  const script = join(workDir, 'snp-helper.mjs');
  await writeFile(template, buildReport(chain));
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', chain.vcekKeys.privateKey));
  await writeFile(
    key,
    `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64')}\n-----END PRIVATE KEY-----\n`,
  );
  await writeFile(table, certTable([[CERT_TABLE_GUID.vcek, chain.vcek]]));
  await writeFile(
    script,
    `import { readFileSync } from 'node:fs';
import { sign } from 'node:crypto';
const data = readFileSync(0);
if (data.length !== 64) { process.stderr.write('want 64 bytes of REPORT_DATA\\n'); process.exit(2); }
const report = readFileSync(${JSON.stringify(template)});
report.set(data, 0x50);
const sig = sign('sha384', report.subarray(0, 0x2a0), { key: readFileSync(${JSON.stringify(key)}), dsaEncoding: 'ieee-p1363' });
report.set(sig.subarray(0, 48).reverse(), 0x2a0);
report.set(sig.subarray(48).reverse(), 0x2a0 + 0x48);
process.stdout.write(Buffer.concat([report, readFileSync(${JSON.stringify(table)})]));
`,
  );
  await chmod(script, 0o755);
  return [process.execPath, script];
}

function binding(): AttestationBinding {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    nonce: randomBytes(32),
    tlsSpki: publicKey.export({ type: 'spki', format: 'der' }),
    policyId: 'sha256:0123',
  };
}

const implementations: [string, () => Promise<Attester>, boolean][] = [
  ['none', async () => new NoneAttester(), false],
  ['snp via configfs-tsm', async () => new SnpAttester(snpConfig(), new ChainConfigfs()), true],
  [
    'snp via the /dev/sev-guest helper',
    async () => {
      const fs = new ChainConfigfs();
      fs.paths.clear();
      fs.paths.add(DEVICE);
      return new SnpAttester(snpConfig({ sevGuestHelper: await writeHelper() }), fs);
    },
    true,
  ],
];

describe.each(implementations)('Attester conformance: %s', (_name, create, attests) => {
  it('probes, then produces evidence of its kind that verifies exactly as well as it attests', async () => {
    const attester = await create();
    await attester.probe();
    const b = binding();
    const evidence = await attester.attest(b);
    expect(evidence.kind).toBe(attester.kind);
    const verdict = await verifyEvidence(evidence, { binding: b, trustAnchors: [chain.anchor] });
    expect(verdict.verified).toBe(attests);
  });

  it('binds every report to its own binding: evidence for one nonce fails another', async () => {
    const attester = await create();
    const first = binding();
    const evidence = await attester.attest(first);
    const verdict = await verifyEvidence(evidence, {
      binding: binding(),
      trustAnchors: [chain.anchor],
    });
    expect(verdict.verified).toBe(false);
    if (verdict.kind === 'snp') {
      expect(verdict.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual([
        'report_data',
      ]);
    }
  });
});

describe('SnpAttester', () => {
  it('requests the configured VMPL and removes its configfs entry', async () => {
    const fs = new ChainConfigfs();
    const attester = new SnpAttester(snpConfig({ vmpl: 2 }), fs);
    const b = binding();
    const evidence = await attester.attest(b);
    const verdict = await verifyEvidence(evidence, {
      binding: b,
      trustAnchors: [chain.anchor],
      requirements: { allow_smt: true, allow_migration_agent: false, max_vmpl: 2 },
    });
    expect(verdict).toMatchObject({ verified: true, vmpl: 2 });
    expect(fs.entries.size).toBe(0);
  });

  it('refuses a configfs-tsm entry another writer raced, a non-SEV provider, a wrong report', async () => {
    const raced = new ChainConfigfs();
    raced.interference = 1;
    await expect(new SnpAttester(snpConfig(), raced).attest(binding())).rejects.toMatchObject({
      code: 'attestation_collect_failed',
      message: expect.stringMatching(/concurrently/),
    });
    const tdx = new ChainConfigfs();
    tdx.provider = 'tdx_guest';
    await expect(new SnpAttester(snpConfig(), tdx).probe()).rejects.toMatchObject({
      code: 'attestation_unavailable',
      message: expect.stringMatching(/"tdx_guest", not "sev_guest"/),
    });
    const stale = new ChainConfigfs();
    stale.write = async function (this: ChainConfigfs, path, data) {
      await FakeConfigfs.prototype.write.call(this, path, data);
      if (path.endsWith('inblob'))
        this.entries
          .get(path.slice(0, path.lastIndexOf('/')))
          ?.set('outblob', await firmware(new Uint8Array(64)));
    };
    await expect(new SnpAttester(snpConfig(), stale).attest(binding())).rejects.toMatchObject({
      code: 'attestation_collect_failed',
      message: expect.stringMatching(/other REPORT_DATA/),
    });
  });

  it('reports a failing helper with its last stderr line', async () => {
    const script = join(workDir, 'failing.mjs');
    await writeFile(
      script,
      "process.stderr.write('ioctl SNP_GET_EXT_REPORT: Input/output error\\n'); process.exit(1);",
    );
    const fs = new ChainConfigfs();
    fs.paths.clear();
    fs.paths.add(DEVICE);
    const attester = new SnpAttester(snpConfig({ sevGuestHelper: [process.execPath, script] }), fs);
    await expect(attester.attest(binding())).rejects.toMatchObject({
      code: 'attestation_collect_failed',
      message: expect.stringMatching(
        /exit status 1\): ioctl SNP_GET_EXT_REPORT: Input\/output error$/,
      ),
    });
  });
});

describe('openAttester: a signer configured for snp without SEV-SNP does not start', () => {
  const empty = () => {
    const fs = new ChainConfigfs();
    fs.paths.clear();
    return fs;
  };

  it('none always opens', async () => {
    expect((await openAttester({ kind: 'none' })).kind).toBe('none');
  });

  it('snp on a machine with neither configfs-tsm nor /dev/sev-guest', async () => {
    await expect(openAttester(snpConfig(), empty())).rejects.toMatchObject({
      code: 'attestation_unavailable',
      status: 503,
      message: expect.stringMatching(
        /not an SEV-SNP guest: configfs-tsm is not available at .* and \/dev\/sev-guest does not exist/,
      ),
    });
  });

  it('snp with /dev/sev-guest but no configfs-tsm and no helper names the ioctl problem', async () => {
    const fs = empty();
    fs.paths.add(DEVICE);
    await expect(openAttester(snpConfig(), fs)).rejects.toMatchObject({
      code: 'attestation_unavailable',
      message: expect.stringMatching(
        /Node\.js cannot issue its SNP_GET_REPORT ioctl.*sevGuestHelper/,
      ),
    });
  });

  it.skipIf(existsSync(ROOT) || existsSync(DEVICE))(
    'snp on this machine, real filesystem',
    async () => {
      const config: AttesterConfig = AttesterConfigSchema.parse({ kind: 'snp' });
      await expect(openAttester(config)).rejects.toMatchObject({ code: 'attestation_unavailable' });
    },
  );
});
