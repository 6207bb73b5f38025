import { join } from 'node:path';
import { correlationMixin, resolveLogLevel, runDaemon, startDaemonTracing } from '@frostmint/core';
import { pino } from 'pino';
import { checkSignerConfig } from './check-config.ts';
import { loadSignerConfig } from './config.ts';
import { openVault } from './open-vault.ts';
import { startSigner } from './server.ts';
import { SIGNING_LOG_FILE, verifySigningLog } from './signing-log.ts';

const LOG_USAGE = `usage: frostmint-signer log verify (--config <file.json> | --state-dir <dir>)

Checks the signer's own log of what it signed and refused (<stateDir>/${SIGNING_LOG_FILE}):
sequence, hash chain and entry hashes. Prints the entry count and head hash; exits 1 when
the log is damaged.`;

if (process.argv[2] === 'log') {
  void logCommand(process.argv.slice(3)).then((code) => process.exit(code));
} else {
  runDaemon(
    'frostmint-signer',
    `Runs one FROST signer daemon (gRPC over mTLS). See docs/operators.md.\n\n${LOG_USAGE}`,
    async (path) => {
      const config = await loadSignerConfig(path);
      const log = pino({
        name: `signer-${config.id}`,
        level: resolveLogLevel(config.logLevel),
        mixin: correlationMixin,
      });
      const tracing = startDaemonTracing(
        config.tracing,
        {
          serviceName: 'frostmint-signer',
          attributes: { 'service.instance.id': `signer-${config.id}` },
        },
        log,
      );
      const signer = await startSigner({ config, vault: openVault(config, log), log });
      return {
        close: async () => {
          await signer.close();
          await tracing?.shutdown();
        },
      };
    },
    checkSignerConfig,
  );
}

/** `frostmint-signer log verify …`; returns the exit code. */
async function logCommand(argv: string[]): Promise<number> {
  const flag = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const config = flag('--config');
  const stateDir = flag('--state-dir') ?? (config && (await loadSignerConfig(config)).stateDir);
  if (argv[0] !== 'verify' || !stateDir) {
    console.log(LOG_USAGE);
    return argv.includes('--help') ? 0 : 2;
  }
  const path = join(stateDir, SIGNING_LOG_FILE);
  const check = await verifySigningLog(path);
  if (!check.ok) {
    console.error(`${path}: damaged after ${check.entries} good entries: ${check.error}`);
    return 1;
  }
  const torn = check.tornBytes ? ` (an unfinished last write of ${check.tornBytes} bytes)` : '';
  console.log(`${path}: ok, ${check.entries} entries, head ${check.head}${torn}`);
  return 0;
}
