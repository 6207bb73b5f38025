import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram as buildFrostmint, VERSION as FROSTMINT_VERSION } from '@frostmint/cli';
import { EXIT, leafCommands, runCli } from '@frostmint/client/cli-kit';
import {
  buildProgram as buildGuardian,
  VERSION as GUARDIAN_VERSION,
  run as runGuardian,
} from '@frostmint/guardian-cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CI_AUDIENCE, type OidcStack, startOidcStack } from '../support/oidc-stack.ts';

/**
 * The CLI convention (docs/cli.md), checked on every subcommand of both binaries as the
 * parsers define them: `--help`, `--version`, a usage error (exit 2, one error line
 * `<bin>: usage: …`) and, where a command prints results, `--format json` (one JSON
 * document on stdout: the result, or `{error, message, exitCode}` matching the exit code).
 */

/** A command tree as cli-kit walks it. */
type Command = Parameters<typeof leafCommands>[0];

const BINS = {
  frostmint: fileURLToPath(new URL('../../cli/bin/frostmint.js', import.meta.url)),
  'frostmint-guardian': fileURLToPath(
    new URL('../../cli/bin/frostmint-guardian.js', import.meta.url),
  ),
} as const;
type Bin = keyof typeof BINS;

const silent = { stdout: () => {}, stderr: () => {}, promptSecret: async () => undefined };
const TREES: Record<Bin, { program: Command; version: string }> = {
  frostmint: {
    program: await buildFrostmint({ load: 'all', io: silent }),
    version: FROSTMINT_VERSION,
  },
  'frostmint-guardian': {
    program: buildGuardian(silent),
    version: GUARDIAN_VERSION,
  },
};

/** `<bin>: <code>: <what to do>`: one line, a snake_case code, then words. */
const ERROR_LINE = /^(frostmint|frostmint-guardian): ([a-z0-9_]+): \S.*$/;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a real binary (built JavaScript, shebang entry) with a clean environment plus `env`. */
function run(bin: Bin, argv: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BINS[bin], ...argv],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

/**
 * Runs a binary's own command tree in this process, as its entry point does (`run` of
 * guardian-cli; `buildProgram` + `runCli` of cli's main.ts): parsing, help, version and
 * usage errors never reach an action, so this is the binary minus process start-up.
 */
async function runHere(bin: Bin, argv: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (t: string) => {
      stdout += t;
    },
    stderr: (t: string) => {
      stderr += t;
    },
    promptSecret: async () => undefined,
  };
  const code =
    bin === 'frostmint-guardian'
      ? await runGuardian(argv, io)
      : await runCli(await buildFrostmint({ load: 'all', io }), argv, {
          bin,
          version: FROSTMINT_VERSION,
          io,
        });
  return { code, stdout, stderr };
}

/** Runs `jobs` at most `limit` at a time (the machine is shared). */
async function pool<T>(jobs: (() => Promise<T>)[], limit = 4): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]!();
      }
    }),
  );
  return results;
}

function commandAt(program: Command, path: readonly string[]): Command {
  return path.reduce((c, name) => c.commands.find((s) => s.name() === name)!, program);
}

const printsResults = (bin: Bin, path: readonly string[]) =>
  commandAt(TREES[bin].program, path).options.some((o) => o.long === '--format');

const leaves = (Object.keys(TREES) as Bin[]).flatMap((bin) =>
  leafCommands(TREES[bin].program).map((path) => ({ bin, path })),
);

/** A last stderr line in the convention's style. */
function lastErrorLine(stderr: string): RegExpExecArray | null {
  return ERROR_LINE.exec(stderr.trimEnd().split('\n').at(-1) ?? '');
}

