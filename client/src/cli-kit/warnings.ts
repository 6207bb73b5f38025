import type { Command } from 'commander';

/** Where each program's warnings go (set by `runCli`; stderr by default). */
const sinks = new WeakMap<Command, (text: string) => void>();

/**
 * Routes the warnings of `program` (and its subcommands) to `write`.
 *
 * @example
 * ```ts
 * setWarningSink(program, (text) => io.stderr(text));
 * ```
 */
export function setWarningSink(program: Command, write: (text: string) => void): void {
  sinks.set(program, write);
}

/**
 * Prints `<bin>: warning: <old> is deprecated: use <new>` once, on stderr.
 *
 * @example
 * ```ts
 * warnDeprecated(command, '--json', '--format json');
 * ```
 */
export function warnDeprecated(command: Command, old: string, use: string): void {
  let root = command;
  while (root.parent) root = root.parent;
  const write = sinks.get(root) ?? ((text: string) => process.stderr.write(text));
  write(
    `${root.name()}: warning: ${old} is deprecated and goes away in the next release: use ${use}\n`,
  );
}
