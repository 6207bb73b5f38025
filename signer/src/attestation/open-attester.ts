import type { Attester } from '@frostmint/core';
import type { AttesterConfig } from './config.ts';
import type { TsmFs } from './configfs-tsm.ts';
import { NoneAttester } from './none.ts';
import { SnpAttester } from './snp.ts';

/**
 * The configured attester, probed: call at signer start so that `snp` on a machine without
 * SEV-SNP stops the signer with `attestation_unavailable` and a message naming what is
 * missing, instead of failing at the first attestation.
 *
 * @example
 * ```ts
 * const attester = await openAttester(config.attestation); // throws before the server listens
 * ```
 */
export async function openAttester(config: AttesterConfig, fs?: TsmFs): Promise<Attester> {
  const attester = config.kind === 'snp' ? new SnpAttester(config, fs) : new NoneAttester();
  await attester.probe();
  return attester;
}
