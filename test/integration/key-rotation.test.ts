import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  COORDINATOR_ENTRY,
  coordinatorListening,
  type DaemonProcess,
  DEV_BEARER_ENV,
  spawnDaemon,
  waitUntil,
} from '@frostmint/cli';
import { DEFAULT_AUDIT_ORIGIN, verifyReceipt } from '@frostmint/core';
import { createVerifier, type Verifier } from '@frostmint/sdk';
import { startPostgres, type TestPostgres } from '@frostmint/test-support/postgres';
import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JSONWebKeySet,
  jwtVerify,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCheckpointing } from '../support/audit-config.ts';
import { type CeremonyStack, startCeremonyStack } from '../support/ceremony-stack.ts';
import { completeMint, enrollSoft, prepareMint } from '../support/webauthn-flow.ts';

const DEMO = { scope: ['deploy:canary'], audience: 'deploy-api' };
/** The pre-publish window of this test: at least the SDK's refresh interval below. */
const PREPUBLISH_SECONDS = 3;
const SDK_REFRESH_MS = 1_000;
/**
 * The transparency log is on: signers refuse to sign once a token they co-signed is not in a
 * checkpoint they co-signed within this delay, so checkpoints must follow the key switch.
 */
const MERGE_DELAY_SECONDS = 5;

type Body = {
  token?: string;
  error?: string;
  keys?: { kid: string; state: string }[];
  checkpoint?: string;
};

