import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EXIT } from '@frostmint/client/cli-kit';
import { SO_PIN, type SoftHsm, softHsm, USER_PIN } from '@frostmint/pkcs11/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyGuardianRecord } from '../src/guardian-record.ts';

const BIN = fileURLToPath(new URL('../../cli/bin/frostmint-guardian.js', import.meta.url));

/** Runs the real executable (shebang, built JavaScript, exit code) with `env` added. */
function guardian(argv: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      BIN,
      argv,
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

let hsm: SoftHsm | undefined;

afterEach(async () => {
  await hsm?.cleanup();
  hsm = undefined;
});

describe('frostmint-guardian executable', () => {
  it('initialises a token and enrolls from PINs in environment variables', async () => {
    hsm = await softHsm();
    const env = {
      SOFTHSM2_CONF: process.env.SOFTHSM2_CONF ?? '',
      FROSTMINT_PKCS11_MODULE: hsm.module,
      GUARDIAN_SO_PIN: SO_PIN,
      GUARDIAN_PIN: USER_PIN,
    };
    const init = await guardian(
      [
        'token',
        'init',
        '--label',
        'bob',
        '--so-pin-env',
        'GUARDIAN_SO_PIN',
        '--pin-env',
        'GUARDIAN_PIN',
        '--format',
        'json',
      ],
      env,
    );
    expect(init.code).toBe(0);
    const enroll = await guardian(
      [
        'enroll',
        '--name',
        'Bob',
        '--token-label',
        'bob',
        '--pin-env',
        'GUARDIAN_PIN',
        '--format',
        'json',
      ],
      env,
    );
    expect(enroll.code).toBe(0);
    expect(verifyGuardianRecord(JSON.parse(enroll.stdout)).approvalKey.kid).toBe(
      JSON.parse(init.stdout).keys.approval.kid,
    );
    const missing = await guardian(
      ['enroll', '--name', 'Bob', '--token-label', 'nobody', '--pin-env', 'GUARDIAN_PIN'],
      env,
    );
    expect(missing.code).toBe(EXIT.tokenUnavailable);
    expect(missing.stderr).toMatch(/not present/);
  });
});
