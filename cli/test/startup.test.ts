import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MAIN = new URL('../dist/main.js', import.meta.url).href;
const VERSION = (await import('../package.json', { with: { type: 'json' } })).default.version;

/**
 * Runs the built CLI in a node that prints, on exit, every CommonJS module it loaded (the
 * heavy dependencies, grpc-js, sodium-native, pino, fastify, are CommonJS).
 */
async function loadedModules(args: string[]): Promise<{ stdout: string; loaded: string[] }> {
  const script = `
    import { createRequire } from 'node:module';
    process.argv = [process.execPath, 'frostmint', ...${JSON.stringify(args)}];
    process.on('exit', () => {
      process.stderr.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));
    });
    await import(${JSON.stringify(MAIN)});`;
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  return { stdout, loaded: JSON.parse(stderr) as string[] };
}

describe('frostmint start-up (built CLI)', () => {
  it('--help lists every subcommand and loads commander alone (and its package.json)', async () => {
    const { stdout, loaded } = await loadedModules(['--help']);
    for (const name of ['mint', 'enroll', 'renew', 'dev', 'attest', 'mint-ci']) {
      expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    const others = loaded.filter((path) => !path.includes('/commander/'));
    expect(others).toEqual([fileURLToPath(new URL('../package.json', import.meta.url))]);
  });

  it('--version prints the package version', async () => {
    expect((await loadedModules(['--version'])).stdout.trim()).toBe(VERSION);
  });

  it('loads a subcommand when it runs: mint-ci --help, dev --help (which needs gRPC)', async () => {
    expect((await loadedModules(['mint-ci', '--help'])).stdout).toContain(
      'Usage: frostmint mint-ci',
    );
    const dev = await loadedModules(['dev', '--help']);
    expect(dev.stdout).toContain('Usage: frostmint dev');
    expect(dev.loaded.some((path) => path.includes('/@grpc/grpc-js/'))).toBe(true);
  });
});