describe('key rotation through real processes: new DKG → pre-publish → switch → retire, verifiers never fail', {
  timeout: 120_000,
}, () => {
  let stack: CeremonyStack;
  let postgres: TestPostgres;
  let coordinator: DaemonProcess;
  let url: string;
  let issuer: string;
  let configOld: string;
  let verifier: Verifier;
  const refreshes: string[][] = [];

  beforeAll(async () => {
    stack = await startCeremonyStack({
      audit: {
        coordinator: testCheckpointing(),
        signers: { origin: DEFAULT_AUDIT_ORIGIN, maxMergeDelaySeconds: MERGE_DELAY_SECONDS },
      },
    });
    postgres = await startPostgres();
    const storage = {
      backend: 'postgres',
      url: await postgres.createDatabase(),
      maxConnections: 4,
    };
    const base = JSON.parse(await readFile(stack.layout.coordinatorConfigPath, 'utf8'));
    issuer = base.issuer;
    const stateDir = join(stack.dir, 'coordinator-rotation');
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    configOld = join(stack.dir, 'coordinator-rotation.json');
    const config = {
      ...base,
      listen: '127.0.0.1:0',
      stateDir,
      storage,
      keyRotation: { pollMs: 250, prepublishSeconds: PREPUBLISH_SECONDS },
    };
    await writeFile(configOld, JSON.stringify(config));
    coordinator = spawnDaemon('coordinator', COORDINATOR_ENTRY, configOld, {
      [DEV_BEARER_ENV]: stack.layout.bearer,
    });
    await waitUntil(coordinator, async () => coordinatorListening(coordinator));
    url = /"url":"(http:\/\/[^"]+)"/.exec(coordinator.output())![1]!;
  }, 240_000);
  afterAll(async () => {
    verifier?.close();
    await coordinator?.stop();
    await postgres?.stop();
    await stack?.dispose();
  });

  const headers = () => ({
    'content-type': 'application/json',
    authorization: `Bearer ${stack.layout.bearer}`,
  });

  async function dkg(coordinatorConfig: string, name: string): Promise<string> {
    const transcript = join(stack.dir, `${name}.transcript.json`);
    const plan = await stack.cli(
      'ceremony',
      'plan',
      '--kind',
      'dkg',
      '--coordinator-config',
      coordinatorConfig,
      '--out',
      transcript,
      ...stack.guardianRecords.flatMap((r) => ['--guardian', r]),
    );
    expect(plan.code, plan.stderr).toBe(0);
    const approvals: string[] = [];
    for (const guardian of [1, 3]) {
      const out = join(stack.dir, `${name}-approval-${guardian}.json`);
      const approved = await stack.cli(
        'ceremony',
        'approve',
        '--transcript',
        transcript,
        '--out',
        out,
        ...stack.guardianToken(guardian),
      );
      expect(approved.code, approved.stderr).toBe(0);
      approvals.push('--approval', out);
    }
    const run = await stack.cli(
      'ceremony',
      'dkg',
      '--transcript',
      transcript,
      ...approvals,
      '--coordinator-config',
      coordinatorConfig,
      '--format',
      'json',
    );
    expect(run.code, run.stderr).toBe(0);
    return (JSON.parse(run.stdout) as { kid: string }).kid;
  }

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: headers(),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Body };
  }

  const jwks = async () =>
    (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;

  async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The token's receipt, once a checkpoint covers it (`receipt_pending` until then). */
  async function receiptOf(token: string): Promise<Body> {
    const jti = decodeJwt(token).jti!;
    let receipt: { status: number; body: Body } | undefined;
    await until(async () => {
      receipt = await call('GET', `/v1/audit/receipts/${jti}`);
      return receipt.status === 200;
    }, `the receipt of ${jti}`);
    return receipt!.body;
  }

  it('keeps every token verifying with a warm SDK cache and with plain jose, while mints continue', async () => {
    const oldKid = await dkg(configOld, 'dkg-old');
    await until(async () => (await call('POST', '/v1/mint', DEMO)).status === 200, 'first mint');
    verifier = createVerifier({
      issuer,
      audience: 'deploy-api',
      jwksUri: `${url}/.well-known/jwks.json`,
      refreshInterval: SDK_REFRESH_MS,
      // The default 30 s cooldown between fetches would hold the 1 s refresh back.
      cooldown: SDK_REFRESH_MS,
      onEvent: (e) => {
        if (e.type === 'jwks_refreshed') refreshes.push([...e.kids]);
      },
    });

    // Mints run all along; every token is verified by the SDK and by plain jose.
    const tokens: string[] = [];
    const failures: string[] = [];
    let minting = true;
    const verifyOne = async (token: string) => {
      await verifier.verify(token, { requiredScopes: ['deploy:canary'] }).catch((err: Error) => {
        failures.push(`sdk: ${err.message}`);
      });
      await jwtVerify(token, createLocalJWKSet(await jwks()), {
        issuer,
        audience: 'deploy-api',
        typ: 'at+jwt',
        algorithms: ['EdDSA'],
      }).catch((err: Error) => {
        failures.push(`jose: ${err.message}`);
      });
    };
    const loop = (async () => {
      while (minting) {
        const minted = await call('POST', '/v1/mint', DEMO);
        if (minted.status !== 200) failures.push(`mint: ${JSON.stringify(minted.body)}`);
        else {
          tokens.push(minted.body.token!);
          await verifyOne(minted.body.token!);
        }
      }
    })();
    const kidsSeen = () => new Set(tokens.map((t) => decodeProtectedHeader(t).kid));
    await until(async () => tokens.length >= 3, 'mints with the old key');

    // New DKG on a new signer set (a signer holds one key): published as next.
    const fleet = await stack.startSignerSet('rotation');
    const configNew = join(stack.dir, 'coordinator-rotation-new-signers.json');
    await writeFile(
      configNew,
      JSON.stringify({ ...JSON.parse(await readFile(configOld, 'utf8')), signers: fleet }),
    );
    const newKid = await dkg(configNew, 'dkg-new');
    expect(newKid).not.toBe(oldKid);
    const listed = await call('GET', '/v1/keys');
    expect(listed.body.keys?.map((k) => [k.kid, k.state])).toEqual([
      [oldKid, 'current'],
      [newKid, 'next'],
    ]);
    await until(
      async () => (await jwks()).keys.map((k) => k.kid).join() === [oldKid, newKid].join(),
      'the next key in the JWKS',
    );
    // Published, not signing: a switch inside the pre-publish window is refused.
    const early = await call('POST', `/v1/keys/${newKid}/switch`, {});
    expect(early.status).toBe(409);
    expect(early.body.error).toBe('group_key_not_prepublished');

    // The warm cache picks the next key up by its periodic refresh, before the switch.
    await until(async () => refreshes.some((kids) => kids.includes(newKid)), 'SDK refresh');
    await new Promise((r) => setTimeout(r, PREPUBLISH_SECONDS * 1000));
    const switched = await call('POST', `/v1/keys/${newKid}/switch`, {});
    expect(switched.status, JSON.stringify(switched.body)).toBe(200);
    expect(switched.body.keys?.map((k) => [k.kid, k.state])).toEqual([
      [newKid, 'current'],
      [oldKid, 'retired'],
    ]);
    await until(async () => kidsSeen().has(newKid) && tokens.length >= 6, 'mints with the new key');
    const published = (await jwks()).keys;
    expect(published.map((k) => k.kid)).toEqual([newKid, oldKid]);

    // Retire: refused while the old key's tokens may live; they keep verifying.
    const retire = await call('POST', `/v1/keys/${oldKid}/retire`, {});
    expect(retire.status).toBe(409);
    expect(retire.body.error).toBe('group_key_in_use');
    // The old signer set can go: the new key signs through its own signers.
    for (const id of [1, 2, 3]) await stack.stopSigner(id);
    const after = tokens.length;
    await until(async () => tokens.length >= after + 3, 'mints without the old signers');

    // The WebAuthn routes follow the switch without a restart: an enrollment and a two-step
    // mint are signed by the new key (its certificate, the token's kid).
    const web = { coordinatorUrl: url, layout: stack.layout, idp: stack.idp };
    const { auth } = await enrollSoft(web, 'alice@example.com');
    const prepared = await prepareMint(web, { user: 'alice@example.com' });
    expect(prepared.status, JSON.stringify(prepared.body)).toBe(201);
    const challenge = Buffer.from(prepared.body.public_key.challenge, 'base64url');
    const tapped = await completeMint(
      web,
      prepared.body.request_id,
      SoftAuthenticator.toJson(auth.assert(challenge)),
    );
    expect(tapped.status, JSON.stringify(tapped.body)).toBe(200);
    expect(decodeProtectedHeader(tapped.body.token!).kid).toBe(newKid);
    await verifyOne(tapped.body.token!);

    // Checkpoints moved to the new key's signers with the switch: a token they co-signed has
    // a receipt whose checkpoint the new key signed (and the old key did not).
    const newToken = tokens.findLast((t) => decodeProtectedHeader(t).kid === newKid)!;
    const receipt = await receiptOf(newToken);
    const keyOf = (kid: string) =>
      Buffer.from(published.find((k) => k.kid === kid)!.x as string, 'base64url');
    const origin = DEFAULT_AUDIT_ORIGIN;
    const verified = verifyReceipt(receipt, {
      groupPublicKeys: [keyOf(newKid)],
      origin,
      token: newToken,
    });
    expect(verified.entry).toMatchObject({ type: 'mint', jti: decodeJwt(newToken).jti });
    expect(() => verifyReceipt(receipt, { groupPublicKeys: [keyOf(oldKid)], origin })).toThrow(
      /not signed by the group key/,
    );
    // Past the merge delay the new signers still sign: every token they co-signed was logged.
    await new Promise((r) => setTimeout(r, (MERGE_DELAY_SECONDS + 1) * 1000));
    const late = tokens.length;
    await until(async () => tokens.length >= late + 3, 'mints past the merge delay').catch(
      (err: Error) => {
        throw new Error(`${err.message}; last failures: ${failures.slice(-3).join(' | ')}`);
      },
    );
    // A token of the old key keeps a receipt that verifies under the keys a verifier pins.
    const oldToken = tokens.find((t) => decodeProtectedHeader(t).kid === oldKid)!;
    verifyReceipt(await receiptOf(oldToken), {
      groupPublicKeys: [keyOf(oldKid), keyOf(newKid)],
      origin,
      token: oldToken,
    });

    minting = false;
    await loop;
    // Every token of both keys verifies again at the end, old ones included.
    for (const token of tokens) await verifyOne(token);
    expect(failures).toEqual([]);
    expect([...kidsSeen()].sort()).toEqual([oldKid, newKid].sort());

    // A compromised old key is withdrawn at once (force): its tokens stop verifying.
    const forced = await call('POST', `/v1/keys/${oldKid}/retire`, { force: true });
    expect(forced.status).toBe(200);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([newKid]);
    await expect(
      jwtVerify(oldToken, createLocalJWKSet(await jwks()), { issuer, audience: 'deploy-api' }),
    ).rejects.toThrow(/no applicable key found/);
  });
});
