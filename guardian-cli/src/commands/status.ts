import { type ConventionOptions, renderResult, withConvention } from '@frostmint/client/cli-kit';
import { currentGroupConfig } from '@frostmint/coordinator';
import type { GroupConfig } from '@frostmint/core';
import type { Command } from 'commander';
import { readCoordinatorConfig } from '../ceremony/files.ts';
import { ceremonyPool } from '../ceremony/pool.ts';
import { ExitCode, reportedFailure } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';

export interface StatusOptions extends ConventionOptions {
  coordinatorConfig: string;
}

/** One signer as `status` sees it. */
export interface SignerHealth {
  readonly id: number;
  readonly address: string;
  readonly reachable: boolean;
  readonly ready: boolean;
  /** The kid the signer reports ('' before DKG). */
  readonly kid: string;
  /** True when the signer holds the group configuration's key. */
  readonly inGroup: boolean;
  readonly detail: string;
}

export interface StatusReport {
  readonly group:
    | {
        readonly kid: string;
        readonly groupKey: string;
        readonly version: number;
        readonly epoch?: number;
        readonly threshold: number;
        readonly maxSigners: number;
        readonly ceremony?: { kind: string; at: string };
        readonly approvals?: number;
        readonly guardians: { name: string; kid: string }[];
      }
    | undefined;
  readonly signers: SignerHealth[];
  readonly healthy: boolean;
}

/**
 * Registers `status` on `program`.
 *
 * @example
 * ```ts
 * registerStatus(program, io);
 * ```
 */
export function registerStatus(program: Command, io: CliIo): void {
  withConvention(program.command('status'), { format: {} })
    .description(
      'group key and kid, guardians, and each signer’s health (Info over mTLS); exit code 11 when not all is well',
    )
    .requiredOption('--coordinator-config <path>', 'coordinator configuration')
    .action(async (options: StatusOptions) => {
      const report = await status(options);
      const env = {
        FROSTMINT_HEALTHY: report.healthy,
        FROSTMINT_KID: report.group?.kid ?? '',
        FROSTMINT_READY_SIGNERS: report.signers.filter((s) => s.ready && s.inGroup).length,
      };
      io.stdout(renderResult({ text: describe(report), json: report, env }, options.format!));
      if (!report.healthy) {
        throw reportedFailure(
          'status_unhealthy',
          ExitCode.unhealthy,
          'not every signer is ready with the group key: see the report above',
        );
      }
    });
}

/**
 * Reads the coordinator's signed group configuration and asks every signer for `Info`.
 *
 * @example
 * ```ts
 * const { healthy, signers } = await status({ coordinatorConfig: 'coordinator.json' });
 * ```
 */
export async function status(options: StatusOptions): Promise<StatusReport> {
  const coordinator = await readCoordinatorConfig(options.coordinatorConfig);
  const group = await currentGroupConfig(coordinator);
  const pool = ceremonyPool(coordinator, 3_000);
  try {
    const signers = await Promise.all(
      coordinator.signers.map(async (s): Promise<SignerHealth> => {
        try {
          const info = await pool.call(s.id, 'info', {});
          return {
            id: s.id,
            address: s.address,
            reachable: true,
            ready: info.ready,
            kid: info.kid,
            inGroup: group !== undefined && info.kid === group.kid,
            detail: info.detail,
          };
        } catch (err) {
          const detail = (err as Error).message;
          return {
            id: s.id,
            address: s.address,
            reachable: false,
            ready: false,
            kid: '',
            inGroup: false,
            detail,
          };
        }
      }),
    );
    const healthy = group !== undefined && signers.every((s) => s.ready && s.inGroup);
    return { group: group && groupSummary(group), signers, healthy };
  } finally {
    pool.close();
  }
}

function groupSummary(group: GroupConfig): NonNullable<StatusReport['group']> {
  const common = {
    kid: group.kid,
    groupKey: group.groupKey,
    version: group.version,
    threshold: group.threshold,
    maxSigners: group.maxSigners,
  };
  if (group.version === 1) return { ...common, guardians: [] };
  return {
    ...common,
    epoch: group.epoch,
    ceremony: { kind: group.ceremony.kind, at: group.ceremony.at },
    approvals: group.guardians.approvals,
    guardians: group.guardians.keys.map((g) => ({ name: g.name, kid: g.approvalKey.kid })),
  };
}

function describe(report: StatusReport): string {
  const g = report.group;
  const lines = g
    ? [
        `Group key   ${g.kid}  (x = ${g.groupKey})`,
        `Threshold   ${g.threshold} of ${g.maxSigners}` +
          (g.epoch !== undefined
            ? `, epoch ${g.epoch} (last ceremony: ${g.ceremony?.kind} at ${g.ceremony?.at})`
            : ', legacy unsigned configuration'),
        `Guardians   ${g.guardians.map((x) => `${x.name} (${x.kid})`).join(', ') || 'none (dev)'}` +
          (g.approvals !== undefined ? `; ${g.approvals} approval(s) per ceremony` : ''),
      ]
    : ['Group key   none yet: run `frostmint-guardian ceremony dkg`'];
  lines.push('Signers');
  for (const s of report.signers) {
    const state = !s.reachable
      ? 'UNREACHABLE'
      : !s.ready
        ? 'NOT READY'
        : s.inGroup
          ? 'ready'
          : 'OTHER KEY';
    lines.push(`  ${s.id}  ${s.address.padEnd(21)} ${state.padEnd(11)} ${s.detail}`);
  }
  lines.push(
    report.healthy
      ? 'All signers are ready with the group key.'
      : 'Attention: not all is well (exit code 11).',
  );
  return `${lines.join('\n')}\n`;
}
