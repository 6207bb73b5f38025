import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, groupJwk } from '@frostmint/core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupLifecycle } from '../../src/keys/group-lifecycle.ts';
import type { KeyringEntry } from '../../src/keys/jwks-keyring.ts';
import { type GroupRuntime, LiveGroup } from '../../src/keys/live-group.ts';
import type { QuorumSignature, SignAttempt } from '../../src/signing/round-driver.ts';
import { type CoordinatorStore, openCoordinatorStore } from '../../src/storage/index.ts';

/** A legacy (version 1) configuration of a fresh key: valid without a quorum signature. */
async function legacyConfig(seed: number) {
  const x = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!;
  const jwk = await groupJwk(Buffer.from(x, 'base64url'));
  const share = Buffer.alloc(32, seed).toString('base64url');
  return {
    jwk,
    config: {
      version: 1 as const,
      kid: jwk.kid,
      groupKey: jwk.x,
      threshold: 2,
      maxSigners: 3,
      verifyingShares: { 1: share, 2: share, 3: share },
      createdAt: new Date(0).toISOString(),
    },
  };
}

/** A JWS signing input (RFC 7515 §5.1) whose protected header names `kid`. */
const signingInput = (kid: string) =>
  `${Buffer.from(canonicalJson({ alg: 'EdDSA', kid, typ: 'at+jwt' })).toString('base64url')}.${Buffer.from('{}').toString('base64url')}`;

describe('LiveGroup: swaps what signs when the stored current key changes', () => {
  const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  let stateDir: string;
  let store: CoordinatorStore;
  let lifecycle: GroupLifecycle;
  /** Which runtime (by kid and epoch) each signing reached. */
  const signedBy: string[] = [];
  const build = (entry: KeyringEntry): GroupRuntime => ({
    entry,
    driver: {
      sign: async (_attempt: SignAttempt) => {
        signedBy.push(`${entry.row.kid}:${entry.row.epoch}`);
        return {} as QuorumSignature;
      },
    },
  });

  beforeAll(async () => {
    stateDir = await mkdtemp(join(scratch, 'frostmint-live-'));
    store = await openCoordinatorStore({ stateDir });
    lifecycle = new GroupLifecycle({
      store: store.groups,
      retainSeconds: 60,
      prepublishSeconds: 0,
    });
  });
  afterAll(async () => {
    await store?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('signs with the current key only, and refuses a message naming a key switched away from', async () => {
    const log = pino({ level: 'silent' });
    const live = new LiveGroup({ lifecycle, build, stateDir, pollMs: 60_000, log });
    await live.start();
    const attempt = (kid: string) =>
      live.sign({ messageFor: () => Buffer.from(signingInput(kid)), evidence: {} as never });
    await expect(attempt('any')).rejects.toMatchObject({ code: 'group_missing' });

    const a = await legacyConfig(1);
    const b = await legacyConfig(2);
    await lifecycle.record(a.config, 'ceremony');
    await lifecycle.record(b.config, 'ceremony');
    await live.reload();
    expect(live.keys()).toEqual([a.jwk, b.jwk]);
    await attempt(a.jwk.kid);
    // The pre-published next key signs nothing, even when a message names it.
    await expect(attempt(b.jwk.kid)).rejects.toMatchObject({ code: 'group_key_switched' });

    await lifecycle.switchTo(b.jwk.kid);
    await live.reload();
    expect(live.runtime?.entry.jwk).toEqual(b.jwk);
    expect(live.keys()).toEqual([b.jwk, a.jwk]);
    await attempt(b.jwk.kid);
    // A request prepared under the old key is not signed by the new one (nor the old).
    await expect(attempt(a.jwk.kid)).rejects.toMatchObject({ code: 'group_key_switched' });
    expect(signedBy).toEqual([`${a.jwk.kid}:0`, `${b.jwk.kid}:0`]);
    live.close();
  });
});
