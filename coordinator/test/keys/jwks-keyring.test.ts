import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GroupJwk, groupJwk } from '@frostmint/core';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JwksKeyring, KEYRING_FILE, NEXT_GROUP_FILE } from '../../src/keys/jwks-keyring.ts';

const ISSUER = 'https://mint.example';
const RETAIN = 900 + 300;

/** A group key stand-in: an Ed25519 key pair and the JWK the coordinator would publish. */
async function groupKey() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const x = (await exportJWK(publicKey)).x!;
  const jwk = await groupJwk(Buffer.from(x, 'base64url'));
  const sign = (iat: number) =>
    new SignJWT({ scope: 'deploy:canary' } satisfies JWTPayload)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: jwk.kid })
      .setIssuer(ISSUER)
      .setAudience('deploy-api')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 900)
      .sign(privateKey);
  return { jwk, sign };
}

/** A version 1 group configuration naming `jwk` (what a DKG ceremony writes). */
function groupConfig(jwk: GroupJwk) {
  const share = Buffer.alloc(32, 7).toString('base64url');
  return {
    version: 1,
    kid: jwk.kid,
    groupKey: jwk.x,
    threshold: 2,
    maxSigners: 3,
    verifyingShares: { 1: share, 2: share, 3: share },
    createdAt: new Date(0).toISOString(),
  };
}

/** Verifies like any JOSE library would against the published JWKS at time `at` (s). */
function verifyAt(keys: GroupJwk[], token: string, at: number) {
  return jwtVerify(token, createLocalJWKSet({ keys }), {
    issuer: ISSUER,
    audience: 'deploy-api',
    algorithms: ['EdDSA'],
    currentDate: new Date(at * 1000),
  });
}

describe('JwksKeyring: rotation without breaking verifiers', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'frostmint-keyring-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('pre-publishes the next key, switches, keeps the old key until its tokens expired, then drops it', async () => {
    const a = await groupKey();
    const b = await groupKey();
    let now = 1_800_000_000;
    const open = (current: GroupJwk) =>
      JwksKeyring.open({ stateDir, current, retainSeconds: RETAIN, now: () => now * 1000 });

    // Before any rotation: one key.
    expect((await open(a.jwk)).keys()).toEqual([a.jwk]);
    // A new DKG ran: its key is published before it signs anything.
    await writeFile(join(stateDir, NEXT_GROUP_FILE), JSON.stringify(groupConfig(b.jwk)));
    expect((await open(a.jwk)).keys()).toEqual([a.jwk, b.jwk]);

    // The last token of key A, signed just before the switch.
    const lastOfA = await a.sign(now);
    now += 60;
    // The switch: the coordinator restarts on B (group.next.json became group.json).
    const switched = await open(b.jwk);
    expect(switched.keys()).toEqual([b.jwk, a.jwk]);
    const firstOfB = await b.sign(now);
    // Both verify throughout A's tokens' lifetime, with any JOSE library.
    for (const at of [now, now + 600, now + 830]) {
      const keys = switched.keys();
      await expect(verifyAt(keys, lastOfA, at)).resolves.toBeDefined();
      await expect(verifyAt(keys, firstOfB, at)).resolves.toBeDefined();
    }
    // A restart meanwhile keeps the retirement date (it is in the state directory).
    now += 300;
    expect((await open(b.jwk)).keys()).toEqual([b.jwk, a.jwk]);
    // Past the retention A is gone: a leaked old key cannot mint tokens that verify.
    now += RETAIN;
    expect(switched.keys()).toEqual([b.jwk]);
    expect((await open(b.jwk)).keys()).toEqual([b.jwk]);
    const forged = await a.sign(now);
    await expect(verifyAt(switched.keys(), forged, now)).rejects.toThrow(/no applicable key found/);
    const saved = JSON.parse(await readFile(join(stateDir, KEYRING_FILE), 'utf8'));
    expect(saved).toEqual({ version: 1, current: b.jwk, retired: [] });
  });

  it('refuses a next group configuration whose kid does not match its key', async () => {
    const a = await groupKey();
    const b = await groupKey();
    await writeFile(
      join(stateDir, NEXT_GROUP_FILE),
      JSON.stringify({ ...groupConfig(b.jwk), kid: a.jwk.kid }),
    );
    await expect(
      JwksKeyring.open({ stateDir, current: a.jwk, retainSeconds: RETAIN }),
    ).rejects.toThrow(/kid does not match its key/);
  });
});
