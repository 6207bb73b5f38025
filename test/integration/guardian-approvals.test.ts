import { generateKeyPairSync, sign } from 'node:crypto';
import { EXIT } from '@frostmint/client/cli-kit';
import {
  type MintApprovalSubject,
  mintApprovalInput,
  signingInput,
  type TokenClaims,
} from '@frostmint/core';
import type { MintApproval } from '@frostmint/proto';
import { createVerifier } from '@frostmint/sdk';
import type { LocalIssuer } from '@frostmint/test-support/oidc-issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CeremonyStack } from '../support/ceremony-stack.ts';
import { type GuardedStack, startGuardedStack } from '../support/guarded-stack.ts';
import { mintCi, startMintCi } from '../support/mint-ci.ts';
import { CI_AUDIENCE } from '../support/oidc-stack.ts';
import { askToSign } from '../support/rogue-sign.ts';

interface PendingView {
  id: string;
  approvals: {
    guardian_kid: string;
    guardian: string | null;
    signature: string;
    not_after: number;
  }[];
  approval_subject: MintApprovalSubject;
  reasons: string[];
}

describe('deploy:prod needs two guardian approvals (SoftHSM2 guardian keys, frostmint-guardian approve, real processes)', () => {
  let guarded: GuardedStack;
  let stack: CeremonyStack;
  let issuer: LocalIssuer;
  let url: string;
  let kids: string[];
  let policyId: string;
  let groupKid: string;

  beforeAll(async () => {
    guarded = await startGuardedStack();
    ({ stack, issuer, url, kids, policyId, groupKid } = guarded);
  }, 300_000);
  afterAll(async () => {
    await guarded?.dispose();
  });

  const prodIdToken = () => issuer.issue({ aud: CI_AUDIENCE });
  const pendingList = async () =>
    ((await (await fetch(`${url}/v1/approvals/pending`)).json()) as { requests: PendingView[] })
      .requests;
  const poll = (id: string, secret: string) => guarded.poll(id, secret);
  const guardian = (n: number, verb: 'approve' | 'deny', request: string, ...extra: string[]) =>
    stack.cli(
      verb,
      '--coordinator',
      url,
      '--request',
      request,
      ...extra,
      ...stack.guardianToken(n),
    );
  const start = () => guarded.startProdMint();

  it('waits for approvals, shows who approved and the time left, then mints with two guardians; the token names them', async () => {
    const { id, secret } = await start();
    const waiting = await poll(id, secret);
    expect(waiting).toMatchObject({
      status: 202,
      body: { status: 'pending', approved_by: [], required_approvals: 2 },
    });
    expect(waiting.body.expires_in).toBeGreaterThan(0);
    expect(await poll(id, 'not-the-secret')).toMatchObject({
      status: 404,
      body: { error: 'request_not_found' },
    });

    const shown = await pendingList();
    expect(shown.find((r) => r.id === id)).toMatchObject({
      reasons: ['approvals_missing'],
      approvals: [],
    });

    const noTerminal = await guardian(1, 'approve', id);
    expect(noTerminal.code).toBe(14);
    expect(noTerminal.stderr).toMatch(/You are asked to approve this mint request/);
    expect(noTerminal.stderr).toMatch(/deploy:prod/);

    const first = await guardian(1, 'approve', id, '--yes');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/1 of 2 approvals/);
    expect((await guardian(1, 'approve', id, '--yes')).code).toBe(EXIT.refused); // counted once
    expect(await poll(id, secret)).toMatchObject({
      status: 202,
      body: { approved_by: ['Guardian 1'] },
    });

    const second = await guardian(2, 'approve', id, '--yes', '--json');
    expect(second.code, second.stderr).toBe(0);
    // Reading it as a two-step request (anyone can) leaves it to its requester's poll.
    const read = (await (await fetch(`${url}/v1/mint/requests/${id}`)).json()) as {
      status: string;
    };
    expect(read.status).toBe('pending');
    const minted = await poll(id, secret);
    expect(minted.status, JSON.stringify(minted.body)).toBe(200);
    const verifier = createVerifier({
      issuer: url,
      audience: 'deploy-api',
      jwksUri: `${url}/.well-known/jwks.json`,
    });
    const { claims } = await verifier.verify(minted.body.token as string, {
      requiredScopes: ['deploy:prod'],
    });
    verifier.close();
    expect(claims.frostmint).toMatchObject({ approvals: [kids[0], kids[1]].sort() });
    expect(claims.amr).toEqual(['oidc']);
    expect(await poll(id, secret)).toMatchObject({
      status: 409,
      body: { error: 'request_already_minted' },
    });
  });

  it('does not mint with one approval, and a guardian can deny', async () => {
    const { id, secret } = await start();
    expect((await guardian(3, 'approve', id, '--yes')).code).toBe(0);
    expect(await poll(id, secret)).toMatchObject({
      status: 202,
      body: { status: 'pending', approved_by: ['Guardian 3'] },
    });
    const denied = await guardian(2, 'deny', id, '--yes');
    expect(denied.code, denied.stderr).toBe(0);
    expect(await poll(id, secret)).toMatchObject({
      status: 403,
      body: { error: 'request_denied' },
    });
    expect((await guardian(1, 'approve', id, '--yes')).code).toBe(12);
  });

  it('`frostmint mint-ci` waits for the approvals, shows who approved, then prints the token; without them it gives up (exit 5, timed out)', async () => {
    const args = [
      '--coordinator',
      url,
      '--scope',
      'deploy:prod',
      '--aud',
      'deploy-api',
      '--justification',
      'release',
    ];
    const before = new Set((await pendingList()).map((r) => r.id));
    const run = startMintCi(args, { FROSTMINT_ID_TOKEN: await prodIdToken() });
    let id: string | undefined;
    while (!id) {
      await new Promise((r) => setTimeout(r, 200));
      id = (await pendingList()).find((r) => !before.has(r.id))?.id;
    }
    expect((await guardian(1, 'approve', id, '--yes')).code).toBe(0);
    while (!run.stderr().includes('approved by Guardian 1 (1 of 2)')) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await guardian(2, 'approve', id, '--yes')).code).toBe(0);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/waiting for 2 guardian approval/);
    const verifier = createVerifier({
      issuer: url,
      audience: 'deploy-api',
      jwksUri: `${url}/.well-known/jwks.json`,
    });
    await expect(
      verifier.verify(done.stdout.trim(), { requiredScopes: ['deploy:prod'] }),
    ).resolves.toBeDefined();
    verifier.close();

    const impatient = await mintCi([...args, '--wait', '1'], {
      FROSTMINT_ID_TOKEN: await prodIdToken(),
    });
    expect(impatient.code).toBe(EXIT.timeout);
    expect(impatient.stderr).toMatch(/approval_timeout/);
  });

  describe('every signer refuses forged, misbound and double-counted approvals (rogue coordinator)', () => {
    let genuine: { a: PendingView; b: PendingView };
    beforeAll(async () => {
      const a = await start();
      const b = await start();
      for (const g of [1, 2]) expect((await guardian(g, 'approve', a.id, '--yes')).code).toBe(0);
      expect((await guardian(1, 'approve', b.id, '--yes')).code).toBe(0);
      const list = await pendingList();
      genuine = { a: list.find((r) => r.id === a.id)!, b: list.find((r) => r.id === b.id)! };
    });

    const header = () => ({ alg: 'EdDSA', typ: 'at+jwt', kid: groupKid }) as const;
    /** The token the pending request stands for, signed now by signers 1 and 2. */
    const tokenFor = (view: PendingView, over: Partial<TokenClaims> = {}): string => {
      const now = Math.floor(Date.now() / 1000);
      const { claims, ttl } = view.approval_subject;
      return signingInput(header(), {
        ...claims,
        iat: now,
        nbf: now,
        exp: now + ttl,
        frostmint: { signers: [1, 2], policy: claims.frostmint.policy ?? policyId },
        ...over,
      } as TokenClaims);
    };
    const wire = (a: PendingView['approvals'][number]): MintApproval => ({
      guardianKid: a.guardian_kid,
      signature: Buffer.from(a.signature, 'base64url'),
      notAfter: a.not_after,
      webauthn: undefined,
    });
    const ask = async (message: string, approvals: MintApproval[], idToken?: string) => {
      const evidence = {
        kind: { $case: 'oidc' as const, value: { idToken: idToken ?? (await prodIdToken()) } },
      };
      const answers = [];
      for (const target of [1, 2]) {
        answers.push((await askToSign(stack, target, message, { evidence, approvals })).first);
      }
      return answers;
    };

    it('refuses a forged approval under a guardian kid', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const subject = genuine.a.approval_subject;
      const forged: MintApproval = {
        guardianKid: kids[2]!,
        signature: sign('sha256', mintApprovalInput(subject), {
          key: privateKey,
          dsaEncoding: 'ieee-p1363',
        }),
        notAfter: subject.notAfter,
        webauthn: undefined,
      };
      const [first] = genuine.a.approvals;
      for (const answer of await ask(tokenFor(genuine.a), [wire(first!), forged])) {
        expect(answer).toMatchObject({ err: { code: 'approval_invalid' } });
      }
    });

    it("refuses another request's approval", async () => {
      const approvals = [wire(genuine.b.approvals[0]!), wire(genuine.a.approvals[1]!)];
      for (const answer of await ask(tokenFor(genuine.b), approvals)) {
        expect(answer).toMatchObject({ err: { code: 'approval_invalid' } });
      }
    });

    it('counts the same guardian once (policy then lacks approvals)', async () => {
      const once = wire(genuine.a.approvals[0]!);
      for (const answer of await ask(tokenFor(genuine.a), [once, once])) {
        expect(answer).toMatchObject({
          err: { code: 'policy_denied', message: expect.stringMatching(/approvals_missing/) },
        });
      }
    });

    it('refuses a token naming approvers that did not approve', async () => {
      const approvals = genuine.a.approvals.map(wire);
      const message = tokenFor(genuine.a, {
        frostmint: { signers: [1, 2], policy: policyId, approvals: [kids[2]!] },
      });
      for (const answer of await ask(message, approvals)) {
        expect(answer).toMatchObject({ err: { code: 'approvals_mismatch' } });
      }
    });

    it('co-signs the approved request once (refused attempts burn nothing), and refuses the same approvals for it again at another time', async () => {
      const approvals = genuine.a.approvals.map(wire);
      const once = approvals[0]!;
      for (const answer of await ask(tokenFor(genuine.a), [once, once])) {
        expect(answer).toMatchObject({ err: { code: 'policy_denied' } });
      }
      await new Promise((r) => setTimeout(r, 1_100)); // another iat: another token
      const answers = await ask(tokenFor(genuine.a), approvals);
      for (const answer of answers) expect(answer).toMatchObject({ ok: {} });
      await new Promise((r) => setTimeout(r, 1_100));
      for (const answer of await ask(tokenFor(genuine.a), approvals)) {
        expect(answer).toMatchObject({ err: { code: 'approval_replayed' } });
      }
    });
  });
});
