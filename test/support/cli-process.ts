import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FROSTMINT = fileURLToPath(new URL('../../cli/bin/frostmint.js', import.meta.url));

/** A running `frostmint` CLI process with its output collected. */
export interface CliRun {
  readonly child: ChildProcess;
  /** Resolves with the first tap URL the CLI prints on stderr. */
  readonly url: Promise<string>;
  /** Resolves with the IdP sign-in URL `frostmint enroll` prints after the registration. */
  readonly signInUrl: Promise<string>;
  /** What the CLI printed on stderr so far (its progress). */
  stderr(): string;
  /** Resolves when the process exits. */
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/**
 * Runs the `frostmint` CLI as a headless box would (no `$BROWSER`, no `$DISPLAY`), so it
 * prints the tap URL instead of opening a browser.
 */
export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const { BROWSER: _b, DISPLAY: _d, WAYLAND_DISPLAY: _w, ...base } = process.env;
  const child = spawn(process.execPath, [FROSTMINT, ...args], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  /** The first match of `pattern` (group 1) in what the CLI prints on stderr. */
  const printed = (pattern: RegExp) => {
    const found = new Promise<string>((resolve, reject) => {
      const look = () => {
        const match = pattern.exec(stderr);
        if (match) resolve(match[1]!);
      };
      child.stderr!.on('data', look);
      look();
      child.on('exit', () => reject(new Error(`CLI exited before printing ${pattern}: ${stderr}`)));
    });
    found.catch(() => {});
    return found;
  };
  const url = printed(/(https?:\/\/\S+\/tap\/\S+)/);
  const signInUrl = printed(/to sign in:\s+(https?:\/\/\S+)/);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, url, signInUrl, done, stderr: () => stderr };
}
