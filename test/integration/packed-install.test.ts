// What a user of the published packages gets (test/support/packed-install.ts): every public
// workspace packed, the tarballs installed without devDependencies into a scratch project
// outside the repository, and there only plain `node` and the installed bins.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPacked, publicWorkspaces, REPO } from '../support/packed-install.ts';

const run = promisify(execFile);
const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

// The SDK as a service would use it: ESM `import` and CommonJS `require` from plain node.
const VERIFY_BODY = `
const [issuer, audience, token] = process.argv.slice(2);
const verifier = createVerifier({ issuer, audience, jwksUri: issuer + '/.well-known/jwks.json' });
verifier
  .verify(token, { requiredScopes: ['deploy:canary'] })
  .then(({ claims }) => console.log(JSON.stringify(claims)))
  .catch((err) => { console.error(err.code + ': ' + err.message); process.exitCode = 1; })
  .finally(() => verifier.close());
`;
const VERIFY_ESM = `import { createVerifier } from '@frostmint/sdk';\n${VERIFY_BODY}`;
const VERIFY_CJS = `const { createVerifier } = require('@frostmint/sdk');\n${VERIFY_BODY}`;

let dir: string;
let app: string;
let dev: ChildProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'frostmint-packed-'));
  app = await installPacked(dir);
}, 900_000);

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev!.once('exit', resolve));
    dev.kill('SIGINT'); // Ctrl-C: the dev stack stops its daemons
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed packages, installed outside the repository', () => {
  it('installed every public package and no development tooling', async () => {
    expect(app.startsWith(REPO)).toBe(false);
    for (const w of await publicWorkspaces()) {
      const { name } = await readJson(join(REPO, w, 'package.json'));
      expect(existsSync(join(app, 'node_modules', name, 'package.json')), name).toBe(true);
    }
    for (const devOnly of ['tsx', 'typescript', 'vitest', '@biomejs/biome']) {
      expect(existsSync(join(app, 'node_modules', devOnly)), devOnly).toBe(false);
    }
  });

  it('versions the public packages together: one version, internal dependencies pinned to it', async () => {
    const manifests = await Promise.all(
      (await publicWorkspaces()).map((w) => readJson(join(REPO, w, 'package.json'))),
    );
    const versions = new Set(manifests.map((m) => m.version));
    expect([...versions]).toHaveLength(1);
    for (const m of manifests) {
      for (const [dep, range] of Object.entries({ ...m.dependencies })) {
        if (dep.startsWith('@frostmint/')) expect(range, `${m.name} → ${dep}`).toBe(m.version);
      }
      expect(m.files, m.name).toBeDefined();
    }
  });

  it('runs the installed CLIs: --version and mint-ci --help', async () => {
    const bin = (name: string) => join(app, 'node_modules', '.bin', name);
    const { version } = await readJson(join(REPO, 'cli', 'package.json'));
    expect((await run(bin('frostmint'), ['--version'], { cwd: app })).stdout.trim()).toBe(version);
    expect((await run(bin('frostmint-guardian'), ['--version'], { cwd: app })).stdout.trim()).toBe(
      version,
    );
    const help = await run(bin('frostmint'), ['mint-ci', '--help'], { cwd: app });
    expect(help.stdout).toContain('Usage: frostmint mint-ci');
    expect(help.stdout).toContain('--id-token-file');
  });

  it('mints with the installed `frostmint dev` stack and verifies the token with the SDK from plain node (ESM and CommonJS)', async () => {
    dev = spawn(
      join(app, 'node_modules', '.bin', 'frostmint'),
      ['dev', '--state-dir', join(dir, 'dev-state'), '--port', '0'],
      { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    dev.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await new Promise<void>((resolve, reject) => {
      dev!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('press Ctrl-C to stop')) resolve();
      });
      dev!.once('exit', (code) => reject(new Error(`frostmint dev exited (${code}):\n${out}`)));
    });
    const issuer = /coordinator (http:\/\/\S+),/.exec(out)?.[1];
    const bearer = /FROSTMINT_DEV_BEARER=(\S+)/.exec(out)?.[1];
    expect(issuer, out).toBeDefined();
    expect(bearer, out).toBeDefined();

    const res = await fetch(`${issuer}/v1/mint`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ scope: ['deploy:canary'], audience: 'deploy-api' }),
    });
    const { token } = (await res.json()) as { token: string };
    expect(res.status).toBe(200);

    await writeFile(join(app, 'verify.mjs'), VERIFY_ESM);
    await writeFile(join(app, 'verify.cjs'), VERIFY_CJS);
    for (const script of ['verify.mjs', 'verify.cjs']) {
      const { stdout, stderr } = await run(
        process.execPath,
        [script, issuer!, 'deploy-api', token],
        { cwd: app },
      );
      const claims = JSON.parse(stdout) as { iss: string; scope: string; aud: string };
      expect(claims, script).toMatchObject({
        iss: issuer,
        scope: 'deploy:canary',
        aud: 'deploy-api',
      });
      expect(stderr, script).toBe('');
      // The same token for another audience is refused: the SDK really checks.
      const wrong = await run(process.execPath, [script, issuer!, 'billing-api', token], {
        cwd: app,
      }).catch((err: { code: number; stderr: string }) => err);
      expect('code' in wrong && wrong.code, script).toBe(1);
      expect(wrong.stderr, script).toContain('token_audience_invalid');
    }
  }, 300_000);
});
