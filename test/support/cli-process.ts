import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FROSTMINT = fileURLToPath(new URL('../../cli/bin/frostmint.js', import.meta.url));

/** A running `frostmint` CLI process with its output collected. */
export interface CliRun {
  readonly child: ChildProcess;
  /** Resolves with the first tap URL the CLI prints on stderr. */
  readonly url: Promise<string>;
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
  const url = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const match = /(https?:\/\/\S+\/tap\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.on('exit', () => reject(new Error(`CLI exited before printing a URL: ${stderr}`)));
  });
  url.catch(() => {});
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, url, done, stderr: () => stderr };
}
