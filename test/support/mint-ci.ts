import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FROSTMINT = fileURLToPath(new URL('../../cli/bin/frostmint.js', import.meta.url));

/** How a `frostmint mint-ci` run ended. */
export interface MintCiRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Starts the real `frostmint mint-ci` binary with a clean environment plus `env`; `stderr()`
 * reads what it has said so far, `done` resolves when it exits.
 *
 * @example
 * ```ts
 * const run = await startMintCi(['--coordinator', url, '--scope', 'deploy:canary', '--aud', 'deploy-api']).done;
 * ```
 */
export function startMintCi(args: string[], env: Record<string, string> = {}) {
  let stderr = '';
  let child: ReturnType<typeof execFile> | undefined;
  const done = new Promise<MintCiRun>((resolve) => {
    child = execFile(
      process.execPath,
      [FROSTMINT, 'mint-ci', ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 },
      (err, stdout, finalStderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr: finalStderr });
      },
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
  });
  return { done, stderr: () => stderr };
}

/**
 * Runs `frostmint mint-ci` to completion.
 *
 * @example
 * ```ts
 * const { code, stdout } = await mintCi([...args], { FROSTMINT_ID_TOKEN: idToken });
 * ```
 */
export function mintCi(args: string[], env: Record<string, string> = {}): Promise<MintCiRun> {
  return startMintCi(args, env).done;
}
