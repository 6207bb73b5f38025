import { readFile } from 'node:fs/promises';
import { type ConventionOptions, renderResult, withConvention } from '@frostmint/client/cli-kit';
import { type CoordinatorConfig, pinSigners, type SignerPool } from '@frostmint/coordinator';
import {
  CEREMONY_KINDS,
  type CeremonyKind,
  type CeremonyTranscript,
  type GuardianKey,
  GuardianKeySchema,
  newTranscript,
  transcriptDigest,
  writeFileAtomic,
} from '@frostmint/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { readCoordinatorConfig, readSignedGroup } from '../../ceremony/files.ts';
import { ceremonyPool } from '../../ceremony/pool.ts';
import { describeTranscript } from '../../ceremony/summary.ts';
import { verifyGuardianRecord } from '../../guardian-record.ts';
import type { CliIo } from '../../io.ts';
import { progress, quietFor } from '../../progress.ts';
import { usage } from '../../token-options.ts';

export interface PlanOptions extends ConventionOptions {
  kind: CeremonyKind;
  coordinatorConfig: string;
  out: string;
  guardian?: string[];
  approvals?: number;
  threshold: number;
  lost?: number;
  validHours: number;
}

/**
 * Registers `ceremony plan` on the `ceremony` command.
 *
 * @example
 * ```ts
 * registerPlan(ceremony, io);
 * ```
 */
export function registerPlan(ceremony: Command, io: CliIo): void {
  withConvention(ceremony.command('plan'), { format: {} })
    .description(
      'write a ceremony transcript: kind, parameters, the signers and their TLS certificate ' +
        'fingerprints (read over mTLS), the guardians, a fresh ceremony id. Guardians approve it next.',
    )
    .addOption(
      new Option('--kind <kind>', 'dkg, refresh or replace-signer')
        .choices(CEREMONY_KINDS)
        .makeOptionMandatory(),
    )
    .requiredOption(
      '--coordinator-config <path>',
      'coordinator configuration (mTLS identity, signers, state directory)',
    )
    .requiredOption('--out <path>', 'where to write the transcript')
    .option(
      '--guardian <record.json>',
      'dkg: a guardian record from `enroll` (repeat per guardian)',
      collect,
    )
    .option(
      '--approvals <n>',
      'dkg: guardian approvals every ceremony needs (default: a majority)',
      positive,
    )
    .option('--threshold <n>', 'dkg: signers needed to sign', positive, 2)
    .option('--lost <id>', 'replace-signer: the id of the lost signer', positive)
    .option(
      '--valid-hours <h>',
      'signers refuse the transcript after this many hours',
      positive,
      24,
    )
    .action(async (options: PlanOptions) => {
      const transcript = await plan(options, io);
      const digest = transcriptDigest(transcript).toString('base64url');
      const text =
        `${describeTranscript(transcript)}\nTranscript written to ${options.out}.\n` +
        `Next: each guardian runs \`frostmint-guardian ceremony approve --transcript ${options.out}\`.`;
      io.stdout(renderResult({ text, json: { transcript: options.out, digest } }, options.format!));
    });
}

/**
 * Builds and writes a transcript for `options.kind`.
 *
 * @example
 * ```ts
 * const t = await plan({ kind: 'refresh', coordinatorConfig, out: 'refresh.json', threshold: 2, validHours: 24 }, io);
 * ```
 */
export async function plan(options: PlanOptions, io: CliIo): Promise<CeremonyTranscript> {
  const say = progress(io, quietFor(options.format));
  const coordinator = await readCoordinatorConfig(options.coordinatorConfig);
  say.say('Reading the signers’ TLS certificates over mTLS …');
  const body =
    options.kind === 'dkg'
      ? await dkgBody(options, coordinator)
      : await groupBody(options, coordinator);
  const transcript = newTranscript(body, { validForMs: options.validHours * 3_600_000 });
  await writeFileAtomic(options.out, `${JSON.stringify(transcript, null, 2)}\n`, 0o644);
  return transcript;
}

type Body = Parameters<typeof newTranscript>[0];

async function dkgBody(options: PlanOptions, coordinator: CoordinatorConfig): Promise<Body> {
  if (options.lost !== undefined) throw usage('--lost belongs to replace-signer');
  const guardians = await Promise.all((options.guardian ?? []).map(readGuardian));
  if (guardians.length === 0)
    throw usage('dkg needs the guardians: --guardian <record.json>, one per guardian');
  const approvals = options.approvals ?? Math.floor(guardians.length / 2) + 1;
  if (approvals > guardians.length)
    throw usage(`--approvals ${approvals} exceeds ${guardians.length} guardians`);
  return {
    kind: 'dkg',
    threshold: options.threshold,
    maxSigners: coordinator.signers.length,
    ceremonyApprovals: approvals,
    signers: await pinSigners(coordinator.signers, coordinator.tls),
    guardians,
  };
}

async function groupBody(options: PlanOptions, coordinator: CoordinatorConfig): Promise<Body> {
  if (options.guardian || options.approvals !== undefined)
    throw usage(
      'refresh and replace-signer keep the group’s guardians: drop --guardian/--approvals',
    );
  const group = await readSignedGroup(coordinator);
  const common = {
    threshold: group.threshold,
    maxSigners: group.maxSigners,
    ceremonyApprovals: group.guardians.approvals,
    group: { kid: group.kid, groupKey: group.groupKey, epoch: group.epoch },
    guardians: group.guardians.keys,
  };
  if (options.kind === 'refresh') {
    if (options.lost !== undefined) throw usage('--lost belongs to replace-signer');
    return {
      kind: 'refresh',
      ...common,
      signers: await pinSigners(coordinator.signers, coordinator.tls),
    };
  }
  const lost = options.lost;
  if (lost === undefined || !(String(lost) in group.verifyingShares))
    throw usage('replace-signer needs --lost <id> naming a signer of the group');
  const pool = ceremonyPool(coordinator, 3_000);
  try {
    const helpers = await readyHelpers(pool, coordinator, lost, group.threshold);
    const endpoints = coordinator.signers.filter((s) => s.id === lost || helpers.includes(s.id));
    return {
      kind: 'replace-signer',
      ...common,
      lost,
      signers: await pinSigners(endpoints, coordinator.tls),
    };
  } finally {
    pool.close();
  }
}

/** The first `threshold` other signers that answer Info as ready. */
async function readyHelpers(
  pool: SignerPool,
  coordinator: CoordinatorConfig,
  lost: number,
  threshold: number,
): Promise<number[]> {
  const others = coordinator.signers
    .map((s) => s.id)
    .filter((id) => id !== lost)
    .sort((a, b) => a - b);
  const ready = await Promise.all(
    others.map((id) =>
      pool.call(id, 'info', {}).then(
        (i) => i.ready,
        () => false,
      ),
    ),
  );
  const helpers = others.filter((_, i) => ready[i]).slice(0, threshold);
  if (helpers.length < threshold)
    throw usage(
      `replace-signer needs ${threshold} ready helpers; only ${helpers.join(', ') || 'none'} answered`,
    );
  return helpers;
}

async function readGuardian(path: string): Promise<GuardianKey> {
  const record = verifyGuardianRecord(JSON.parse(await readFile(path, 'utf8')));
  return GuardianKeySchema.parse(record);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
