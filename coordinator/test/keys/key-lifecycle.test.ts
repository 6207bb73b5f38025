import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedGroup } from '@frostmint/test-support/group-config';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupLifecycle } from '../../src/keys/group-lifecycle.ts';
import { JwksKeyring } from '../../src/keys/jwks-keyring.ts';
import { type CoordinatorStore, openCoordinatorStore } from '../../src/storage/index.ts';

const ISSUER = 'https://mint.example';
const RETAIN = 900 + 300 + 300;
const PREPUBLISH = 300;
const log = pino({ level: 'silent' });

const ISSUED = { iss: ISSUER, aud: 'deploy-api' };

/** A group key stand-in: signs tokens (at `iat`) and its own group configurations. */
async function groupKey() {
  const group = await selfSignedGroup();
  return { ...group, token: (iat: number) => group.token({ ...ISSUED, iat }) };
}

/** Verifies like any JOSE library would against the published JWKS at `at` (unix s). */
function verifyAt(keyring: JwksKeyring, token: string, at: number) {
  return jwtVerify(token, createLocalJWKSet({ keys: keyring.keys() }), {
    issuer: ISSUER,
    audience: 'deploy-api',
    algorithms: ['EdDSA'],
    currentDate: new Date(at * 1000),
  });
}

describe('key lifecycle over the store: pre-publish, switch, retire', () => {
  const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  let stateDir: string;
  let store: CoordinatorStore;
  let now = 1_800_000_000; // unix seconds
  const clock = () => now * 1000;
  let lifecycle: GroupLifecycle;
  const keyring = async () => JwksKeyring.fromStored(await lifecycle.list(), clock);

  beforeAll(async () => {
    stateDir = await mkdtemp(join(scratch, 'frostmint-keys-'));
    store = await openCoordinatorStore({ stateDir, now: clock });
    lifecycle = new GroupLifecycle({
      store: store.groups,
      retainSeconds: RETAIN,
      prepublishSeconds: PREPUBLISH,
      now: clock,
    });
  });
  afterAll(async () => {
    await store?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('rotates with both keys verifying throughout, then drops the old key for good', async () => {
    const a = await groupKey();
    const b = await groupKey();
    // An existing deployment: group.json is imported once and becomes current.
    await writeFile(join(stateDir, 'group.json'), JSON.stringify(a.config(1)));
    await lifecycle.importFiles(stateDir, log);
    expect((await keyring()).keys()).toEqual([a.jwk]);
    expect((await keyring()).current?.config.kid).toBe(a.jwk.kid);

    // New DKG: pre-published as next, signs nothing yet.
    expect((await lifecycle.record(b.config(1), 'ceremony')).state).toBe('next');
    expect((await keyring()).keys()).toEqual([a.jwk, b.jwk]);
    // Too early: verifiers' caches may not hold it yet.
    await expect(lifecycle.switchTo(b.jwk.kid)).rejects.toMatchObject({
      code: 'group_key_not_prepublished',
    });

    now += PREPUBLISH;
    const lastOfA = await a.token(now);
    const switched = await lifecycle.switchTo(b.jwk.kid);
    expect(switched.state).toBe('current');
    const after = await keyring();
    expect(after.current?.jwk).toEqual(b.jwk);
    expect(after.keys()).toEqual([b.jwk, a.jwk]);
    const firstOfB = await b.token(now);
    for (const at of [now, now + 600, now + 899]) {
      await expect(verifyAt(after, lastOfA, at)).resolves.toBeDefined();
      await expect(verifyAt(after, firstOfB, at)).resolves.toBeDefined();
    }
    // Retiring A while its tokens may live is refused.
    await expect(lifecycle.retire(a.jwk.kid)).rejects.toMatchObject({ code: 'group_key_in_use' });
    // The old group.json at a restart changes nothing: the store wins.
    await lifecycle.importFiles(stateDir, log);
    expect((await keyring()).keys()).toEqual([b.jwk, a.jwk]);

    // Past the retention A is gone: a leaked old key cannot mint tokens that verify.
    now += RETAIN;
    const gone = await keyring();
    expect(gone.keys()).toEqual([b.jwk]);
    const forged = await a.token(now);
    await expect(verifyAt(gone, forged, now)).rejects.toThrow(/no applicable key found/);
    expect((await lifecycle.retire(a.jwk.kid)).state).toBe('retired');
    // A retired key never comes back, not even as a "refresh".
    await expect(lifecycle.record(a.config(2), 'operator')).rejects.toMatchObject({
      code: 'store_invalid_transition',
    });
  });

  it('keeps the key across a share refresh; a compromised retired key is withdrawn at once with force', async () => {
    const previous = (await keyring()).current!;
    const c = await groupKey();
    await lifecycle.record(c.config(1), 'ceremony');
    now += PREPUBLISH;
    await lifecycle.switchTo(c.jwk.kid);
    const refreshed = await lifecycle.record(c.config(2), 'ceremony');
    expect(refreshed).toMatchObject({ state: 'current', epoch: 2 });
    expect((await keyring()).current?.config).toEqual(c.config(2));
    expect((await keyring()).keys()).toEqual([c.jwk, previous.jwk]);
    await lifecycle.retire(previous.jwk.kid, { force: true });
    expect((await keyring()).keys()).toEqual([c.jwk]);
  });

  it('withdraws a next key given up on, and refuses a stored row whose signature does not check', async () => {
    const d = await groupKey();
    await lifecycle.record(d.config(1), 'operator');
    expect((await keyring()).keys()).toContainEqual(d.jwk);
    await lifecycle.retire(d.jwk.kid);
    expect((await keyring()).keys()).not.toContainEqual(d.jwk);
    // A row altered in the database (threshold raised after signing) is never published.
    const e = await groupKey();
    const row = await store.groups.add({
      kid: e.jwk.kid,
      epoch: 1,
      config: { ...e.config(1), threshold: 3 } as never,
      source: 'operator',
    });
    expect(row.state).toBe('next');
    await expect(keyring()).rejects.toMatchObject({ code: 'group_config_unsigned' });
  });
});
