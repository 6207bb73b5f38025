import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The Go program serving gofakes3 (test/s3fake). */
const SOURCE = fileURLToPath(new URL('../../../test/s3fake', import.meta.url));

/** A running S3-protocol server (gofakes3, in memory) on a loopback port. */
export interface S3Fake {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Builds (`go build`, cached by Go) and starts test/s3fake with `bucket` created.
 *
 * @example
 * ```ts
 * const s3 = await startS3Fake(dir, 'audit');
 * const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, ... });
 * ```
 */
export async function startS3Fake(dir: string, bucket: string): Promise<S3Fake> {
  const binary = `${dir}/s3fake`;
  await promisify(execFile)('go', ['build', '-o', binary, '.'], { cwd: SOURCE, timeout: 240_000 });
  const child: ChildProcess = spawn(binary, ['-bucket', bucket], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /listening (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`s3fake exited with ${code}`)));
  });
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
