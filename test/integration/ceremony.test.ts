import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '@frostmint/client/cli-kit';
import { type GroupConfigV2, readGroupConfig } from '@frostmint/core';
import { SIGNING_LOG_FILE } from '@frostmint/signer';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type CeremonyStack,
  FAULTY_SIGNER_ENTRY,
  startCeremonyStack,
} from '../support/ceremony-stack.ts';

const DEMO = { scope: ['deploy:canary'], audience: 'deploy-api' };

describe('guardian key ceremonies through real processes (3 signers on SoftHSM2, 3 guardian tokens)', () => {
  let stack: CeremonyStack;
  let coordinatorConfig: string;
  let url: string;
  const issued: string[] = [];
  let jwksAtDkg: JSONWebKeySet;

  beforeAll(async () => {
    stack = await startCeremonyStack();
    coordinatorConfig = stack.layout.coordinatorConfigPath;
  }, 180_000);
  afterAll(async () => {
    await stack?.dispose();
  });

  const file = (name: string) => join(stack.dir, name);

  async function planned(kind: string, ...extra: string[]) {
    const out = file(`${kind}-${Date.now()}.transcript.json`);
    const res = await stack.cli(
      'ceremony',
      'plan',
      '--kind',
      kind,
      '--coordinator-config',
      coordinatorConfig,
      '--out',
      out,
      ...extra,
    );
    expect(res.code, res.stderr).toBe(0);
    return out;
  }

  async function approved(transcript: string, guardian: number) {
    const out = file(`approval-${guardian}-${Date.now()}.json`);
    const res = await stack.cli(
      'ceremony',
      'approve',
      '--transcript',
      transcript,
      '--out',
      out,
      ...stack.guardianToken(guardian),
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/You are asked to approve this key ceremony/);
    expect(res.stderr).toMatch(/touch your YubiKey now/);
    return out;
  }

  const runCeremony = (kind: string, transcript: string, approvals: string[], json = true) =>
    stack.cli(
      'ceremony',
      kind,
      '--transcript',
      transcript,
      ...approvals.flatMap((a) => ['--approval', a]),
      '--coordinator-config',
      coordinatorConfig,
      ...(json ? ['--json'] : []),
    );

  /** Every file in every signer's and the coordinator's state directory. */
  /** Key material and group configurations; not a signer's own log of what it refused. */
  async function stateFiles(): Promise<string[]> {
    const dirs = [
      stack.layout.coordinator.stateDir,
      ...stack.layout.signers.map((s) => s.stateDir),
    ];
    const files = (await Promise.all(dirs.map((d) => readdir(d)))).flat();
    return files.filter((f) => f !== SIGNING_LOG_FILE);
  }

  async function mint() {
    const res = await fetch(`${url}/v1/mint`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.layout.bearer}`,
      },
      body: JSON.stringify(DEMO),
    });
    return { status: res.status, body: (await res.json()) as { token?: string; error?: string } };
  }

  const jwks = async () =>
    (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;

  async function everyIssuedTokenVerifies(keys: JSONWebKeySet) {
    for (const token of issued) {
      const { payload } = await jwtVerify(token, createLocalJWKSet(keys), {
        issuer: url,
        audience: 'deploy-api',
        typ: 'at+jwt',
      });
      expect(payload.scope).toBe('deploy:canary');
    }
  }

  const signersOf = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).frostmint.signers;

  it('refuses a DKG with one approval, a forged one, one for another transcript, or the same guardian twice', async () => {
    const transcript = await planned(
      'dkg',
      ...stack.guardianRecords.flatMap((r) => ['--guardian', r]),
    );
    const other = await planned('dkg', ...stack.guardianRecords.flatMap((r) => ['--guardian', r]));
    const a1 = await approved(transcript, 1);
    const a1again = await approved(transcript, 1);
    const a2other = await approved(other, 2);
    const forged = file('forged.json');
    // Guardian 1's signature presented as guardian 3's approval.
    const genuine = JSON.parse(await readFile(a1, 'utf8'));
    const third = JSON.parse(await readFile(stack.guardianRecords[2]!, 'utf8'));
    await writeFile(
      forged,
      JSON.stringify({ ...genuine, guardian: { name: 'Guardian 3', kid: third.approvalKey.kid } }),
    );
    const cases: [string, string[], string][] = [
      ['one approval', [a1], 'ceremony_approvals_insufficient'],
      ['the same guardian twice', [a1, a1again], 'ceremony_approvals_insufficient'],
      ['a forged approval', [a1, forged], 'ceremony_approval_invalid'],
      ['an approval of another transcript', [a1, a2other], 'ceremony_approval_invalid'],
    ];
    for (const [what, approvals, code] of cases) {
      const res = await runCeremony('dkg', transcript, approvals);
      expect([what, res.code]).toEqual([what, EXIT.refused]);
      const answer = JSON.parse(res.stdout.trim());
      expect([what, answer.error]).toEqual([what, code]);
      expect(answer.message).toMatch(/^signer \d: /); // the signers refused, not the CLI
    }
    expect(await stateFiles()).toEqual([]);
  });

  it('aborts cleanly when a signer fails midway: nothing is written anywhere', async () => {
    await stack.stopSigner(3);
    await stack.startSigner(3, FAULTY_SIGNER_ENTRY); // corrupts its signature shares
    const transcript = await planned(
      'dkg',
      ...stack.guardianRecords.flatMap((r) => ['--guardian', r]),
    );
    const approvals = [await approved(transcript, 1), await approved(transcript, 3)];
    const res = await runCeremony('dkg', transcript, approvals);
    expect(res.code).toBe(9);
    expect(JSON.parse(res.stdout.trim()).message).toMatch(/ceremony_share_invalid.*signer 3/);
    expect(await stateFiles()).toEqual([]);
    await stack.stopSigner(3);
    await stack.startSigner(3);
  });

  it('runs the DKG ceremony with two guardian approvals; every signer ends with its sealed share and the signed configuration; tokens mint', async () => {
    const transcript = await planned(
      'dkg',
      ...stack.guardianRecords.flatMap((r) => ['--guardian', r]),
    );
    const res = await runCeremony('dkg', transcript, [
      await approved(transcript, 1),
      await approved(transcript, 2),
    ]);
    expect(res.code, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout) as { kid: string; epoch: number };
    expect(result.epoch).toBe(1);
    for (const signer of stack.layout.signers) {
      const group = (await readGroupConfig(signer.stateDir)) as GroupConfigV2;
      expect(group).toMatchObject({ version: 2, kid: result.kid, epoch: 1 });
      expect(group.guardians.approvals).toBe(2);
      expect(group.guardians.keys.map((g) => g.name)).toEqual([
        'Guardian 1',
        'Guardian 2',
        'Guardian 3',
      ]);
      expect(await readdir(signer.stateDir)).toContain(
        `share-${result.kid}-${signer.id}.sealed.json`,
      );
    }
    url = await stack.restartCoordinator();
    jwksAtDkg = await jwks();
    expect(jwksAtDkg.keys[0]!.kid).toBe(result.kid);
    const minted = await mint();
    expect(minted.status, JSON.stringify(minted.body)).toBe(200);
    issued.push(minted.body.token!);
    await everyIssuedTokenVerifies(jwksAtDkg);

    const status = await stack.cli('status', '--coordinator-config', coordinatorConfig, '--json');
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report).toMatchObject({
      healthy: true,
      group: { kid: result.kid, epoch: 1, approvals: 2 },
    });
    expect(report.signers.map((s: { ready: boolean }) => s.ready)).toEqual([true, true, true]);
  });

  it('refuses a second DKG on signers that hold a group key', async () => {
    const transcript = await planned(
      'dkg',
      ...stack.guardianRecords.flatMap((r) => ['--guardian', r]),
    );
    const res = await runCeremony('dkg', transcript, [
      await approved(transcript, 1),
      await approved(transcript, 2),
    ]);
    expect(res.code).toBe(EXIT.refused);
    expect(JSON.parse(res.stdout.trim()).error).toBe('dkg_group_exists');
  });

  it('refreshes the shares: same JWKS, earlier tokens verify, a share saved before refresh fails share verification at the coordinator', async () => {
    const signer1 = stack.layout.signers[0]!;
    const kid = jwksAtDkg.keys[0]!.kid!;
    const shareFile = join(signer1.stateDir, `share-${kid}-1.sealed.json`);
    const saved = file('signer-1-share-before-refresh.json');
    await cp(shareFile, saved);

    const transcript = await planned('refresh');
    const res = await runCeremony(
      'refresh',
      transcript,
      [await approved(transcript, 2), await approved(transcript, 3)],
      false,
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/Signers 1, 2, 3 check the transcript and the guardian approvals/);
    expect(res.stderr).toMatch(/kept pending, nothing written yet/);
    expect(res.stdout).toMatch(new RegExp(`Done: group key ${kid}, epoch 2\\.`));
    expect(res.stdout).toMatch(/within its poll interval, without a restart/);

    url = await stack.restartCoordinator();
    expect(await jwks()).toEqual(jwksAtDkg);
    await everyIssuedTokenVerifies(await jwks());
    const minted = await mint();
    expect(minted.status).toBe(200);
    issued.push(minted.body.token!);

    // Signer 1 goes back to its pre-refresh share; with signer 3 down it must take part.
    await stack.stopSigner(1);
    await cp(saved, shareFile);
    await stack.startSigner(1);
    await stack.stopSigner(3);
    url = await stack.restartCoordinator();
    const refused = await mint();
    expect(refused).toMatchObject({ status: 503, body: { error: 'quorum_unavailable' } });
    const ready = (await (await fetch(`${url}/readyz`)).json()) as {
      signers: { id: number; faultReason?: string }[];
    };
    expect(ready.signers.find((s) => s.id === 1)?.faultReason).toBe('invalid signature share');
    await stack.startSigner(3);
  });

  it('replaces a lost signer (same id, new TLS identity and token) keeping the group key; its share verifies', async () => {
    await stack.stopSigner(1); // lost: token, share and TLS key gone
    const replacement = await stack.replaceSigner(1);
    await stack.startSigner(1);
    const before = await stack.cli('status', '--coordinator-config', coordinatorConfig, '--json');
    expect(before.code).toBe(11);

    const transcript = await planned('replace-signer', '--lost', '1');
    const res = await runCeremony('replace-signer', transcript, [
      await approved(transcript, 1),
      await approved(transcript, 3),
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      epoch: 3,
      ceremony: { kind: 'replace-signer' },
    });
    const group = (await readGroupConfig(replacement.stateDir)) as GroupConfigV2;
    expect(group.kid).toBe(jwksAtDkg.keys[0]!.kid);

    url = await stack.restartCoordinator();
    expect(await jwks()).toEqual(jwksAtDkg);
    await stack.stopSigner(3); // the new signer 1 must take part
    const minted = await mint();
    expect(minted.status, JSON.stringify(minted.body)).toBe(200);
    expect(signersOf(minted.body.token!)).toEqual([1, 2]);
    issued.push(minted.body.token!);
    await everyIssuedTokenVerifies(await jwks());
    await stack.startSigner(3);
    const after = await stack.cli('status', '--coordinator-config', coordinatorConfig, '--json');
    expect(after.code, after.stdout).toBe(0);
  });

  it('rolls a guardian-approved policy bundle out under load without a restart or a failed mint; refuses one approval or a tampered bundle', async () => {
    const policyNow = async () =>
      ((await (await fetch(`${url}/v1/policy`)).json()) as { policy: string; source: string })
        .policy;
    const before = await policyNow();
    const data = JSON.parse(await readFile(stack.layout.coordinator.policy.data, 'utf8'));
    data.config.scopes['deploy:canary'].max_ttl = 600;
    const dataFile = file('stricter-data.json');
    await writeFile(dataFile, JSON.stringify(data));
    const bundle = file('policy-bundle.json');
    const packed = await stack.cli(
      'policy',
      'pack',
      '--wasm',
      stack.layout.coordinator.policy.wasm,
      '--data',
      dataFile,
      '--out',
      bundle,
    );
    expect(packed.code, packed.stderr).toBe(0);
    const next = packed.stdout.trim();
    const submit = () =>
      stack.cli('policy', 'submit', '--bundle', bundle, '--coordinator', url, '--json');

    const approve = async (guardian: number) => {
      const res = await stack.cli(
        'policy',
        'approve',
        '--bundle',
        bundle,
        ...stack.guardianToken(guardian),
      );
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toMatch(/You are asked to approve this policy bundle/);
    };
    await approve(1);
    const tooFew = await submit();
    expect(tooFew.code).toBe(EXIT.refused);
    expect(JSON.parse(tooFew.stdout).error).toBe('policy_bundle_rejected');
    expect(await policyNow()).toBe(before);

    await approve(3);
    const tampered = file('tampered-bundle.json');
    const forged = JSON.parse(await readFile(bundle, 'utf8'));
    forged.data.config.scopes['deploy:canary'].max_ttl = 900;
    await writeFile(tampered, JSON.stringify(forged));
    const refused = await stack.cli('policy', 'submit', '--bundle', tampered, '--coordinator', url);
    expect(refused.code).toBe(EXIT.refused);
    expect(await policyNow()).toBe(before);

    // Load: four clients mint back to back across the switch.
    const results: { status: number; error?: string; policy?: string; ttl?: number }[] = [];
    let loading = true;
    const client = async () => {
      while (loading) {
        const { status, body } = await mint();
        const claims = body.token
          ? JSON.parse(Buffer.from(body.token.split('.')[1]!, 'base64url').toString())
          : undefined;
        results.push({
          status,
          ...(body.error ? { error: body.error } : {}),
          policy: claims?.frostmint.policy,
          ttl: claims && claims.exp - claims.iat,
        });
      }
    };
    const load = Promise.all([client(), client(), client(), client()]);
    await new Promise((r) => setTimeout(r, 1_000));
    const rolled = await submit();
    await new Promise((r) => setTimeout(r, 1_000));
    loading = false;
    await load;
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(JSON.parse(rolled.stdout)).toMatchObject({
      policy: next,
      previous: before,
      changed: true,
    });
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.some((r) => r.policy === before && r.ttl === 900)).toBe(true);
    expect(results.at(-1)).toMatchObject({ policy: next, ttl: 600 });
    expect(await policyNow()).toBe(next);

    // The bundle survives restarts: signers 1 and 3 must both enforce it, and the coordinator.
    await stack.stopSigner(1);
    await stack.startSigner(1);
    // The coordinator saw signer 1 down while it restarted: wait for its next health poll.
    await vi.waitFor(
      async () => {
        const { signers } = (await (await fetch(`${url}/readyz`)).json()) as {
          signers: { id: number; ready: boolean }[];
        };
        expect(signers.filter((s) => s.ready).map((s) => s.id)).toEqual([1, 2, 3]);
      },
      { timeout: 15_000, interval: 250 },
    );
    await stack.stopSigner(2);
    // The first mint after stopping signer 2 may meet a just-restarted signer still slow to
    // answer round one (503 quorum_unavailable); the coordinator retries on the next call.
    const minted = await vi.waitFor(
      async () => {
        const answer = await mint();
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        return answer;
      },
      { timeout: 20_000, interval: 1_000 },
    );
    expect(signersOf(minted.body.token!)).toEqual([1, 3]);
    const claims = JSON.parse(
      Buffer.from(minted.body.token!.split('.')[1]!, 'base64url').toString(),
    );
    expect(claims.frostmint.policy).toBe(next);
    await stack.startSigner(2);
    url = await stack.restartCoordinator();
    expect(await policyNow()).toBe(next);
  });
});
