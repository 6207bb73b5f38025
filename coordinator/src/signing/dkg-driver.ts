import { randomBytes } from 'node:crypto';
import { FrostmintError, type GroupConfig } from '@frostmint/core';
import type { DkgFinishResponse, DkgParams } from '@frostmint/proto';
import type { Logger } from 'pino';
import type { SignerPool } from './signer-pool.ts';

/** DKG steps do more work than a signing round; give them a longer deadline. */
const DKG_DEADLINE_MS = 30_000;

/**
 * Relays one distributed key generation among every signer in the pool. The coordinator
 * sees only public round-one broadcasts and sealed round-two packages. All signers must
 * finish with the same group key and verifying shares, or the run fails.
 *
 * @example
 * ```ts
 * const group = await runDkg(pool, { threshold: 2, log });
 * ```
 */
export async function runDkg(
  pool: SignerPool,
  options: { threshold: number; log: Logger },
): Promise<GroupConfig> {
  const participants = pool.ids().sort((a, b) => a - b);
  const params: DkgParams = {
    sessionId: randomBytes(32),
    threshold: options.threshold,
    participants,
  };
  const all = <T>(step: (id: number) => Promise<T>) => Promise.all(participants.map(step));

  options.log.info({ participants, threshold: options.threshold }, 'DKG: round 1');
  const begun = await all((id) => pool.call(id, 'dkgBegin', { params }, DKG_DEADLINE_MS));
  const announcements = begun.map((b) => b.announcement!);

  options.log.info('DKG: round 2 (sealed packages relayed)');
  const exchanged = await all((id) =>
    pool.call(id, 'dkgExchange', { params, announcements }, DKG_DEADLINE_MS),
  );
  const packages = exchanged.flatMap((e) => e.packages);

  const finished = await all((id) =>
    pool.call(
      id,
      'dkgFinish',
      { params, packages: packages.filter((p) => p.toSignerId === id) },
      DKG_DEADLINE_MS,
    ),
  );
  const config = agreedGroup(finished, options.threshold);
  options.log.info({ kid: config.kid }, 'DKG: complete');
  return config;
}

function agreedGroup(results: DkgFinishResponse[], threshold: number): GroupConfig {
  const fingerprint = (r: DkgFinishResponse) =>
    [
      r.kid,
      Buffer.from(r.groupPublicKey).toString('hex'),
      ...r.verifyingShares.map(
        (v) => `${v.signerId}:${Buffer.from(v.verifyingShare).toString('hex')}`,
      ),
    ].join('|');
  const first = results[0]!;
  if (!results.every((r) => fingerprint(r) === fingerprint(first))) {
    throw new FrostmintError(
      'dkg_disagreement',
      'signers finished DKG with different group keys; the run is void',
    );
  }
  return {
    version: 1,
    kid: first.kid,
    groupKey: Buffer.from(first.groupPublicKey).toString('base64url'),
    threshold,
    maxSigners: first.verifyingShares.length,
    verifyingShares: Object.fromEntries(
      first.verifyingShares.map((v) => [
        String(v.signerId),
        Buffer.from(v.verifyingShare).toString('base64url'),
      ]),
    ),
    createdAt: new Date().toISOString(),
  };
}
