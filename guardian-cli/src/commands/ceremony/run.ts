import { type ConventionOptions, renderResult, withConvention } from '@frostmint/client/cli-kit';
import { type CeremonyRun, recordCeremonyOutcome, runCeremony } from '@frostmint/coordinator';
import {
  approvalFromFile,
  approvalIsFor,
  type CeremonyKind,
  FrostmintError,
  type GroupConfigV2,
} from '@frostmint/core';
import type { Command } from 'commander';
import { pino } from 'pino';
import {
  readApprovalFile,
  readCoordinatorConfig,
  readSignedGroup,
  readTranscriptFile,
} from '../../ceremony/files.ts';
import { ceremonyPool } from '../../ceremony/pool.ts';
import { ExitCode, exitCodeFor } from '../../exit-codes.ts';
import type { CliIo } from '../../io.ts';
import { progress, quietFor } from '../../progress.ts';
import { usage } from '../../token-options.ts';

export interface RunOptions extends ConventionOptions {
  transcript: string;
  approval?: string[];
  coordinatorConfig: string;
}

const DONE: Record<CeremonyKind, string> = {
  dkg: 'New group key created. The coordinators publish it in the JWKS within their poll interval: as the signing key when there was none, else as the next key (switch it in with POST /v1/keys/<kid>/switch, docs/operators/key-rotation.md).',
  refresh:
    'Shares refreshed; the group key and JWKS are unchanged. Every coordinator loads the new verifying shares within its poll interval, without a restart.',
  'replace-signer':
    'Signer replaced; the group key and JWKS are unchanged. Every coordinator loads the new verifying shares within its poll interval; now run `ceremony refresh` so the lost share is useless even if it turns up.',
};

/**
 * Registers `ceremony dkg`, `ceremony refresh` and `ceremony replace-signer`.
 *
 * @example
 * ```ts
 * registerRun(ceremony, io);
 * ```
 */
export function registerRun(ceremony: Command, io: CliIo): void {
  for (const kind of ['dkg', 'refresh', 'replace-signer'] as const) {
    withConvention(ceremony.command(kind), { format: {} })
      .description(
        `run an approved ${kind} ceremony through the signers, as the coordinator (its mTLS ` +
          'identity and signer endpoints); store the signed group configuration for the coordinators ' +
          '(their PostgreSQL store, or group.json in its state directory with PGlite)',
      )
      .requiredOption('--transcript <path>', 'the transcript from `ceremony plan`')
      .option('--approval <path>', 'a guardian approval file (repeat for each guardian)', collect)
      .requiredOption('--coordinator-config <path>', 'coordinator configuration')
      .action(async (options: RunOptions) => {
        const group = await runKind(kind, options, io);
        const summary = { kid: group.kid, epoch: group.epoch, ceremony: group.ceremony };
        const text = `Done: group key ${group.kid}, epoch ${group.epoch}.\n${DONE[kind]}`;
        io.stdout(renderResult({ text, json: summary }, options.format!));
      });
  }
}

/**
 * Runs one approved ceremony and writes the signed group configuration for the coordinator.
 * A failure that is not a signer's refusal is reported as `ceremony_aborted` (exit code 9).
 *
 * @example
 * ```ts
 * const group = await runKind('refresh', { transcript, approval: [a1, a2], coordinatorConfig }, io);
 * ```
 */
export async function runKind(
  kind: CeremonyKind,
  options: RunOptions,
  io: CliIo,
): Promise<GroupConfigV2> {
  const say = progress(io, quietFor(options.format));
  const transcript = await readTranscriptFile(options.transcript);
  if (transcript.kind !== kind)
    throw usage(`${options.transcript} is a ${transcript.kind} transcript, not ${kind}`);
  const files = await Promise.all((options.approval ?? []).map(readApprovalFile));
  for (const file of files.filter((f) => !approvalIsFor(f, transcript)))
    say.say(
      `Warning: the approval by "${file.guardian.name}" was made for another transcript; the signers will refuse it.`,
    );
  const coordinator = await readCoordinatorConfig(options.coordinatorConfig);
  const run: CeremonyRun = {
    transcript,
    approvals: files.map(approvalFromFile),
    log: pino({ level: 'silent' }),
    progress: (line) => say.say(line),
    ...(kind === 'replace-signer' ? { groupConfig: await readSignedGroup(coordinator) } : {}),
  };
  say.say(
    `Running the ${kind} ceremony ${transcript.ceremonyId} with ${files.length} approval(s) …`,
  );
  const pool = ceremonyPool(coordinator, 30_000);
  try {
    const group = await runCeremony(pool, run).catch((err: unknown) => {
      throw exitCodeFor(err) === ExitCode.internal ? aborted(err) : err;
    });
    const recorded = await recordCeremonyOutcome(coordinator, group);
    say.say(
      recorded.state
        ? `Signed group configuration stored for every coordinator (key ${group.kid}: ${recorded.state}).`
        : `Signed group configuration written to ${recorded.where}; the coordinator imports it.`,
    );
    return group;
  } finally {
    pool.close();
  }
}

function aborted(err: unknown): FrostmintError {
  const detail = err instanceof FrostmintError ? `${err.code}: ${err.message}` : String(err);
  return new FrostmintError('ceremony_aborted', `ceremony aborted, nothing written: ${detail}`, {
    cause: err,
  });
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
