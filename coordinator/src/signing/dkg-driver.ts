import { type GroupConfigV2, type MtlsFiles, newTranscript } from '@frostmint/core';
import type { Logger } from 'pino';
import { runCeremony } from '../ceremony/run-ceremony.ts';
import { pinSigners } from '../ceremony/signer-certificate.ts';
import type { SignerEndpoint } from '../config.ts';
import type { SignerPool } from './signer-pool.ts';

/**
 * The local demo's first DKG: an UNGUARDED ceremony (no guardians, no approvals) among
 * every signer in the pool. Only signers whose configuration says
 * `"guardians": "dev-unguarded"` take part; any other signer refuses. Production groups
 * are created with `frostmint-guardian ceremony dkg` and guardian approvals.
 *
 * @example
 * ```ts
 * const group = await runDevDkg(pool, { threshold: 2, signers: config.signers, tls: config.tls, log });
 * ```
 */
export async function runDevDkg(
  pool: SignerPool,
  options: {
    threshold: number;
    signers: readonly SignerEndpoint[];
    tls: MtlsFiles;
    log: Logger;
  },
): Promise<GroupConfigV2> {
  options.log.warn('DEV-UNGUARDED DKG: no guardian approves this key ceremony (local demo only)');
  const transcript = newTranscript(
    {
      kind: 'dkg',
      threshold: options.threshold,
      maxSigners: options.signers.length,
      ceremonyApprovals: 0,
      signers: await pinSigners(options.signers, options.tls),
      guardians: [],
    },
    { validForMs: 10 * 60_000 },
  );
  const group = await runCeremony(pool, { transcript, approvals: [], log: options.log });
  options.log.info({ kid: group.kid }, 'DKG: complete');
  return group;
}
