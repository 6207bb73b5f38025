import type { Command } from 'commander';
import { failureOf } from './errors.ts';
import { EXIT, type ExitCode, exitCodesHelp } from './exit-codes.ts';
import { setWarningSink } from './warnings.ts';

/** Where a binary writes: results on stdout; progress, warnings and errors on stderr. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** How `runCli` runs a binary. */
export interface RunCliOptions {
  /** The binary's name as the user types it (`frostmint`, `frostmint-guardian`). */
  readonly bin: string;
  readonly version: string;
  readonly io: CliOutput;
  /** Extra advice per exit code, appended to the error line (`; hint: …`). */
  readonly hints?: Partial<Record<ExitCode, string>>;
}

/**
 * Applies the convention to a command tree: `-V, --version` on every command, errors
 * thrown (not `process.exit`) and printed by `runCli` only, output routed to `io`, the
 * exit-code table in the root's `--help` and a pointer to it in every subcommand's.
 *
 * @example
 * ```ts
 * applyConvention(program, { bin: 'frostmint', version, io });
 * ```
 */
export function applyConvention(program: Command, options: RunCliOptions): Command {
  setWarningSink(program, (text) => options.io.stderr(text));
  program.addHelpText('after', exitCodesHelp());
  for (const command of allCommands(program)) {
    if (command.version() === undefined) command.version(options.version, '-V, --version');
    command
      .exitOverride()
      .configureOutput({
        writeOut: (text) => options.io.stdout(text),
        writeErr: (text) => options.io.stderr(text),
        outputError: () => {},
      })
      .showHelpAfterError(false);
    if (command !== program) {
      command.addHelpText('after', `\nExit codes: see \`${options.bin} --help\` or docs/cli.md.`);
    }
  }
  return program;
}

/**
 * Runs a command tree with `argv` (without node and script) and returns the exit code. A
 * failure prints one line on stderr, `<bin>: <code>: <what to do>`; with `--format json`
 * (or the deprecated `--json`) also `{"error", "message", "exitCode"}` on stdout.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(applyConvention(program, opts), process.argv.slice(2), opts);
 * ```
 */
export async function runCli(
  program: Command,
  argv: readonly string[],
  options: RunCliOptions,
): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    const commander = commanderError(err);
    if (commander) {
      if (commander.exitCode === 0) return EXIT.ok;
      const path = [options.bin, ...commandPathOf(program, argv)].join(' ');
      const what = commander.code.startsWith('commander.help')
        ? `${path} needs a subcommand`
        : commander.message.replace(/^error: /, '');
      options.io.stderr(errorLine(options.bin, 'usage', `${what}: see \`${path} --help\``));
      return EXIT.usage;
    }
    const failure = failureOf(err);
    if (wantsJson(argv) && !failure.reported) {
      const { code: error, message, exitCode } = failure;
      options.io.stdout(`${JSON.stringify({ error, message, exitCode })}\n`);
    }
    const hint = options.hints?.[failure.exitCode];
    options.io.stderr(
      errorLine(
        options.bin,
        failure.code,
        hint ? `${failure.message}; hint: ${hint}` : failure.message,
      ),
    );
    return failure.exitCode;
  }
}

/**
 * The one error line style: `<bin>: <code>: <what to do>` (one line, newline-terminated).
 *
 * @example
 * ```ts
 * errorLine('frostmint', 'policy_denied', 'ask for fewer scopes'); // "frostmint: policy_denied: ask for fewer scopes\n"
 * ```
 */
export function errorLine(bin: string, code: string, message: string): string {
  return `${bin}: ${code}: ${message.replace(/\s*\n\s*/g, ' ').trim()}\n`;
}

/**
 * Every command of a tree that runs something (no subcommands), as its path of names
 * below the root; the conformance test walks it.
 *
 * @example
 * ```ts
 * leafCommands(program); // [['mint'], ['attest', 'verify'], …]
 * ```
 */
export function leafCommands(program: Command): string[][] {
  const out: string[][] = [];
  const walk = (command: Command, path: string[]) => {
    if (command.commands.length === 0) out.push(path);
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return out.filter((path) => path.length > 0);
}

function allCommands(program: Command): Command[] {
  return [program, ...program.commands.flatMap((sub) => allCommands(sub))];
}

/** The names in `argv` that select subcommands of `program`, e.g. `['ceremony', 'plan']`. */
function commandPathOf(program: Command, argv: readonly string[]): string[] {
  const path: string[] = [];
  let command = program;
  for (const word of argv) {
    if (word.startsWith('-')) break;
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    path.push(sub.name());
    command = sub;
  }
  return path;
}

/** A commander error (thrown under `exitOverride`), recognised by shape: each package may load its own commander copy. */
function commanderError(
  err: unknown,
): { code: string; exitCode: number; message: string } | undefined {
  const e = err as { code?: unknown; exitCode?: unknown; message?: unknown } | null;
  if (typeof e?.code !== 'string' || !e.code.startsWith('commander.')) return undefined;
  return { code: e.code, exitCode: Number(e.exitCode ?? 1), message: String(e.message ?? '') };
}

function wantsJson(argv: readonly string[]): boolean {
  return argv.some(
    (arg, i) =>
      arg === '--json' || arg === '--format=json' || (arg === '--format' && argv[i + 1] === 'json'),
  );
}
