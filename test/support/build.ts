import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BUILD = fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url));

/**
 * Vitest global setup: brings every workspace's `dist/` up to date before any test file runs,
 * because tests spawn the built daemons and CLIs (`npx vitest run <file>` alone works from a
 * clean checkout). Incremental: ~1-3 s when nothing changed.
 */
export default async function build(): Promise<void> {
  await promisify(execFile)(process.execPath, [BUILD], { timeout: 600_000 }).catch(
    (err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`npm run build failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
    },
  );
}
