import { runCli } from '@frostmint/client/cli-kit';
import { BIN, buildProgram, VERSION } from './program.ts';

const io = {
  stdout: (text: string) => process.stdout.write(text),
  stderr: (text: string) => process.stderr.write(text),
};
// `frostmint <name> ...` and `frostmint help <name>` load that subcommand; anything else
// (`--help`, `--version`, a typo) only needs the names and summaries.
const args = process.argv.slice(2);
const wanted = args[0] === 'help' ? args[1] : args[0];
const program = await buildProgram({ load: wanted ? [wanted] : [], io });
process.exitCode = await runCli(program, args, { bin: BIN, version: VERSION, io });
