import {
  CliError,
  type ConventionOptions,
  errorLine,
  usageError,
  withConvention,
} from '@frostmint/client/cli-kit';
import { Command, Option } from 'commander';
import { count, groupKeysFromJwks, witnessVerifiers } from './keys.ts';
import { LogMonitor, type Observed } from './monitor-state.ts';
import { logPrefix, originOption } from './options.ts';
import { TileLog } from './tiles.ts';

/** The options `tail` and `monitor` share: where the log is, whom to trust, how often. */
export interface FollowOptions extends ConventionOptions {
  log?: string;
  jwks?: string;
  origin: string;
  witness: string[];
  minWitnesses?: number;
  interval: number;
  once?: boolean;
}

/**
 * A `tail`/`monitor` command with the shared options: `--coordinator` / `--log`, `--jwks`
 * (default the coordinator's), `--origin`, `--witness`, `--min-witnesses`, `--interval`,
 * `--once`.
 *
 * @example
 * ```ts
 * const monitor = followCommand('monitor').description('…').action(…);
 * ```
 */
export function followCommand(name: string): Command {
  return withConvention(new Command(name), {
    coordinator: 'optional',
    format: { formats: ['text', 'json'] },
  })
    .option('--log <url>', 'the tiled log (C2SP tlog-tiles) prefix; default <coordinator>/audit/')
    .option('--jwks <file|url>', "the group's JWKS; default <coordinator>/.well-known/jwks.json")
    .addOption(originOption())
    .option(
      '--witness <vkey>',
      'a trusted witness verifier key (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option('--min-witnesses <n>', 'witness cosignatures every checkpoint needs (default 0)', count)
    .addOption(
      new Option('--interval <seconds>', 'how often to read the checkpoint')
        .argParser(seconds)
        .default(5),
    )
    .option('--once', 'read the current checkpoint once, print, and exit');
}

/**
 * The monitor state for a follow command's options (the JWKS is read once, at start).
 *
 * @example
 * ```ts
 * const monitor = await monitorFor(options);
 * ```
 */
export async function monitorFor(options: FollowOptions): Promise<LogMonitor> {
  if (!options.log && !options.coordinator) {
    throw usageError('no log: pass --coordinator <url> (or $FROSTMINT_COORDINATOR) or --log <url>');
  }
  const jwks = options.jwks ?? jwksOf(options.coordinator);
  if (!jwks) throw usageError('pass --jwks with --log (or --coordinator)');
  const witnesses = witnessVerifiers(options.witness);
  const minWitnesses = options.minWitnesses ?? 0;
  if (minWitnesses > witnesses.length) {
    throw usageError(`--min-witnesses ${minWitnesses} but only ${witnesses.length} --witness`);
  }
  return new LogMonitor(new TileLog(logPrefix(options)), {
    origin: options.origin,
    groupKeys: await groupKeysFromJwks(jwks),
    witnesses,
    minWitnesses,
  });
}

/**
 * One observation of the follow loop. While following, a log that cannot be read right now
 * (`audit_log_unreachable`) is a warning on stderr and `undefined` — the monitor keeps the
 * checkpoints it saw; with `--once`, and for anything else (a fork), it throws.
 *
 * @example
 * ```ts
 * const observed = await observe(monitor, options);
 * ```
 */
export async function observe(
  monitor: LogMonitor,
  options: Pick<FollowOptions, 'once'>,
): Promise<Observed | undefined> {
  try {
    return await monitor.observe();
  } catch (err) {
    if (options.once || !(err instanceof CliError) || err.code !== 'audit_log_unreachable') {
      throw err;
    }
    process.stderr.write(errorLine('frostmint', 'warning', `${err.message}; retrying`));
    return undefined;
  }
}

/** Sleeps `seconds` (the follow loop's pace). */
export function pause(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

function jwksOf(coordinator: string | undefined): string | undefined {
  return coordinator ? new URL('.well-known/jwks.json', coordinator).href : undefined;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.05 || n > 3600) {
    throw usageError(`--interval: between 0.05 and 3600 seconds, not ${value}`);
  }
  return n;
}
