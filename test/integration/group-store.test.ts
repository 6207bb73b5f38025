import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  COORDINATOR_ENTRY,
  coordinatorListening,
  type DaemonProcess,
  DEV_BEARER_ENV,
  spawnDaemon,
  waitUntil,
} from '@frostmint/cli';
import { selfSignedGroup } from '@frostmint/test-support/group-config';
import { startPostgres, type TestPostgres } from '@frostmint/test-support/postgres';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CeremonyStack, startCeremonyStack } from '../support/ceremony-stack.ts';

const DEMO = { scope: ['deploy:canary'], audience: 'deploy-api' };

/** One coordinator process on the shared store, with its own (empty) state directory. */
interface Replica {
  readonly daemon: DaemonProcess;
  readonly url: string;
  readonly stateDir: string;
}

describe('the group configuration lives in the shared store: every coordinator follows it without a restart', () => {
  let stack: CeremonyStack;
  let postgres: TestPostgres;
  let configA: string;
  const replicas: Replica[] = [];
  const issued: string[] = [];

  beforeAll(async () => {
    stack = await startCeremonyStack();
    postgres = await startPostgres();
    const storage = {
      backend: 'postgres',
      url: await postgres.createDatabase(),
      maxConnections: 4,
    };
    const base = JSON.parse(await readFile(stack.layout.coordinatorConfigPath, 'utf8'));
    const start = async (name: string) => {
      const stateDir = join(stack.dir, name);
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
      const path = join(stack.dir, `${name}.json`);
      await writeFile(
        path,
        JSON.stringify({
          ...base,
          listen: '127.0.0.1:0',
          stateDir,
          storage,
          keyRotation: { pollMs: 250, prepublishSeconds: 0 },
        }),
      );
      const daemon = spawnDaemon(name, COORDINATOR_ENTRY, path, {
        [DEV_BEARER_ENV]: stack.layout.bearer,
      });
      await waitUntil(daemon, async () => coordinatorListening(daemon));
      const url = /"url":"(http:\/\/[^"]+)"/.exec(daemon.output())![1]!;
      replicas.push({ daemon, url, stateDir });
      return path;
    };
    configA = await start('coordinator-a');
    await start('coordinator-b');
  }, 240_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.daemon.stop()));
    await postgres?.stop();
    await stack?.dispose();
  });

  const file = (name: string) => join(stack.dir, name);
  const asOperator = () => ({ authorization: `Bearer ${stack.layout.bearer}` });

  async function ceremony(kind: 'dkg' | 'refresh'): Promise<{ kid: string; epoch: number }> {
    const transcript = file(`${kind}.transcript.json`);
    const guardians = kind === 'dkg' ? stack.guardianRecords.flatMap((r) => ['--guardian', r]) : [];
    const plan = await stack.cli(
      'ceremony',
      'plan',
      '--kind',
      kind,
      '--coordinator-config',
      configA,
      '--out',
      transcript,
      ...guardians,
    );
    expect(plan.code, plan.stderr).toBe(0);
    const approvals: string[] = [];
    for (const guardian of [1, 2]) {
      const out = file(`${kind}-approval-${guardian}.json`);
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
      kind,
      '--transcript',
      transcript,
      ...approvals,
      '--coordinator-config',
      configA,
      '--format',
      'json',
    );
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout);
  }

  async function mint(replica: Replica) {
    const res = await fetch(`${replica.url}/v1/mint`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asOperator() },
      body: JSON.stringify(DEMO),
    });
    return { status: res.status, body: (await res.json()) as { token?: string; error?: string } };
  }

  const jwks = async (replica: Replica) =>
    (await (await fetch(`${replica.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;

  /** What a replica signs with now, from the operator's key API. */
  async function signing(replica: Replica) {
    const res = await fetch(`${replica.url}/v1/keys`, { headers: asOperator() });
    expect(res.status).toBe(200);
    return ((await res.json()) as { signing: { kid: string; epoch: number } | null }).signing;
  }

  async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const value = await probe();
      if (done(value) || Date.now() > deadline) return value;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('serves a group made by a DKG after both coordinators started, on both, without a restart', async () => {
    for (const replica of replicas) {
      expect((await mint(replica)).body.error).toBe('group_missing');
    }
    const dkg = await ceremony('dkg');
    for (const replica of replicas) {
      const seen = await until(
        () => signing(replica),
        (s) => s?.kid === dkg.kid,
      );
      expect(seen).toEqual({ kid: dkg.kid, epoch: 1 });
      expect((await jwks(replica)).keys.map((k) => k.kid)).toEqual([dkg.kid]);
      const minted = await mint(replica);
      expect(minted.status, JSON.stringify(minted.body)).toBe(200);
      issued.push(minted.body.token!);
    }
  });

  it('picks up a share refresh on the second coordinator without a restart or a copied group.json', async () => {
    const jwksBefore = await jwks(replicas[1]!);
    const refresh = await ceremony('refresh');
    expect(refresh.epoch).toBe(2);
    for (const replica of replicas) {
      const seen = await until(
        () => signing(replica),
        (s) => s?.epoch === 2,
      );
      expect(seen).toEqual({ kid: refresh.kid, epoch: 2 });
      // The signers now sign with refreshed shares: only the new verifying shares accept them.
      for (let i = 0; i < 3; i++) {
        const minted = await mint(replica);
        expect(minted.status, JSON.stringify(minted.body)).toBe(200);
        issued.push(minted.body.token!);
      }
      expect(await jwks(replica)).toEqual(jwksBefore);
      // Nothing was copied into the replica's state directory: the store carried it.
      expect(await readdir(replica.stateDir)).not.toContain('group.json');
    }
    const ready = (await (await fetch(`${replicas[1]!.url}/readyz`)).json()) as {
      signers: { id: number; faultReason?: string }[];
    };
    expect(ready.signers.filter((s) => s.faultReason)).toEqual([]);
    for (const token of issued) {
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwksBefore), {
        issuer: stack.layout.coordinator.issuer,
        audience: 'deploy-api',
        typ: 'at+jwt',
      });
      expect(payload.scope).toBe('deploy:canary');
    }
  });

  it('refuses key lifecycle changes without the operator credential, and a key the signers do not hold', async () => {
    const kid = (await signing(replicas[0]!))!.kid;
    for (const [method, path, body] of [
      ['GET', '/v1/keys', undefined],
      ['POST', `/v1/keys/${kid}/retire`, { force: true }],
      ['POST', `/v1/keys/${kid}/switch`, { force: true }],
      ['POST', '/v1/keys', { group_config: {} }],
    ] as const) {
      for (const authorization of [undefined, 'Bearer wrong-credential']) {
        const res = await fetch(`${replicas[1]!.url}${path}`, {
          method,
          headers: {
            ...(body ? { 'content-type': 'application/json' } : {}),
            ...(authorization ? { authorization } : {}),
          },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        expect(res.status, `${method} ${path}`).toBe(401);
      }
    }
    // A key the signers do not hold (brought along, self-signed) is never published, even
    // by the operator: tokens signed with it must not verify anywhere.
    const rogue = await selfSignedGroup();
    const published = await fetch(`${replicas[1]!.url}/v1/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asOperator() },
      body: JSON.stringify({ group_config: rogue.config(1) }),
    });
    expect(published.status).toBe(409);
    expect(((await published.json()) as { error: string }).error).toBe('group_key_not_held');
    const keys = await jwks(replicas[0]!);
    expect(keys.keys.map((k) => k.kid)).toEqual([kid]);
    const forged = await rogue.token({
      iss: stack.layout.coordinator.issuer,
      aud: 'deploy-api',
      iat: Math.floor(Date.now() / 1000),
    });
    await expect(
      jwtVerify(forged, createLocalJWKSet(keys), { issuer: stack.layout.coordinator.issuer }),
    ).rejects.toThrow(/no applicable key found/);
    // The current key cannot be retired, even by the operator.
    const retire = await fetch(`${replicas[1]!.url}/v1/keys/${kid}/retire`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asOperator() },
      body: JSON.stringify({ force: true }),
    });
    expect(retire.status).toBe(409);
    expect(((await retire.json()) as { error: string }).error).toBe('store_invalid_transition');
    expect((await mint(replicas[0]!)).status).toBe(200);
  });
});
