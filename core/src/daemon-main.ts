import { FrostmintError } from './errors.ts';

/**
 * The shared `main` of the frostmint daemons: `--config <file>` (or `--help`), start,
 * stop cleanly on SIGINT/SIGTERM, and a one-line typed error (no stack) on failure.
 *
 * @example
 * ```ts
 * runDaemon('frostmint-signer', 'Runs one FROST signer daemon.', async (configPath) => startSigner(...));
 * ```
 */
export function runDaemon(
  name: string,
  about: string,
  start: (configPath: string) => Promise<{ close(): Promise<void> }>,
): void {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--config');
  if (argv.includes('--help') || at < 0 || !argv[at + 1]) {
    console.log(`usage: ${name} --config <file.json>\n\n${about}`);
    process.exit(argv.includes('--help') ? 0 : 2);
  }
  start(argv[at + 1]!).then(
    (daemon) => {
      const stop = () => void daemon.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      const message = err instanceof FrostmintError ? `${err.code}: ${err.message}` : String(err);
      console.error(`${name}: ${message}`);
      process.exit(1);
    },
  );
}