describe('CLI conformance: every subcommand of frostmint and frostmint-guardian', {
  timeout: 300_000,
}, () => {
  it('finds the subcommands in the parsers (no hand list)', () => {
    const names = leaves.map(({ bin, path }) => `${bin} ${path.join(' ')}`);
    for (const known of [
      'frostmint mint',
      'frostmint mint-ci',
      'frostmint attest verify',
      'frostmint-guardian approve',
      'frostmint-guardian ceremony plan',
      'frostmint-guardian webauthn bind',
    ]) {
      expect(names).toContain(known);
    }
    expect(leaves.length).toBeGreaterThanOrEqual(20);
  });

  it('--help exits 0 and shows the usage; --version prints the version', async () => {
    const results = await pool(
      leaves.flatMap(({ bin, path }) => [
        async () => ({ bin, path, what: '--help', run: await runHere(bin, [...path, '--help']) }),
        async () => ({
          bin,
          path,
          what: '--version',
          run: await runHere(bin, [...path, '--version']),
        }),
      ]),
    );
    for (const { bin, path, what, run: r } of results) {
      const label = `${bin} ${path.join(' ')} ${what}`;
      expect([label, r.code], r.stderr).toEqual([label, 0]);
      if (what === '--help') {
        expect(r.stdout, label).toContain(`Usage: ${bin} ${path.join(' ')}`);
        expect(r.stdout, label).toMatch(/Exit codes: see `frostmint(-guardian)? --help`/);
      } else {
        expect(r.stdout.trim(), label).toBe(TREES[bin].version);
      }
    }
  });

  it('a usage error exits 2 with one line `<bin>: usage: <what to do>`, nothing on stdout', async () => {
    const results = await pool(
      leaves.map(({ bin, path }) => async () => ({
        bin,
        path,
        run: await runHere(bin, [...path, '--no-such-option']),
      })),
    );
    for (const { bin, path, run: r } of results) {
      const label = `${bin} ${path.join(' ')} --no-such-option`;
      expect([label, r.code], r.stderr).toEqual([label, EXIT.usage]);
      expect(r.stdout, label).toBe('');
      const line = lastErrorLine(r.stderr);
      expect(line?.slice(1, 3), `${label}: ${r.stderr}`).toEqual([bin, 'usage']);
      expect(r.stderr, label).toContain(`see \`${bin} ${path.join(' ')} --help\``);
    }
  });

  it('a subcommand group without its subcommand is a usage error too', async () => {
    for (const [bin, group] of [
      ['frostmint', 'attest'],
      ['frostmint-guardian', 'ceremony'],
    ] as const) {
      const r = await runHere(bin, [group]);
      expect(r.code).toBe(EXIT.usage);
      expect(lastErrorLine(r.stderr)?.[2]).toBe('usage');
    }
  });

  it('the real executables behave the same (one subcommand each)', async () => {
    for (const [bin, sub] of [
      ['frostmint', 'mint'],
      ['frostmint-guardian', 'status'],
    ] as const) {
      const [help, version, usage] = await Promise.all([
        run(bin, [sub, '--help']),
        run(bin, [sub, '--version']),
        run(bin, [sub, '--no-such-option']),
      ]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: ${bin} ${sub}`);
      expect(version).toMatchObject({ code: 0, stdout: `${TREES[bin].version}\n` });
      expect(usage.code).toBe(EXIT.usage);
      expect(lastErrorLine(usage.stderr)?.slice(1, 3)).toEqual([bin, 'usage']);
    }
  });

  describe('--format json against one real local stack', () => {
    let work: string;
    let env: OidcStack;
    let cases: Record<string, { argv: string[]; env?: Record<string, string>; ok?: boolean }>;
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'frostmint-cli-conformance-'));
      env = await startOidcStack(work);
      const url = env.stack.coordinatorUrl;
      const coordinatorConfig = env.stack.layout.coordinatorConfigPath;
      const policy = join(fileURLToPath(new URL('../../policy/', import.meta.url)));
      const report = join(work, 'report.hex');
      await writeFile(report, '00'.repeat(16));
      const missing = join(work, 'missing.json');
      const mint = ['--scope', 'deploy:canary', '--aud', 'deploy-api'];
      // How to reach each result-printing command; a new one without a case fails below.
      cases = {
        'frostmint mint': { argv: ['--coordinator', url, '--user', 'nobody@example.com', ...mint] },
        'frostmint enroll': { argv: ['--coordinator', url, '--user', 'nobody@example.com'] },
        'frostmint renew': { argv: ['--coordinator', url, '--user', 'nobody@example.com'] },
        'frostmint mint-ci': {
          argv: ['--coordinator', url, ...mint],
          env: { FROSTMINT_ID_TOKEN: await env.issuer.issue({ aud: CI_AUDIENCE }) },
          ok: true,
        },
        'frostmint attest verify': { argv: ['--report', report, '--no-kds'] },
        'frostmint audit verify': { argv: ['--receipt', missing, '--jwks', missing] },
        'frostmint audit tail': { argv: ['--coordinator', url, '--once'] },
        'frostmint audit monitor': { argv: ['--coordinator', url, '--once'] },
        'frostmint audit export': { argv: ['--coordinator', url, '--out', join(work, 'export')] },
        'frostmint attest requester-data': {
          argv: ['--sub', 'repo:acme/app', '--aud', 'deploy-api', '--scope', 'deploy:canary'],
          ok: true,
        },
        'frostmint dpop proof': {
          argv: ['--htm', 'POST', '--htu', `${url}/v1/mint`, '--dpop-key', join(work, 'dpop.jwk')],
          ok: true,
        },
        'frostmint dpop thumbprint': { argv: ['--dpop-key', join(work, 'dpop.jwk')], ok: true },
        'frostmint-guardian token init': { argv: ['--label', 'x', '--module', missing] },
        'frostmint-guardian enroll': {
          argv: ['--name', 'x', '--module', missing, '--token-label', 'x'],
        },
        'frostmint-guardian ceremony plan': {
          argv: [
            '--kind',
            'refresh',
            '--coordinator-config',
            coordinatorConfig,
            '--out',
            join(work, 't.json'),
          ],
        },
        'frostmint-guardian ceremony approve': {
          argv: ['--transcript', missing, '--out', join(work, 'a.json')],
        },
        'frostmint-guardian ceremony dkg': {
          argv: ['--transcript', missing, '--coordinator-config', coordinatorConfig],
        },
        'frostmint-guardian ceremony refresh': {
          argv: ['--transcript', missing, '--coordinator-config', coordinatorConfig],
        },
        'frostmint-guardian ceremony replace-signer': {
          argv: ['--transcript', missing, '--coordinator-config', coordinatorConfig],
        },
        'frostmint-guardian policy pack': {
          argv: [
            '--wasm',
            join(policy, 'build/policy.wasm'),
            '--data',
            join(policy, 'data.json'),
            '--out',
            join(work, 'bundle.json'),
          ],
          ok: true,
        },
        'frostmint-guardian policy approve': { argv: ['--bundle', missing, '--module', missing] },
        'frostmint-guardian policy submit': { argv: ['--bundle', missing, '--coordinator', url] },
        'frostmint-guardian status': {
          argv: ['--coordinator-config', coordinatorConfig],
          ok: true,
        },
        'frostmint-guardian approve': { argv: ['--coordinator', url] },
        'frostmint-guardian deny': { argv: ['--coordinator', url] },
        'frostmint-guardian webauthn bind': { argv: ['--coordinator', url, '--module', missing] },
      };
    });
    afterAll(async () => {
      await env?.dispose();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('prints exactly one JSON document: the result, or the error with the exit code', async () => {
      const printing = leaves.filter(({ bin, path }) => printsResults(bin, path));
      const missingCases = printing
        .map(({ bin, path }) => `${bin} ${path.join(' ')}`)
        .filter((name) => !cases[name]);
      expect(missingCases, 'add a --format json case for these commands').toEqual([]);
      const results = await pool(
        printing.map(({ bin, path }) => async () => {
          const name = `${bin} ${path.join(' ')}`;
          const c = cases[name]!;
          return { name, c, r: await run(bin, [...path, ...c.argv, '--format', 'json'], c.env) };
        }),
      );
      for (const { name, c, r } of results) {
        const docs = r.stdout.trim().split('\n');
        expect([name, docs.length], r.stdout).toEqual([name, 1]);
        const doc = JSON.parse(docs[0]!) as Record<string, unknown>;
        if (c.ok) expect([name, r.code], r.stderr).toEqual([name, 0]);
        if (r.code === 0) {
          expect(doc.error, name).toBeUndefined();
        } else if ('exitCode' in doc) {
          expect(doc, name).toMatchObject({ exitCode: r.code, error: expect.any(String) });
          expect(r.code, name).not.toBe(EXIT.internal);
          expect(lastErrorLine(r.stderr)?.[2], `${name}: ${r.stderr}`).toBe(doc.error);
        } else {
          // A command that reports its own verdict (attest verify: not verified, exit 3).
          expect([name, r.code], r.stderr).toEqual([name, EXIT.refused]);
          expect(lastErrorLine(r.stderr), `${name}: ${r.stderr}`).not.toBeNull();
        }
      }
    });

    it('the coordinator is found through FROSTMINT_COORDINATOR, and the old FROSTMINT_URL with a warning', async () => {
      const idToken = () => env.issuer.issue({ aud: CI_AUDIENCE });
      const args = [
        'mint-ci',
        '--scope',
        'deploy:canary',
        '--aud',
        'deploy-api',
        '--format',
        'env',
      ];
      const current = await run('frostmint', args, {
        FROSTMINT_COORDINATOR: env.stack.coordinatorUrl,
        FROSTMINT_ID_TOKEN: await idToken(),
      });
      expect(current.code, current.stderr).toBe(0);
      expect(current.stderr).toBe('');
      expect(current.stdout).toMatch(/^export FROSTMINT_TOKEN='[\w-]+\.[\w-]+\.[\w-]+'$/m);
      const old = await run('frostmint', args, {
        FROSTMINT_URL: env.stack.coordinatorUrl,
        FROSTMINT_ID_TOKEN: await idToken(),
      });
      expect(old.code, old.stderr).toBe(0);
      expect(old.stderr).toBe(
        'frostmint: warning: $FROSTMINT_URL is deprecated and goes away in the next release: use $FROSTMINT_COORDINATOR\n',
      );
      const guardian = await run('frostmint-guardian', ['approve', '--format', 'json'], {
        FROSTMINT_COORDINATOR: env.stack.coordinatorUrl,
      });
      // This stack has no guardians: the coordinator serves no approval routes (404).
      expect(JSON.parse(guardian.stdout)).toMatchObject({ exitCode: EXIT.notFound });
    });
  });
});
