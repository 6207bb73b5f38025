import { type ConfigProblem, formatProblem } from './config-check.ts';
import { FrostmintError } from './errors.ts';

/** A daemon's `--check-config`: every problem of the configuration at a path (none = ok). */
export type ConfigChecker = (configPath: string) => Promise<ConfigProblem[]>;

/**
 * The shared `main` of the frostmint daemons: `--config <file>` (or `--help`), start,
 * stop cleanly on SIGINT/SIGTERM, and a one-line typed error (no stack) on failure.
 * With `--check-config` it starts nothing: it prints every problem of the configuration
 * (one per line) and exits 1, or prints `ok` and exits 0.
 *
 * @example
 * ```ts
 * runDaemon('frostmint-signer', 'Runs one FROST signer daemon.', async (configPath) => startSigner(...), checkSignerConfig);
 * ```
 */
export function runDaemon(
  name: string,
  about: string,
  start: (configPath: string) => Promise<{ close(): Promise<void> }>,
  check: ConfigChecker,
): void {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--config');
  if (argv.includes('--help') || at < 0 || !argv[at + 1]) {
    console.log(
      `usage: ${name} --config <file.json> [--check-config]\n\n${about}\n\n` +
        '  --check-config  check the configuration and the files it names (TLS certificates\n' +
        '                  and their names, keys, policy, vault), print every problem, start nothing',
    );
    process.exit(argv.includes('--help') ? 0 : 2);
  }
  const fail = (err: unknown) => {
    const message = err instanceof FrostmintError ? `${err.code}: ${err.message}` : String(err);
    console.error(`${name}: ${message}`);
    process.exit(1);
  };
  if (argv.includes('--check-config')) {
    check(argv[at + 1]!).then((problems) => {
      for (const problem of problems) console.error(`${name}: ${formatProblem(problem)}`);
      if (problems.length > 0) process.exit(1);
      console.log('ok');
    }, fail);
    return;
  }
  start(argv[at + 1]!).then((daemon) => {
    const stop = () => void daemon.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }, fail);
}

/**
 * The shared `main` of the daemons' container health probes (`healthcheck.js --config
 * <file>`): runs `probe`, which resolves to undefined when healthy or to the reason it is
 * not; exits 0 when healthy, 1 (reason on stderr) when not, 2 on usage errors.
 *
 * @example
 * ```ts
 * runHealthcheck(async (path) => ((await grpcHealthCheck(addressOf(path))) === 'SERVING' ? undefined : 'not serving'));
 * ```
 */
export function runHealthcheck(probe: (configPath: string) => Promise<string | undefined>): void {
  const at = process.argv.indexOf('--config');
  const path = at >= 0 ? process.argv[at + 1] : undefined;
  if (!path) {
    console.error('usage: healthcheck --config <file.json>');
    process.exit(2);
  }
  probe(path).then(
    (problem) => {
      if (problem) console.error(`healthcheck: ${problem}`);
      process.exit(problem ? 1 : 0);
    },
    (err: unknown) => {
      const message = err instanceof FrostmintError ? `${err.code}: ${err.message}` : String(err);
      console.error(`healthcheck: ${message}`);
      process.exit(1);
    },
  );
}
