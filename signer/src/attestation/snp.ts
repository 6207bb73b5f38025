import { timingSafeEqual } from 'node:crypto';
import {
  type AttestationBinding,
  type AttestationEvidence,
  AttestationUnavailableError,
  type Attester,
  parseReport,
  reportDataFor,
} from '@frostmint/core';
import type { SnpAttesterConfig } from './config.ts';
import { ConfigfsTsmSource, nodeTsmFs, type TsmFs } from './configfs-tsm.ts';
import { collectFailed, type ReportSource } from './report-source.ts';
import { SevGuestHelperSource } from './sev-guest-helper.ts';

/**
 * The `snp` attester: SEV-SNP reports whose REPORT_DATA binds the verifier's nonce, this
 * signer's TLS key and its policy id. `probe` picks the source — configfs-tsm when the
 * kernel has it, else `/dev/sev-guest` through the configured helper — and fails with what
 * is missing otherwise. Each report is parsed and its REPORT_DATA compared before it leaves.
 *
 * @example
 * ```ts
 * const attester = new SnpAttester(AttesterConfigSchema.parse({ kind: 'snp' }) as SnpAttesterConfig);
 * await attester.probe();
 * const evidence = await attester.attest({ nonce, tlsSpki, policyId });
 * ```
 */
export class SnpAttester implements Attester {
  readonly kind = 'snp';
  #source: ReportSource | undefined;

  constructor(
    readonly config: SnpAttesterConfig,
    readonly fs: TsmFs = nodeTsmFs,
  ) {}

  async probe(): Promise<void> {
    this.#source = await this.#select();
    await this.#source.probe();
  }

  async attest(binding: AttestationBinding): Promise<AttestationEvidence> {
    if (!this.#source) await this.probe();
    const source = this.#source as ReportSource;
    const reportData = reportDataFor(binding);
    const { report, certTable } = await source.collect(reportData);
    let carried: Uint8Array;
    try {
      carried = parseReport(report).reportData;
    } catch (err) {
      throw collectFailed(
        `${source.description} returned no valid report: ${(err as Error).message}`,
        err,
      );
    }
    if (!timingSafeEqual(carried, reportData)) {
      throw collectFailed(`${source.description} returned a report for other REPORT_DATA`);
    }
    return certTable ? { kind: 'snp', report, certTable } : { kind: 'snp', report };
  }

  async #select(): Promise<ReportSource> {
    const { configfsPath, sevGuestDevice, sevGuestHelper, helperTimeoutMs, vmpl } = this.config;
    const tsm = new ConfigfsTsmSource(configfsPath, vmpl, this.fs);
    if (await tsm.present()) return tsm;
    const noTsm = `configfs-tsm is not available at ${configfsPath} (needs Linux ≥ 6.7 with CONFIG_TSM_REPORTS and configfs mounted)`;
    if (!(await this.fs.exists(sevGuestDevice))) {
      throw new AttestationUnavailableError(
        'attestation_unavailable',
        `attestation "snp" is configured but this machine is not an SEV-SNP guest: ${noTsm}, and ${sevGuestDevice} does not exist`,
      );
    }
    if (!sevGuestHelper) {
      throw new AttestationUnavailableError(
        'attestation_unavailable',
        `${noTsm}; ${sevGuestDevice} exists but Node.js cannot issue its SNP_GET_REPORT ioctl: use a kernel with configfs-tsm, or set attestation.sevGuestHelper to a program that does`,
      );
    }
    return new SevGuestHelperSource(sevGuestDevice, sevGuestHelper, helperTimeoutMs);
  }
}
