import { createRequire } from 'node:module';
import { Command } from 'commander';

/**
 * The subcommands, each loaded only when it runs (or its help is asked for): `frostmint
 * --help` and `--version` load commander and nothing else, so they start in about the time
 * of a bare `node` (see `cli_help_ms` in `npm run bench`).
 */
const SUBCOMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  mint: {
    summary: 'mint a short-lived token, approved with a passkey tap',
    load: async () => (await import('./commands/mint.ts')).mintCommand(),
  },
  enroll: {
    summary: 'enroll a passkey or security key',
    load: async () => (await import('./commands/enroll.ts')).enrollCommand(),
  },
  renew: {
    summary: 'renew your passkey enrollment before it expires',
    load: async () => (await import('./commands/renew.ts')).renewCommand(),
  },
  dev: {
    summary: 'run the local demo stack (3 signers + coordinator), mint and verify a token',
    load: async () => (await import('./commands/dev.ts')).devCommand(),
  },
  attest: {
    summary: 'SEV-SNP attestation tools',
    load: async () => (await import('./commands/attest.ts')).attestCommand(),
  },
  dpop: {
    summary: 'DPoP (RFC 9449) proofs for sender-constrained tokens',
    load: async () => (await import('./commands/dpop.ts')).dpopCommand(),
  },
  'mint-ci': {
    summary: "exchange this CI job's OIDC ID token for a token (non-interactive)",
    load: async () => (await import('./commands/mint-ci.ts')).mintCiCommand(),
  },
};

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
const program = new Command('frostmint')
  .description('frostmint: short-lived, scoped EdDSA tokens signed by a 2-of-3 FROST quorum')
  .version(version)
  .showHelpAfterError();

// `frostmint <name> ...` and `frostmint help <name>` load that subcommand; anything else
// (`--help`, `--version`, a typo) only needs the names and summaries.
const args = process.argv.slice(2);
const wanted = args[0] === 'help' ? args[1] : args[0];
for (const [name, { summary, load }] of Object.entries(SUBCOMMANDS)) {
  program.addCommand(
    name === wanted ? (await load()).summary(summary) : new Command(name).summary(summary),
  );
}

program.parseAsync(process.argv).catch(async (err: unknown) => {
  const { FrostmintError } = await import('@frostmint/core');
  const message =
    err instanceof FrostmintError ? `${err.code}: ${err.message}` : (err as Error).message;
  process.stderr.write(`frostmint: ${message}\n`);
  process.exit(1);
});
