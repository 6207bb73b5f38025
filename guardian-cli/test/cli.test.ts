import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newTranscript } from '@frostmint/core';
import { type SoftHsm, softHsm, USER_PIN } from '@frostmint/pkcs11/testing';
import { testGuardian } from '@frostmint/test-support/guardian';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.ts';
import { type GuardianRecord, verifyGuardianRecord } from '../src/guardian-record.ts';
import type { CliIo } from '../src/io.ts';
import { progress } from '../src/progress.ts';
import { run } from '../src/run.ts';

interface Captured extends CliIo {
  readonly out: string[];
  readonly err: string[];
  promptSecret: CliIo['promptSecret'];
}

function captureIo(): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    promptSecret: async () => undefined,
  };
}

let hsm: SoftHsm | undefined;

async function setup(): Promise<SoftHsm> {
  hsm = await softHsm();
  return hsm;
}

async function cli(...argv: string[]) {
  const io = captureIo();
  const code = await run(argv, io);
  return { code, stdout: io.out.join(''), stderr: io.err.join('') };
}

/** `token init` of a fresh SoftHSM2 token `alice` with both keys, PINs from files. */
async function initAlice(h: SoftHsm) {
  return cli(
    'token',
    'init',
    '--label',
    'alice',
    '--module',
    h.module,
    '--so-pin-file',
    h.soPinFile,
    '--pin-file',
    h.pinFile,
    '--format',
    'json',
  );
}

const enrollArgs = (h: SoftHsm, ...extra: string[]) => [
  'enroll',
  '--name',
  'Alice Example',
  '--module',
  h.module,
  '--token-label',
  'alice',
  '--pin-file',
  h.pinFile,
  ...extra,
];

afterEach(async () => {
  await hsm?.cleanup();
  hsm = undefined;
});

describe('frostmint-guardian token init', () => {
  it('creates a SoftHSM2 token with an approval and a sealing key', async () => {
    const h = await setup();
    const { code, stdout, stderr } = await initAlice(h);
    expect(code).toBe(ExitCode.ok);
    expect(stderr).toBe('');
    const result = JSON.parse(stdout);
    expect(result.token).toMatchObject({ label: 'alice', model: expect.stringMatching(/SoftHSM/) });
    expect(result.keys.approval).toMatchObject({ label: 'frostmint-approval', id: '02' });
    expect(result.keys.sealing).toMatchObject({ label: 'frostmint-sealing', id: '03' });
  });

  it('refuses a second token with the same label', async () => {
    const h = await setup();
    expect((await initAlice(h)).code).toBe(ExitCode.ok);
    const again = await initAlice(h);
    expect(again.code).toBe(ExitCode.tokenUnavailable);
    expect(JSON.parse(again.stdout)).toMatchObject({ error: 'pkcs11_token_exists' });
  });
});

