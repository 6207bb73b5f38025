import type { Command } from 'commander';

/** One `frostmint` subcommand: its one-line summary, and how to load it. */
export interface SubcommandEntry {
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

/**
 * The `frostmint` subcommands, each loaded only when it runs (or its help is asked for):
 * `frostmint --help` and `--version` load commander and nothing else, so they start in about
 * the time of a bare `node` (see `cli_help_ms` in `npm run bench`). A new command is one
 * more entry here; the conformance test (test/integration/cli-conformance.test.ts) finds it.
 */
export const SUBCOMMANDS: Readonly<Record<string, SubcommandEntry>> = {
  mint: {
    summary: 'mint a short-lived token, approved with a passkey tap',
    load: async () => (await import('./mint.ts')).mintCommand(),
  },
  enroll: {
    summary: 'enroll a passkey or security key',
    load: async () => (await import('./enroll.ts')).enrollCommand(),
  },
  renew: {
    summary: 'renew your passkey enrollment before it expires',
    load: async () => (await import('./renew.ts')).renewCommand(),
  },
  dev: {
    summary: 'run the local demo stack (3 signers + coordinator), mint and verify a token',
    load: async () => (await import('./dev.ts')).devCommand(),
  },
  attest: {
    summary: 'SEV-SNP attestation tools',
    load: async () => (await import('./attest.ts')).attestCommand(),
  },
  dpop: {
    summary: 'DPoP (RFC 9449) proofs for sender-constrained tokens',
    load: async () => (await import('./dpop.ts')).dpopCommand(),
  },
  audit: {
    summary: 'transparency log: verify a receipt, tail entries, monitor checkpoints for forks',
    load: async () => (await import('./audit/index.ts')).auditCommand(),
  },
  'mint-ci': {
    summary: "exchange this CI job's OIDC ID token for a token (non-interactive)",
    load: async () => (await import('./mint-ci.ts')).mintCiCommand(),
  },
};
