import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  certTable,
  createTestChain,
  signedReport,
  type TestChain,
} from '@frostmint/test-support/snp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttestationVerifier,
  CERT_TABLE_GUID,
  evidenceFromWire,
  evidenceToWire,
  expectedRequesterReportData,
  REQUESTER_WINDOW_SECONDS,
  requesterReportData,
  requesterWindow,
  verdictErrorCode,
  verdictProblem,
} from '../../src/attestation/index.ts';

let chain: TestChain;
let dir: string;
beforeAll(async () => {
  chain = await createTestChain('Milan');
  dir = await mkdtemp(join(tmpdir(), 'requester-binding-'));
});
afterAll(() => rm(dir, { recursive: true }));

const request = { subject: 'repo:acme/app', audience: 'deploy-api', scopes: ['b', 'a'] };

describe('requester REPORT_DATA binding', () => {
  it('is 64 bytes, ignores scope order, and changes with every bound field', () => {
    const base = requesterReportData({ ...request, window: 7 });
    expect(base).toHaveLength(64);
    expect(requesterReportData({ ...request, scopes: ['a', 'b'], window: 7 })).toEqual(base);
    for (const other of [
      { ...request, subject: 'repo:acme/other', window: 7 },
      { ...request, audience: 'logs-api', window: 7 },
      { ...request, scopes: ['a'], window: 7 },
      { ...request, window: 8 },
      // Length prefixes: moving a character between fields changes the digest.
      { ...request, subject: 'repo:acme/appd', audience: 'eploy-api', window: 7 },
    ]) {
      expect(requesterReportData(other)).not.toEqual(base);
    }
  });

  it('accepts the window of iat and the one before, nothing older or newer', () => {
    const iat = 1_800_000_000;
    const { reportData } = expectedRequesterReportData(request, iat);
    const w = requesterWindow(iat);
    expect(reportData).toEqual([
      requesterReportData({ ...request, window: w }),
      requesterReportData({ ...request, window: w - 1 }),
    ]);
    expect(requesterWindow(iat + REQUESTER_WINDOW_SECONDS)).toBe(w + 1);
  });

  it('verifies a report bound to the request through the production verifier, and rejects another request', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const report = await signedReport(chain, {
      reportData: requesterReportData({ ...request, window: requesterWindow(iat) - 1 }),
    });
    const evidence = {
      kind: 'snp' as const,
      report,
      certTable: certTable([[CERT_TABLE_GUID.vcek, chain.vcek]]),
    };
    const verifier = new AttestationVerifier({ trustAnchors: [chain.anchor] });
    const ok = await verifier.verify(evidence, expectedRequesterReportData(request, iat));
    expect(verdictProblem(ok)).toBeUndefined();
    const other = await verifier.verify(
      evidence,
      expectedRequesterReportData({ ...request, audience: 'logs-api' }, iat),
    );
    expect(verdictErrorCode(other)).toBe('attestation_report_data');
    expect(verdictProblem(other)).toMatch(/^report_data: REPORT_DATA does not bind the requester/);
  });
});

describe('evidence on the wire', () => {
  const empty = new Uint8Array(0);

  it('round-trips snp and none evidence', async () => {
    const report = await signedReport(chain);
    const table = certTable([[CERT_TABLE_GUID.vcek, chain.vcek]]);
    expect(evidenceFromWire(evidenceToWire({ kind: 'snp', report, certTable: table }))).toEqual({
      kind: 'snp',
      report: Buffer.from(report),
      certTable: Buffer.from(table),
    });
    expect(evidenceFromWire(evidenceToWire({ kind: 'none' }))).toEqual({ kind: 'none' });
  });

  it.each([
    ['an unknown kind', { kind: 'tdx', report: empty, certificates: empty }],
    ['a short report', { kind: 'snp', report: new Uint8Array(100), certificates: empty }],
    [
      'an oversized certificate table',
      { kind: 'snp', report: new Uint8Array(1184), certificates: new Uint8Array(40_000) },
    ],
  ])('refuses %s with attestation_evidence_invalid', (_name, wire) => {
    expect(() => evidenceFromWire(wire)).toThrow(
      expect.objectContaining({ code: 'attestation_evidence_invalid', status: 400 }),
    );
  });
});

describe('AttestationVerifier.fromConfig', () => {
  it('loads trust anchors from PEM files and validates requirements', async () => {
    const ark = join(dir, 'ark.pem');
    const ask = join(dir, 'ask.pem');
    await writeFile(ark, chain.ark.toString('pem'));
    await writeFile(ask, chain.ask.toString('pem'));
    const verifier = await AttestationVerifier.fromConfig({
      trustAnchors: [{ product: 'Milan', ark, ask }],
      requirements: { max_vmpl: 1 },
    });
    expect(verifier.options.trustAnchors?.map((a) => a.product)).toEqual(['Milan']);
    expect(verifier.options.requirements?.max_vmpl).toBe(1);
    expect(verifier.options.kds).toBeUndefined();
    await expect(
      AttestationVerifier.fromConfig({ requirements: { max_vmpl: 9 } }),
    ).rejects.toMatchObject({ code: 'attestation_requirements_invalid' });
    const bundled = await AttestationVerifier.fromConfig();
    expect(bundled.options.trustAnchors?.map((a) => a.product)).toEqual([
      'Milan',
      'Genoa',
      'Turin',
    ]);
  });
});
