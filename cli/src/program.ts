import { createRequire } from 'node:module';
import { applyConvention, type CliOutput } from '@frostmint/client/cli-kit';
import { Command } from 'commander';
import { SUBCOMMANDS } from './commands/table.ts';

/** The `frostmint` package version (`--version`). */
export const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;

/** The binary's name, as errors and warnings start. */
export const BIN = 'frostmint';

/**
 * The `frostmint` command tree with the CLI convention applied (docs/cli.md). `load` names
 * the subcommands to load fully (`'all'` for every one, e.g. the conformance test); the
 * others are only a name and a summary, enough for `frostmint --help`.
 *
 * @example
 * ```ts
 * const program = await buildProgram({ load: ['mint-ci'], io });
 * ```
 */
export async function buildProgram(options: {
  load: 'all' | readonly string[];
  io: CliOutput;
}): Promise<Command> {
  const program = new Command(BIN).description(
    'frostmint: short-lived, scoped EdDSA tokens signed by a 2-of-3 FROST quorum',
  );
  for (const [name, { summary, load }] of Object.entries(SUBCOMMANDS)) {
    const wanted = options.load === 'all' || options.load.includes(name);
    program.addCommand(
      wanted ? (await load()).summary(summary) : new Command(name).summary(summary),
    );
  }
  return applyConvention(program, { bin: BIN, version: VERSION, io: options.io });
}
