import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateDpopKey } from '../src/dpop/key.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dpop-key-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadOrCreateDpopKey', () => {
  it('lets concurrent first runs share one complete 0600 key and leaves no staging files', async () => {
    const file = join(dir, 'shared', 'dpop-key.jwk');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateDpopKey(file)));
    expect(new Set(keys.map((k) => k.jkt)).size).toBe(1);
    expect((await loadOrCreateDpopKey(file)).jkt).toBe(keys[0]!.jkt);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'shared'))).toEqual(['dpop-key.jwk']);
  });

  it('refuses a key file others can read', async () => {
    const file = join(dir, 'exposed.jwk');
    await loadOrCreateDpopKey(file);
    await chmod(file, 0o644);
    await expect(loadOrCreateDpopKey(file)).rejects.toThrow(/^dpop_key_exposed:/);
  });
});
