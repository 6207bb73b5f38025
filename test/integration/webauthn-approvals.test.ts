import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_POLICY } from '@frostmint/cli';
import { mintChallenge, signingInput, type TokenClaims } from '@frostmint/core';
import type { Evidence } from '@frostmint/proto';
import { createVerifier } from '@frostmint/sdk';
import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../support/cli-process.ts';
import { type GuardedStack, startGuardedStack } from '../support/guarded-stack.ts';
import { askToSign } from '../support/rogue-sign.ts';
import {
  api,
  completeMint,
  enrollSoft,
  prepareMint,
  type WebAuthnStack,
} from '../support/webauthn-flow.ts';

const CAROL = 'carol@example.com';
const TAP_WINDOW_SECONDS = 30; // the smallest challengeTtlSeconds a coordinator accepts
const PROD = {
  user: CAROL,
  scope: ['deploy:prod'],
  audience: 'deploy-api',
  ttl: 300,
  justification: 'release 1.4.2',
};

interface Status {
  status: string;
  status_reason: string | null;
  approved_by?: string[];
  required_approvals: number;
  expires_in: number;
  claims: TokenClaims;
  public_key?: { challenge: string };
}

interface PendingView {
  id: string;
  requester: string;
}

describe("an engineer's deploy:prod mint waits for two guardian approvals, then for the tap (SoftHSM2 guardian keys, software passkey, real processes)", () => {
  let guarded: GuardedStack;
  let web: WebAuthnStack;
  let carol: Awaited<ReturnType<typeof enrollSoft>>;
  let work: string | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'frostmint-webauthn-approvals-'));
    const data = JSON.parse(await readFile(DEMO_POLICY.data, 'utf8'));
    // This file is about mint approvals: the copy lets carol enroll as a releaser without the
    // guardian approvals the shipped policy requires (see enrollment-approvals.test.ts).
    data.config.enrollment.approvals = {};
    const policy = { wasm: DEMO_POLICY.wasm, data: join(work, 'policy-data.json') };
    await writeFile(policy.data, JSON.stringify(data));
    // The coordinator's tap window is short (signers keep 300 s), to see it lapse and renew.
    guarded = await startGuardedStack({
      layout: { policy },
      coordinator: (config) => ({
        ...config,
        webauthn: { ...config.webauthn!, challengeTtlSeconds: TAP_WINDOW_SECONDS },
      }),
    });
    web = { coordinatorUrl: guarded.url, layout: guarded.stack.layout, idp: guarded.stack.idp };
    carol = await enrollSoft(web, CAROL, ['developer', 'releaser']);
  }, 300_000);
  afterAll(async () => {
    await guarded?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const status = async (id: string) =>
    (await api<Status>(web, 'GET', `/v1/mint/requests/${id}`)).body;
  const pendingList = async () =>
    (
      (await (await fetch(`${guarded.url}/v1/approvals/pending`)).json()) as {
        requests: (PendingView & Record<string, unknown>)[];
      }
    ).requests;
  const guardian = (n: number, verb: 'approve' | 'deny', request: string, ...extra: string[]) =>
    guarded.stack.cli(
      verb,
      '--coordinator',
      guarded.url,
      '--request',
      request,
      ...extra,
      ...guarded.stack.guardianToken(n),
    );
  const tap = (challenge: Uint8Array | string) =>
    SoftAuthenticator.toJson(
      carol.auth.assert(
        typeof challenge === 'string' ? Buffer.from(challenge, 'base64url') : challenge,
      ),
    );
  const prepare = async () => {
    const prepared = await prepareMint(web, PROD);
    expect(prepared.status, JSON.stringify(prepared.body)).toBe(201);
    return prepared.body as typeof prepared.body & { status_reason: string | null };
  };
  /** The id of the request `run` made, once it appears in the pending list (not in `before`). */
  const newRequest = async (before: Set<string>, run: CliRun): Promise<string> => {
    for (;;) {
      if (run.child.exitCode !== null) throw new Error(`the CLI exited: ${run.stderr()}`);
      const found = (await pendingList()).find((r) => !before.has(r.id) && r.requester === CAROL);
      if (found) return found.id;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const verifier = () =>
    createVerifier({
      issuer: guarded.url,
      audience: 'deploy-api',
      jwksUri: `${guarded.url}/.well-known/jwks.json`,
    });

  it('waits (listed for guardians), takes two approvals through frostmint-guardian, fixes the final token, and mints on the tap; the token names both approvers', async () => {
    const prepared = await prepare();
    expect(prepared).toMatchObject({
      status: 'pending',
      status_reason: 'awaiting_approvals',
      required_approvals: 2,
    });
    expect(prepared).not.toHaveProperty('public_key');
    const id = prepared.request_id;

    const waiting = await status(id);
    expect(waiting).toMatchObject({
      status: 'pending',
      status_reason: 'awaiting_approvals',
      approved_by: [],
      required_approvals: 2,
    });
    expect(waiting.expires_in).toBeGreaterThan(25 * 60);
    expect(waiting).not.toHaveProperty('public_key');
    expect((await pendingList()).find((r) => r.id === id)).toMatchObject({
      requester: CAROL,
      requester_kind: 'engineer',
      scope: ['deploy:prod'],
      audience: 'deploy-api',
      ttl: 300,
      justification: 'release 1.4.2',
      reasons: ['approvals_missing'],
      required_approvals: 2,
    });

    const early = await completeMint(web, id, tap(mintChallenge(prepared.signing_input)));
    expect(early.status).toBe(409);
    expect(early.body.error).toBe('awaiting_approvals');

    const first = await guardian(1, 'approve', id, '--yes');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/1 of 2 approvals/);
    expect(await status(id)).toMatchObject({
      status: 'pending',
      status_reason: 'awaiting_approvals',
      approved_by: ['Guardian 1'],
    });

    const second = await guardian(2, 'approve', id, '--yes');
    expect(second.code, second.stderr).toBe(0);
    const ready = await status(id);
    expect(ready).toMatchObject({
      status: 'approved',
      status_reason: 'awaiting_tap',
    });
    expect([...ready.approved_by!].sort()).toEqual(['Guardian 1', 'Guardian 2']);
    const approvers = [guarded.kids[0]!, guarded.kids[1]!].sort();
    expect(ready.claims.jti).toBe(prepared.claims.jti);
    expect(ready.claims.iat).toBeGreaterThanOrEqual(prepared.claims.iat);
    expect(ready.claims.exp - ready.claims.iat).toBe(300);
    expect(ready.claims.frostmint.approvals).toEqual(approvers);
    expect(ready.claims.frostmint.signers).toHaveLength(2);
    expect((await pendingList()).some((r) => r.id === id)).toBe(false);

    const done = await completeMint(web, id, tap(ready.public_key!.challenge));
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const check = verifier();
    const { claims } = await check.verify(done.body.token!, { requiredScopes: ['deploy:prod'] });
    check.close();
    expect(claims.sub).toBe(CAROL);
    expect(claims.amr).toEqual(['webauthn']);
    expect(claims.frostmint).toMatchObject({ approvals: approvers });
    expect((await status(id)).status).toBe('minted');
  });

  it('fixes the final token again when the tap window lapsed unused; the stale tap is refused, a fresh one mints', async () => {
    const { request_id: id } = await prepare();
    for (const g of [2, 3]) expect((await guardian(g, 'approve', id, '--yes')).code).toBe(0);
    const first = await status(id);
    expect(first).toMatchObject({ status: 'approved', status_reason: 'awaiting_tap' });
    const stale = tap(first.public_key!.challenge);
    await new Promise((r) => setTimeout(r, (TAP_WINDOW_SECONDS + 1) * 1000));
    const renewed = await status(id);
    expect(renewed).toMatchObject({ status: 'approved', status_reason: 'awaiting_tap' });
    expect(renewed.claims.iat).toBeGreaterThan(first.claims.iat);
    expect(renewed.claims.jti).toBe(first.claims.jti);
    expect(renewed.public_key!.challenge).not.toBe(first.public_key!.challenge);
    const refused = await completeMint(web, id, stale);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('assertion_invalid');
    const done = await completeMint(web, id, tap(renewed.public_key!.challenge));
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const check = verifier();
    const { claims } = await check.verify(done.body.token!, { requiredScopes: ['deploy:prod'] });
    check.close();
    expect(claims.iat).toBe(renewed.claims.iat);
    expect(claims.frostmint).toMatchObject({
      approvals: [guarded.kids[1]!, guarded.kids[2]!].sort(),
    });
  });

  it('does not mint with one approval, and a guardian’s denial ends the request', async () => {
    const { request_id: id, signing_input } = await prepare();
    expect((await guardian(3, 'approve', id, '--yes')).code).toBe(0);
    expect(await status(id)).toMatchObject({
      status: 'pending',
      status_reason: 'awaiting_approvals',
      approved_by: ['Guardian 3'],
    });
    const refused = await completeMint(web, id, tap(mintChallenge(signing_input)));
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('awaiting_approvals');

    const denied = await guardian(2, 'deny', id, '--yes');
    expect(denied.code, denied.stderr).toBe(0);
    expect(await status(id)).toMatchObject({
      status: 'denied',
      status_reason: expect.stringMatching(/denied by guardian "Guardian 2"/),
    });
    expect((await guardian(1, 'approve', id, '--yes')).code).toBe(12);
    const late = await completeMint(web, id, tap(mintChallenge(signing_input)));
    expect(late.status).toBe(409);
    expect(late.body.error).toBe('request_not_pending');
  });

  it('`frostmint mint` shows who approved and the time left, then asks for the tap and prints the token', async () => {
    const before = new Set((await pendingList()).map((r) => r.id));
    const run = runCli([
      'mint',
      '--coordinator',
      guarded.url,
      '--user',
      CAROL,
      '--scope',
      'deploy:prod',
      '--aud',
      'deploy-api',
      '--ttl',
      '300',
      '--no-browser',
      '--format',
      'json',
    ]);
    const id = await newRequest(before, run);
    expect((await guardian(1, 'approve', id, '--yes')).code).toBe(0);
    while (
      !/awaiting guardian approvals: 1 of 2 \(Guardian 1\) — \d+ min left/.test(run.stderr())
    ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await guardian(3, 'approve', id, '--yes')).code).toBe(0);
    const tapUrl = await run.url;
    expect(tapUrl).toContain(`/tap/mint/${id}`);
    const ready = await status(id);
    const done = await completeMint(web, id, tap(ready.public_key!.challenge));
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const out = await run.done;
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/awaiting guardian approvals: 0 of 2 — (29|30) min left/);
    const printed = JSON.parse(out.stdout) as { token: string; expires_at: number };
    const check = verifier();
    const { claims } = await check.verify(printed.token, { requiredScopes: ['deploy:prod'] });
    check.close();
    expect(claims.frostmint).toMatchObject({
      approvals: [guarded.kids[0]!, guarded.kids[2]!].sort(),
    });
    expect(printed.expires_at).toBe(claims.exp);
  });

  it("`frostmint mint` without --ttl waits at the policy's maximum lifetime, and exits 3 when a guardian denies the request", async () => {
    const before = new Set((await pendingList()).map((r) => r.id));
    const run = runCli([
      'mint',
      '--coordinator',
      guarded.url,
      '--user',
      CAROL,
      '--scope',
      'deploy:prod',
      '--aud',
      'deploy-api',
      '--no-browser',
    ]);
    const id = await newRequest(before, run);
    // No --ttl: the default lifetime is lowered to deploy:prod's 600 s, and the request waits.
    expect((await pendingList()).find((r) => r.id === id)).toMatchObject({ ttl: 600 });
    expect((await guardian(2, 'deny', id, '--yes')).code).toBe(0);
    const out = await run.done;
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/the request was denied: denied by guardian "Guardian 2"/);
    expect(out.stderr).not.toMatch(/\/tap\//);
    expect(out.stdout).toBe('');
  });

  it('every signer refuses a token naming approvals that a rogue coordinator sends with the tap but without the approvals', async () => {
    const { request_id: id } = await prepare();
    for (const g of [1, 2]) expect((await guardian(g, 'approve', id, '--yes')).code).toBe(0);
    const { claims } = await status(id);
    const header = { alg: 'EdDSA', typ: 'at+jwt', kid: guarded.groupKid } as const;
    const signers = claims.frostmint.signers;
    const refusals = async (token: TokenClaims) => {
      const message = signingInput(header, token);
      const evidence: Evidence = {
        kind: {
          $case: 'webauthn',
          value: {
            enrollmentCertificate: carol.certificate,
            ...carol.auth.assert(mintChallenge(message)),
          },
        },
      };
      const answers = [];
      for (const target of signers) {
        answers.push(
          (await askToSign(guarded.stack, target, message, { evidence, approvals: [] }, signers))
            .first,
        );
      }
      return answers;
    };
    for (const answer of await refusals(claims)) {
      expect(answer).toMatchObject({ err: { code: 'approvals_mismatch' } });
    }
    const { approvals: _dropped, ...frostmint } = claims.frostmint;
    for (const answer of await refusals({ ...claims, frostmint })) {
      expect(answer).toMatchObject({
        err: { code: 'policy_denied', message: expect.stringMatching(/approvals_missing/) },
      });
    }
  });
});
