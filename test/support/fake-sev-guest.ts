/**
 * Fake SEV-SNP guests for stack tests. No SEV hardware exists here, so "firmware" signs
 * reports with a test VCEK, behind the production `SnpAttester` (over an emulated
 * configfs-tsm); verifiers trust the test chain through their ordinary configuration
 * (`trustAnchors` files). Everything else — parsing, chain, signature, checks — is the
 * production code.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AttestationEvidence,
  type Attester,
  CERT_TABLE_GUID,
  type RequesterBinding,
  requesterReportData,
} from '@frostmint/core';
import { AttesterConfigSchema, SnpAttester, type SnpAttesterConfig } from '@frostmint/signer';
import { FakeConfigfs } from '@frostmint/signer/testing';
import {
  buildReport,
  certTable,
  MEASUREMENT,
  signReport,
  type TestChain,
} from '@frostmint/test-support/snp';

export { createTestChain, MEASUREMENT } from '@frostmint/test-support/snp';

/** How a fake guest's "firmware" misbehaves, if at all. */
export interface FakeGuestOptions {
  /** Launch measurement (default `MEASUREMENT`). */
  readonly measurement?: Uint8Array;
  /** Flip a bit of the report signature (a forged report). */
  readonly tamperSignature?: boolean;
}

/**
 * A signed report for `reportData` from `chain`'s VCEK, misbehaving as asked.
 *
 * @example
 * ```ts
 * const report = await fakeReport(chain, reportData, { tamperSignature: true });
 * ```
 */
export async function fakeReport(
  chain: TestChain,
  reportData: Uint8Array,
  options: FakeGuestOptions = {},
  vmpl = 0,
): Promise<Uint8Array> {
  const report = await signReport(
    buildReport(chain, {
      reportData,
      vmpl,
      measurement: options.measurement ?? MEASUREMENT,
    }),
    chain.vcekKeys.privateKey,
  );
  if (options.tamperSignature) report[0x2a0]! ^= 1;
  return report;
}

/** The extended report's certificate table: the test VCEK. */
export const vcekTable = (chain: TestChain) => certTable([[CERT_TABLE_GUID.vcek, chain.vcek]]);

/**
 * The production `snp` attester over an emulated configfs-tsm whose firmware is `chain`.
 *
 * @example
 * ```ts
 * await startSigner({ config, vault, log, attester: fakeSnpAttester(chain) });
 * ```
 */
export function fakeSnpAttester(chain: TestChain, options: FakeGuestOptions = {}): Attester {
  const fs = new FakeConfigfs(
    (reportData, vmpl) => fakeReport(chain, reportData, options, vmpl),
    () => vcekTable(chain),
  );
  return new SnpAttester(AttesterConfigSchema.parse({ kind: 'snp' }) as SnpAttesterConfig, fs);
}

/**
 * A hostile signer's attester: attests honestly once, then replays that first evidence
 * whatever nonce it is asked for.
 *
 * @example
 * ```ts
 * const attester = new ReplayingAttester(fakeSnpAttester(chain));
 * ```
 */
export class ReplayingAttester implements Attester {
  readonly kind = 'snp';
  #first: AttestationEvidence | undefined;

  constructor(private readonly inner: Attester) {}

  probe(): Promise<void> {
    return this.inner.probe();
  }

  async attest(binding: Parameters<Attester['attest']>[0]): Promise<AttestationEvidence> {
    this.#first ??= await this.inner.attest(binding);
    return this.#first;
  }
}

/**
 * Writes `chain`'s ARK and ASK as PEM files and returns the `trustAnchors` configuration.
 *
 * @example
 * ```ts
 * config.attestationVerifier = { trustAnchors: await writeTrustAnchors(chain, dir) };
 * ```
 */
export async function writeTrustAnchors(chain: TestChain, dir: string) {
  const ark = join(dir, 'test-ark.pem');
  const ask = join(dir, 'test-ask.pem');
  await writeFile(ark, chain.ark.toString('pem'));
  await writeFile(ask, chain.ask.toString('pem'));
  return [{ product: chain.product, ark, ask }];
}

/**
 * A requester's `attestation` mint body member: a report whose REPORT_DATA is the requester
 * binding, and the VCEK certificate table, base64.
 *
 * @example
 * ```ts
 * await mint({ scope, audience, attestation: await requesterEvidence(chain, { subject, audience, scopes, window }) });
 * ```
 */
export async function requesterEvidence(
  chain: TestChain,
  binding: RequesterBinding,
  options: FakeGuestOptions = {},
): Promise<{ report: string; certificates: string }> {
  const report = await fakeReport(chain, requesterReportData(binding), options);
  return {
    report: Buffer.from(report).toString('base64'),
    certificates: Buffer.from(vcekTable(chain)).toString('base64'),
  };
}
