import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

/**
 * Every workspace not marked private (what `npm publish --workspaces` publishes), as folder
 * names relative to the repository root.
 *
 * @example
 * ```ts
 * await publicWorkspaces(); // ['proto', 'core', 'coordinator', ...]
 * ```
 */
export async function publicWorkspaces(): Promise<string[]> {
  const { workspaces } = (await readJson(join(REPO, 'package.json'))) as { workspaces: string[] };
  const manifests = await Promise.all(
    workspaces.map(async (w) => ({ w, pkg: await readJson(join(REPO, w, 'package.json')) })),
  );
  return manifests.filter(({ pkg }) => !pkg.private).map(({ w }) => w);
}

/**
 * What a user of the published packages gets: `npm pack` of every public workspace (from the
 * current `dist/`, so build first), the tarballs installed with `--omit=dev` into a new
 * project `<dir>/app`. Returns the project's path. Takes about a minute (registry
 * dependencies, the pkcs11js native build).
 *
 * @example
 * ```ts
 * const app = await installPacked(await mkdtemp(join(tmpdir(), 'frostmint-packed-')));
 * ```
 */
export async function installPacked(dir: string): Promise<string> {
  const app = join(dir, 'app');
  const tarballs = join(dir, 'tarballs');
  await mkdir(app, { recursive: true });
  await mkdir(tarballs, { recursive: true });
  const workspaces = await publicWorkspaces();
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '--pack-destination', tarballs, ...workspaces.flatMap((w) => ['-w', w])],
    { cwd: REPO, maxBuffer: 64 * 1024 * 1024 },
  );
  const packed = (JSON.parse(stdout) as { filename: string }[]).map((p) =>
    join(tarballs, p.filename),
  );
  await writeFile(join(app, 'package.json'), '{ "name": "scratch", "private": true }\n');
  await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', ...packed], {
    cwd: app,
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return app;
}