describe('frostmint-guardian enroll', () => {
  it('prints a guardian record whose proof the approval key signed', async () => {
    const h = await setup();
    const init = JSON.parse((await initAlice(h)).stdout);
    const { code, stdout, stderr } = await cli(...enrollArgs(h));
    expect(code).toBe(ExitCode.ok);
    const record: GuardianRecord = verifyGuardianRecord(JSON.parse(stdout));
    expect(record).toMatchObject({ name: 'Alice Example', token: { label: 'alice' } });
    expect(record.approvalKey.kid).toBe(init.keys.approval.kid);
    expect(record.sealingKey?.kid).toBe(init.keys.sealing.kid);
    expect(record.approvalKey.jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(stderr).toMatch(/Found the approval key/);
    expect(stderr).toMatch(/Guardian record for "Alice Example"/);
  });

  it('creates missing keys, finds them the next time, and can leave out the sealing key', async () => {
    const h = await setup();
    await h.createToken('alice');
    const first = await cli(...enrollArgs(h, '--format', 'json', '--no-sealing-key'));
    expect(first.code).toBe(ExitCode.ok);
    expect(first.stderr).toBe('');
    const record = verifyGuardianRecord(JSON.parse(first.stdout));
    expect(record.sealingKey).toBeUndefined();
    const second = await cli(
      ...enrollArgs(h, '--format', 'json', '--no-create', '--no-sealing-key'),
    );
    expect(verifyGuardianRecord(JSON.parse(second.stdout)).approvalKey.kid).toBe(
      record.approvalKey.kid,
    );
  });

  it('detects a tampered record', async () => {
    const h = await setup();
    await initAlice(h);
    const record = JSON.parse((await cli(...enrollArgs(h, '--format', 'json'))).stdout);
    expect(() => verifyGuardianRecord({ ...record, name: 'Mallory' })).toThrow(/did not sign/);
    const swapped = {
      ...record,
      approvalKey: { ...record.approvalKey, kid: record.sealingKey.kid },
    };
    expect(() => verifyGuardianRecord(swapped)).toThrow(/inconsistent/);
  });

  it('exits 5 when a key is missing and --no-create is given', async () => {
    const h = await setup();
    await h.createToken('alice');
    const { code, stdout } = await cli(...enrollArgs(h, '--format', 'json', '--no-create'));
    expect(code).toBe(ExitCode.key);
    expect(JSON.parse(stdout)).toMatchObject({
      error: 'pkcs11_key_not_found',
      exitCode: ExitCode.key,
    });
    expect(JSON.parse(stdout).message).toMatch(/ykman piv keys generate/);
  });

  it('exits 4 on a wrong PIN, and never prints the PIN', async () => {
    const h = await setup();
    await initAlice(h);
    const wrong = join(h.dir, 'wrong-pin');
    await writeFile(wrong, '112233\n');
    const { code, stdout, stderr } = await cli(
      ...enrollArgs(h, '--format', 'json').filter((a) => a !== h.pinFile && a !== '--pin-file'),
      '--pin-file',
      wrong,
    );
    expect(code).toBe(ExitCode.pin);
    expect(JSON.parse(stdout)).toMatchObject({ error: 'pkcs11_pin_incorrect' });
    expect(stderr).toMatch(/hint: Check the PIN/);
    expect(stdout + stderr).not.toContain('112233');
  });

  it('exits 3 when the token is not there', async () => {
    const h = await setup();
    await initAlice(h);
    await h.unplug();
    const { code, stderr } = await cli(...enrollArgs(h));
    expect(code).toBe(ExitCode.tokenUnavailable);
    expect(stderr).toMatch(/token "alice" is not present/);
  });

  it('exits 2 on usage errors, without touching the token', async () => {
    const h = await setup();
    const cases = [
      ['enroll', '--name', 'a', '--token-label', 'alice', '--pin-env', 'PIN'], // no module
      [
        'enroll',
        '--name',
        'a',
        '--module',
        h.module,
        '--token-label',
        'a',
        '--slot',
        '1',
        '--pin-env',
        'P',
      ],
      ['enroll', '--name', 'a', '--module', h.module, '--slot', 'one', '--pin-env', 'P'],
      [
        'enroll',
        '--name',
        'a',
        '--module',
        h.module,
        '--token-label',
        'a',
        '--pin-env',
        'P',
        '--pin-file',
        'f',
      ],
      [
        'enroll',
        '--name',
        'a',
        '--module',
        h.module,
        '--token-label',
        'a',
        '--pin-env',
        'P',
        '--approval-key-id',
        'x',
      ],
      ['enroll', '--module', h.module, '--token-label', 'a'], // no --name
      ['enroll', '--name', 'a', '--pin', '123456'], // there is no --pin
      ['frobnicate'],
    ];
    const previous = process.env.FROSTMINT_PKCS11_MODULE;
    delete process.env.FROSTMINT_PKCS11_MODULE;
    try {
      for (const argv of cases)
        expect([argv.join(' '), (await cli(...argv)).code]).toEqual([argv.join(' '), 2]);
    } finally {
      if (previous !== undefined) process.env.FROSTMINT_PKCS11_MODULE = previous;
    }
  });

  it('asks for the PIN on the terminal, once, when no PIN source is given', async () => {
    const h = await setup();
    await initAlice(h);
    const io = captureIo();
    const questions: string[] = [];
    io.promptSecret = async (question) => {
      questions.push(question);
      return USER_PIN;
    };
    const argv = enrollArgs(h, '--format', 'json').filter(
      (a) => a !== h.pinFile && a !== '--pin-file',
    );
    expect(await run(argv, io)).toBe(ExitCode.ok);
    expect(questions).toEqual(['Token PIN: ']);
    verifyGuardianRecord(JSON.parse(io.out.join('')));
  });

  it('exits 2 when the PIN must be asked for and there is no terminal', async () => {
    const h = await setup();
    await initAlice(h);
    const argv = enrollArgs(h).filter((a) => a !== h.pinFile && a !== '--pin-file');
    expect((await cli(...argv)).code).toBe(ExitCode.usage);
  });
});

describe('frostmint-guardian help and progress', () => {
  it('documents the exit codes in --help', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(ExitCode.ok);
    expect(stdout).toMatch(/Exit codes:/);
    expect(stdout).toMatch(/16 {2}PIN missing, rejected or locked/);
  });

  it('always tells the guardian to touch the key, also with --json', () => {
    const io = captureIo();
    progress(io, true).say('quiet in --json mode');
    progress(io, true).touch({ operation: 'sign', token: 'token "alice"', key: 'id 02' });
    expect(io.err.join('')).toBe(
      '>>> Touch your YubiKey now (it blinks): token "alice" waits to sign with key id 02.\n',
    );
  });
});

