import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  applyConvention,
  CliError,
  type ConventionOptions,
  EXIT,
  EXIT_MEANINGS,
  exitCodeFor,
  renderResult,
  runCli,
  withConvention,
} from '../src/cli-kit/index.ts';
import { CoordinatorError } from '../src/errors.ts';

/** A one-command program under the convention, with its output captured. */
async function runProgram(argv: string[], action: (opts: ConventionOptions) => Promise<void>) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (t: string) => {
      stdout += t;
    },
    stderr: (t: string) => {
      stderr += t;
    },
  };
  const program = new Command('demo');
  program.addCommand(
    withConvention(new Command('go'), {
      coordinator: 'required',
      format: {},
      wait: {
        what: 'the tap',
        defaultSeconds: 300,
        maxSeconds: 3600,
        deprecatedFlags: ['--timeout'],
      },
    }).action(action),
  );
  const options = { bin: 'demo', version: '9.9.9', io };
  const code = await runCli(applyConvention(program, options), argv, options);
  return { code, stdout, stderr };
}

describe('cli-kit', () => {
  it('one number per meaning: no exit code is used twice', () => {
    const numbers = Object.values(EXIT);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(Object.keys(EXIT_MEANINGS).sort()).toEqual(Object.keys(EXIT).sort());
    expect([EXIT.ok, EXIT.internal, EXIT.usage]).toEqual([0, 1, 2]);
  });

  it('maps coordinator answers by code first, then by HTTP status', () => {
    expect(exitCodeFor('not_enrolled', 403)).toBe(EXIT.notEnrolled);
    expect(exitCodeFor('request_expired', 410)).toBe(EXIT.timeout);
    expect(exitCodeFor('policy_denied', 403)).toBe(EXIT.refused);
    expect(exitCodeFor('oidc_token_replayed', 401)).toBe(EXIT.unauthenticated);
    expect(exitCodeFor('whatever', 400)).toBe(EXIT.usage);
    expect(exitCodeFor('whatever', 429)).toBe(EXIT.rateLimited);
    expect(exitCodeFor('whatever', 503)).toBe(EXIT.unavailable);
    expect(exitCodeFor('something_local')).toBe(EXIT.internal);
  });

  it('--format env is export lines a real shell evaluates without running anything in them', () => {
    const hostile = `it's $(touch /tmp/frostmint-pwned) \`id\` "x"`;
    const out = renderResult({ text: '', json: {}, env: { V: hostile, N: 42 } }, 'env');
    expect(out).toBe(`export V='it'\\''s $(touch /tmp/frostmint-pwned) \`id\` "x"'\nexport N=42\n`);
    const echoed = execFileSync('sh', ['-c', `${out}printf '%s|%s' "$V" "$N"`]).toString();
    expect(echoed).toBe(`${hostile}|42`);
  });

  it('resolves --coordinator from FROSTMINT_COORDINATOR, and the deprecated spellings with one warning each', async () => {
    let seen: ConventionOptions = {};
    const keep = async (opts: ConventionOptions) => {
      seen = opts;
    };
    const saved = { ...process.env };
    try {
      process.env.FROSTMINT_COORDINATOR = 'https://mint.example';
      const current = await runProgram(['go'], keep);
      expect(current).toMatchObject({ code: 0, stderr: '' });
      expect(seen).toMatchObject({
        coordinator: 'https://mint.example/',
        format: 'text',
        wait: 300,
      });

      delete process.env.FROSTMINT_COORDINATOR;
      process.env.FROSTMINT_URL = 'https://old.example';
      const old = await runProgram(['go', '--timeout', '60', '--json'], keep);
      expect(old.code).toBe(0);
      expect(seen).toMatchObject({ coordinator: 'https://old.example/', format: 'json', wait: 60 });
      expect(old.stderr.trim().split('\n')).toEqual([
        'demo: warning: --json is deprecated and goes away in the next release: use --format json',
        'demo: warning: --timeout is deprecated and goes away in the next release: use --wait',
        'demo: warning: $FROSTMINT_URL is deprecated and goes away in the next release: use $FROSTMINT_COORDINATOR',
      ]);

      delete process.env.FROSTMINT_URL;
      const none = await runProgram(['go'], keep);
      expect(none).toMatchObject({ code: EXIT.usage, stdout: '' });
      expect(none.stderr).toBe(
        'demo: usage: no coordinator: pass --coordinator <url> or set FROSTMINT_COORDINATOR\n',
      );
    } finally {
      process.env = saved;
    }
  });

  it('a failure is one error line, plus the JSON error document with --format json', async () => {
    const refused = async () => {
      throw new CoordinatorError('policy_denied', 'ask for fewer scopes\nor another audience', 403);
    };
    const text = await runProgram(['go', '--coordinator', 'https://m.example'], refused);
    expect(text).toEqual({
      code: EXIT.refused,
      stdout: '',
      stderr: 'demo: policy_denied: ask for fewer scopes or another audience\n',
    });
    const json = await runProgram(
      ['go', '--coordinator', 'https://m.example', '--format', 'json'],
      async () => {
        throw new CliError('approval_timeout', EXIT.timeout, 'not approved in time');
      },
    );
    expect(json.code).toBe(EXIT.timeout);
    expect(JSON.parse(json.stdout)).toEqual({
      error: 'approval_timeout',
      message: 'not approved in time',
      exitCode: EXIT.timeout,
    });
    const bug = await runProgram(['go', '--coordinator', 'https://m.example'], async () => {
      throw new TypeError('x is undefined');
    });
    expect(bug).toMatchObject({
      code: EXIT.internal,
      stderr: 'demo: internal: unexpected error: x is undefined\n',
    });
  });

  it('rejects a --wait outside 0..max and a non-http coordinator as usage errors', async () => {
    const nothing = async () => {};
    for (const argv of [
      ['go', '--coordinator', 'https://m.example', '--wait', '-1'],
      ['go', '--coordinator', 'https://m.example', '--wait', '4000'],
      ['go', '--coordinator', 'file:///etc/passwd'],
      ['go', '--coordinator', 'https://m.example', '--format', 'yaml'],
    ]) {
      const r = await runProgram(argv, nothing);
      expect([argv.join(' '), r.code]).toEqual([argv.join(' '), EXIT.usage]);
      expect(r.stderr).toMatch(/^demo: usage: .+: see `demo go --help`\n$/);
    }
  });
});
