import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const FROSTMINT = fileURLToPath(new URL('../../cli/bin/frostmint.js', import.meta.url));

describe("`frostmint dev --once` (the README's first command)", () => {
  it('runs DKG on first start, reuses the key afterwards, and prints one JSON summary last', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'frostmint-dev-'));
    try {
      const once = async () => {
        const { stdout } = await run(
          process.execPath,
          [FROSTMINT, 'dev', '--once', '--state-dir', stateDir, '--port', '0'],
          {
            timeout: 90_000,
          },
        );
        const lines = stdout.trim().split('\n');
        return {
          lines,
          summary: JSON.parse(lines.at(-1)!) as {
            token: string;
            jwks: { keys: { kid: string }[] };
            issuer: string;
          },
        };
      };
      const first = await once();
      expect(first.lines).toContain('DKG: ran (new 2-of-3 group key)');
      const { payload } = await jwtVerify(
        first.summary.token,
        createLocalJWKSet(first.summary.jwks as never),
        {
          issuer: first.summary.issuer,
          audience: 'deploy-api',
          typ: 'at+jwt',
        },
      );
      expect(payload.scope).toBe('deploy:canary');

      const second = await once();
      expect(second.lines).toContain('DKG: existing group key reused');
      expect(second.summary.jwks.keys[0]!.kid).toBe(first.summary.jwks.keys[0]!.kid);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  }, 150_000); // two full stack starts (4 processes each); slow when other suites share the cores
});
