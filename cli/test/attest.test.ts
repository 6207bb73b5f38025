import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CERT_TABLE_GUID, reportDataFor, requesterReportData, tlsSpkiFrom } from '@frostmint/core';
import {
  type CryptoKeyPair,
  certTable,
  createTestChain,
  MEASUREMENT,
  signedReport,
  type TestChain,
} from '@frostmint/test-support/snp';
import * as x509 from '@peculiar/x509';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AttestCommandDeps, attestCommand } from '../src/commands/attest.ts';

type Command = ReturnType<typeof attestCommand>;

let chain: TestChain;
let dir: string;
let tlsPem: string;
const nonce = randomBytes(32);
const policyId = `sha256:${'ef'.repeat(32)}`;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  chain = await createTestChain('Milan');
  dir = await mkdtemp(join(tmpdir(), 'attest-cli-'));
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const tls = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=signer-1.frostmint.local',
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  tlsPem = tls.toString('pem');
  await writeFile(file('tls.pem'), tlsPem);
  const report = await signedReport(chain, {
    reportData: reportDataFor({ nonce, tlsSpki: tlsSpkiFrom(Buffer.from(tlsPem)), policyId }),
  });
  await writeFile(file('report.bin'), report);
  await writeFile(file('report.hex'), `${Buffer.from(report).toString('hex')}\n`);
  await writeFile(file('short.bin'), report.subarray(0, 1000));
  await writeFile(file('certs.bin'), certTable([[CERT_TABLE_GUID.vcek, chain.vcek]]));
  const vcekPem = x509.PemConverter.encode(chain.vcek.slice().buffer, 'CERTIFICATE');
  await writeFile(file('vcek.pem'), vcekPem);
  await writeFile(
    file('chain.pem'),
    [chain.ask.toString('pem'), vcekPem, chain.ark.toString('pem')].join('\n'),
  );
});
afterAll(() => rm(dir, { recursive: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const test: AttestCommandDeps = {
  get trustAnchors() {
    return [chain.anchor];
  },
};

function exitOverrideAll(cmd: Command): Command {
  cmd.exitOverride().configureOutput({ writeErr: () => undefined });
  for (const sub of cmd.commands) exitOverrideAll(sub);
  return cmd;
}

/** Runs `frostmint attest <args>`; returns stdout and the exit code the process would have. */
async function run(args: string[], deps: AttestCommandDeps = test) {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  // A report that does not verify ends the command with a CliError (exit code 3, refused).
  const code = await exitOverrideAll(attestCommand(deps))
    .parseAsync(args, { from: 'user' })
    .then(
      () => process.exitCode ?? 0,
      (err: { code?: string; exitCode?: number }) => {
        if (err.code === 'attestation_not_verified' && err.exitCode) return err.exitCode;
        throw err;
      },
    );
  vi.restoreAllMocks();
  return { stdout, code };
}

const bound = () => [
  '--nonce',
  nonce.toString('hex'),
  '--tls-key',
  file('tls.pem'),
  '--policy-id',
  policyId,
];
const measurement = Buffer.from(MEASUREMENT).toString('hex');

describe('frostmint attest verify', () => {
  it('verifies a hex report with its certificate table: every check printed, exit 0', async () => {
    const { stdout, code } = await run([
      'verify',
      '--report',
      file('report.hex'),
      '--certs',
      file('certs.bin'),
      '--no-kds',
      '--measurement',
      measurement,
      ...bound(),
    ]);
    expect(code).toBe(0);
    for (const id of [
      'product',
      'cert_chain',
      'cert_validity',
      'vcek_tcb',
      'vcek_hwid',
      'report_signature',
      'guest_policy',
      'vmpl',
      'measurement',
      'report_data',
    ]) {
      expect(stdout).toMatch(new RegExp(`^PASS  ${id} `, 'm'));
    }
    expect(stdout).toMatch(/^SKIP {2}minimum_tcb /m);
    expect(stdout).toContain('SEV-SNP report v3 · Milan · VMPL 0 · VCEK from evidence');
    expect(stdout).toContain('verified (11 checks, none failed)');
  });

  it('takes the VCEK from a PEM bundle (VCEK, ASK, ARK) or a single VCEK file', async () => {
    for (const certs of [
      ['--certs', file('chain.pem')],
      ['--vcek', file('vcek.pem')],
    ]) {
      const { stdout, code } = await run([
        'verify',
        '--report',
        file('report.bin'),
        ...certs,
        '--no-kds',
      ]);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^SKIP {2}report_data +no binding given/m);
    }
  });

  it('fails against the pinned AMD roots: the test chain is not AMD', async () => {
    const { stdout, code } = await run(
      ['verify', '--report', file('report.bin'), '--certs', file('certs.bin'), '--no-kds'],
      {},
    );
    expect(code).toBe(3);
    expect(stdout).toMatch(/^FAIL {2}cert_chain +VCEK: issuer name does not match$/m);
    expect(stdout).toContain('NOT verified: 1 of 11 checks failed');
  });

  it('prints the verdict as JSON and exits 3 on a wrong nonce and an unknown measurement', async () => {
    const { stdout, code } = await run([
      'verify',
      '--report',
      file('report.bin'),
      '--certs',
      file('certs.bin'),
      '--no-kds',
      '--format',
      'json',
      '--measurement',
      'cd'.repeat(48),
      '--nonce',
      randomBytes(32).toString('hex'),
      '--tls-key',
      file('tls.pem'),
      '--policy-id',
      policyId,
    ]);
    expect(code).toBe(3);
    const verdict = JSON.parse(stdout);
    expect(verdict.verified).toBe(false);
    expect(
      verdict.checks
        .filter((c: { status: string }) => c.status === 'fail')
        .map((c: { id: string }) => c.id),
    ).toEqual(['measurement', 'report_data']);
  });

  it('reports a truncated report as a failed format check, exit 3', async () => {
    const text = await run(['verify', '--report', file('short.bin'), '--no-kds']);
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(
      /^FAIL {2}report_format +attestation_report_length: attestation report is 1000 bytes/m,
    );
    const json = await run([
      'verify',
      '--report',
      file('short.bin'),
      '--no-kds',
      '--format',
      'json',
    ]);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({
      verified: false,
      error: { error: 'attestation_report_length' },
    });
  });

  it('refuses --certs with --vcek, a bad measurement, and a nonce without key and policy id', async () => {
    const base = ['verify', '--report', file('report.bin'), '--no-kds'];
    await expect(
      run([...base, '--certs', file('certs.bin'), '--vcek', file('vcek.pem')]),
    ).rejects.toMatchObject({
      code: 'commander.conflictingOption',
    });
    await expect(run([...base, '--measurement', 'abc'])).rejects.toMatchObject({
      code: 'commander.invalidArgument',
    });
    await expect(run([...base, '--nonce', nonce.toString('hex')])).rejects.toThrow(/go together/);
  });
});

describe('frostmint attest requester-data', () => {
  it('prints the requester REPORT_DATA for the request and the window of --at', async () => {
    const { stdout, code } = await run([
      'requester-data',
      '--sub',
      'repo:acme/app',
      '--aud',
      'deploy-api',
      '--scope',
      'deploy:prod',
      '--scope',
      'read:logs',
      '--at',
      '1800000123',
    ]);
    expect(code).toBe(0);
    const expected = requesterReportData({
      subject: 'repo:acme/app',
      audience: 'deploy-api',
      scopes: ['read:logs', 'deploy:prod'],
      window: 6_000_000,
    });
    expect(stdout).toBe(`${Buffer.from(expected).toString('hex')}\n`);
  });
});