describe('frostmint-guardian ceremony (without signers)', () => {
  async function writeTranscript(h: SoftHsm) {
    const path = join(h.dir, 'dkg.transcript.json');
    const pin = (id: number) => ({
      id,
      tlsName: `signer-${id}.frostmint.local`,
      certificateSha256: 'ab'.repeat(32),
    });
    const transcript = newTranscript({
      kind: 'dkg',
      threshold: 2,
      maxSigners: 3,
      ceremonyApprovals: 2,
      signers: [pin(1), pin(2), pin(3)],
      guardians: ['Alice', 'Bob', 'Carol'].map((n) => testGuardian(n).key),
    });
    await writeFile(path, JSON.stringify(transcript));
    return path;
  }

  it('refuses to approve with a token whose key is not one of the guardians (exit 5)', async () => {
    const h = await setup();
    await initAlice(h);
    const transcript = await writeTranscript(h);
    const { code, stdout, stderr } = await cli(
      'ceremony',
      'approve',
      '--transcript',
      transcript,
      '--out',
      join(h.dir, 'approval.json'),
      '--module',
      h.module,
      '--token-label',
      'alice',
      '--pin-file',
      h.pinFile,
      '--format',
      'json',
    );
    expect(code).toBe(ExitCode.key);
    expect(JSON.parse(stdout)).toMatchObject({ error: 'ceremony_not_a_guardian' });
    expect(stderr).toMatch(/Ceremony {5}dkg: distributed key generation/);
  });

  it('exits 2 for a transcript of another kind or a malformed one', async () => {
    const h = await setup();
    const transcript = await writeTranscript(h);
    const args = ['--transcript', transcript, '--coordinator-config', '/nonexistent.json'];
    expect((await cli('ceremony', 'refresh', ...args)).code).toBe(ExitCode.usage);
    await writeFile(join(h.dir, 'bad.json'), '{"format":"frostmint-ceremony-transcript"}');
    const bad = await cli(
      'ceremony',
      'dkg',
      '--transcript',
      join(h.dir, 'bad.json'),
      '--coordinator-config',
      'x',
    );
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.stderr).toMatch(/ceremony_file_invalid/);
  });

  it('documents the ceremony exit codes in --help', async () => {
    const { stdout } = await cli('--help');
    expect(stdout).toMatch(/3 {2}refused: .*ceremony refused/);
    expect(stdout).toMatch(/9 {2}the ceremony failed midway and was aborted/);
    expect(stdout).toMatch(/11 {2}status:/);
  });
});
