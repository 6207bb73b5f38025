import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createVerifier } from '@frostmint/sdk';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintCi } from '../support/mint-ci.ts';
import { CI_AUDIENCE, type OidcStack, startOidcStack } from '../support/oidc-stack.ts';

const FROSTMINT = fileURLToPath(new URL('../../cli/bin/frostmint.js', import.meta.url));
const run = promisify(execFile);
const frostmint = async (...args: string[]) =>
  (await run(process.execPath, [FROSTMINT, ...args], { env: { PATH: process.env.PATH ?? '' } }))
    .stdout;

describe('`frostmint mint-ci --dpop-key` and `frostmint dpop proof` (real binary, real stack)', () => {
  let work: string;
  let env: OidcStack;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'frostmint-dpop-cli-'));
    env = await startOidcStack(work);
  });
  afterAll(async () => {
    await env?.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('mints a CI token bound to a new 0600 key file, usable only with proofs by that key', async () => {
    const keyFile = join(work, 'keys', 'dpop-key.jwk');
    const coordinator = env.stack.coordinatorUrl;
    const minted = await mintCi(
      [
        ...['--coordinator', coordinator, '--scope', 'deploy:canary', '--aud', 'deploy-api'],
        ...['--dpop-key', keyFile, '--format', 'json'],
      ],
      { FROSTMINT_ID_TOKEN: await env.issuer.issue({ aud: CI_AUDIENCE }) },
    );
    expect(minted.code, minted.stderr).toBe(0);
    expect(((await stat(keyFile)).mode & 0o777).toString(8)).toBe('600');
    const { token, token_type } = JSON.parse(minted.stdout) as {
      token: string;
      token_type: string;
    };
    expect(token_type).toBe('DPoP');
    const jkt = (await frostmint('dpop', 'thumbprint', '--dpop-key', keyFile)).trim();
    expect(decodeJwt(token).cnf).toEqual({ jkt });

    const verifier = createVerifier({
      issuer: coordinator,
      audience: 'deploy-api',
      jwksUri: `${coordinator}/.well-known/jwks.json`,
    });
    try {
      const htu = 'https://deploy.example/deploy';
      const proof = (
        await frostmint(
          'dpop',
          'proof',
          '--htm',
          'POST',
          '--htu',
          htu,
          '--token',
          token,
          '--dpop-key',
          keyFile,
        )
      ).trim();
      const { claims } = await verifier.verify(token, { dpop: { proof, htm: 'POST', htu } });
      expect(claims.amr).toEqual(['oidc']);
      // Another key (a thief's fresh key file) cannot use the token.
      const other = (
        await frostmint(
          ...['dpop', 'proof', '--htm', 'POST', '--htu', htu, '--token', token],
          ...['--dpop-key', join(work, 'thief.jwk')],
        )
      ).trim();
      await expect(
        verifier.verify(token, { dpop: { proof: other, htm: 'POST', htu } }),
      ).rejects.toMatchObject({ code: 'dpop_binding_mismatch' });
    } finally {
      verifier.close();
    }
  });
});
