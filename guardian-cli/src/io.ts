/**
 * The terminal as the CLI sees it. Results go to stdout; progress, prompts and errors to
 * stderr, so `--json` output can be piped. Tests pass their own implementation.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Asks for a secret without echoing it; `undefined` when there is no terminal to ask on. */
  promptSecret(question: string): Promise<string | undefined>;
  /** Asks a yes/no question; `undefined` when there is no terminal to ask on. */
  confirm?(question: string): Promise<boolean | undefined>;
}

/**
 * The process's terminal.
 *
 * @example
 * ```ts
 * process.exitCode = await run(process.argv.slice(2), processIo());
 * ```
 */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    promptSecret: (question) =>
      process.stdin.isTTY ? readHidden(question) : Promise.resolve(undefined),
    confirm: async (question) => {
      if (!process.stdin.isTTY) return undefined;
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return (await rl.question(question)).trim().toLowerCase() === 'yes';
      } finally {
        rl.close();
      }
    },
  };
}

/** Reads one line from the TTY in raw mode, echoing nothing. Ctrl-C aborts. */
function readHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}
