import { generateKeyPairSync, sign } from 'node:crypto';
import { EXIT } from '@frostmint/client/cli-kit';
import {
  encodeGuardianBinding,
  type GuardianBinding,
  guardianBindingInput,
  type MintApprovalSubject,
  mintApprovalDigest,
  signingInput,
  type TokenClaims,
} from '@frostmint/core';
import { type CliIo, run } from '@frostmint/guardian-cli';
import type { MintApproval } from '@frostmint/proto';
import { createVerifier } from '@frostmint/sdk';
import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GuardedStack, startGuardedStack } from '../support/guarded-stack.ts';
import { CI_AUDIENCE } from '../support/oidc-stack.ts';
import { checkPage, pageFacts } from '../support/page-facts.ts';
import { askToSign } from '../support/rogue-sign.ts';

/** Browser-side: an assertion over `challenge` by `credentialId` (all base64url / base64). */
function assertIn(challenge: string, credentialId: string): string {
  return `(async ([challenge, credentialId]) => {
    const dec = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const enc = (x) => btoa(String.fromCharCode(...new Uint8Array(x)));
    const cred = await navigator.credentials.get({ publicKey: { challenge: dec(challenge),
      allowCredentials: [{ type: 'public-key', id: dec(credentialId) }], userVerification: 'required' } });
    const r = cred.response;
    return { authenticatorData: enc(r.authenticatorData), clientDataJson: enc(r.clientDataJSON), signature: enc(r.signature) };
  })(${JSON.stringify([challenge, credentialId])})`;
}

interface PendingView {
  id: string;
  approvals: { guardian_kid: string; signature: string; not_after: number }[];
  approval_subject: MintApprovalSubject;
}

describe('guardian approves on the web page with WebAuthn (real Chromium, CDP virtual authenticator, SoftHSM2 binding)', () => {
  let g: GuardedStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let binding: GuardianBinding;

  beforeAll(async () => {
    g = await startGuardedStack();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
    context = await browser.newContext();
    page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'usb',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await g?.dispose();
  });

  /** `frostmint-guardian` in process, with stderr readable while it runs. */
  const guardianCli = (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      promptSecret: async () => undefined,
    };
    const done = run(argv, io).then((code) => ({
      code,
      stdout: out.join(''),
      stderr: err.join(''),
    }));
    return { done, stderr: () => err.join('') };
  };
  const approveByCli = (n: number, id: string) =>
    guardianCli([
      'approve',
      '--coordinator',
      g.url,
      '--request',
      id,
      '--yes',
      ...g.stack.guardianToken(n),
    ]).done;
  const status = async () => {
    const line = page.locator('#status');
    await expect
      .poll(async () => (await line.textContent()) ?? '', { timeout: 30_000 })
      .toMatch(/^(Approved|Registered|Refused|Failed)/);
    return (await line.textContent())!;
  };
  const pendingList = async () =>
    ((await (await fetch(`${g.url}/v1/approvals/pending`)).json()) as { requests: PendingView[] })
      .requests;

  it('binds a security key to guardian 1 (binding signed by the SoftHSM2 approval key), approves deploy:prod on the page; with one CLI approval it mints, the guardian counted once', async () => {
    const bind = guardianCli([
      'webauthn',
      'bind',
      '--coordinator',
      g.url,
      '--yes',
      '--json',
      ...g.stack.guardianToken(1),
    ]);
    let url: string | undefined;
    await expect
      .poll(
        () => (url = /http:\/\/localhost:\d+\/guardians\/register\/\S+/.exec(bind.stderr())?.[0]),
      )
      .toBeDefined();
    await page.goto(url!);
    await expect.poll(() => page.locator('#intro').textContent()).toMatch(/guardian Guardian 1/);
    await page.locator('#tap:not([disabled])').click();
    const registered = await status();
    const bound = await bind.done;
    expect(bound.code, bound.stderr).toBe(0);
    const result = JSON.parse(bound.stdout) as { credentialId: string; binding: GuardianBinding };
    expect(registered).toContain(`Registered credential ${result.credentialId}`);
    expect(bound.stderr).toContain(`registered credential ${result.credentialId}`);
    expect(result.binding).toMatchObject({ guardian_kid: g.kids[0], rp_id: 'localhost' });
    binding = result.binding;

    const { id, secret } = await g.startProdMint();
    await page.goto(`${g.origin}/approvals/${id}`);
    const details = page.locator('#details');
    await expect.poll(() => details.textContent()).toContain('deploy:prod');
    const shown = (await details.textContent())!;
    expect(shown).toContain('release 1.4.2');
    expect(shown).toContain('approvals_missing');
    // The request in words (a description list), not a JSON dump.
    const heading = 'Approve a pending mint';
    const pendingAria = await checkPage(page, 'guardian-approval-pending', {
      heading,
      button: 'Approve with security key',
    });
    const facts = await pageFacts(page);
    expect(facts).toMatchObject({
      Scope: 'deploy:prod',
      'For the service (audience)': 'deploy-api',
      Justification: 'release 1.4.2',
      'Why guardians must approve': 'approvals_missing',
      'Approvals so far': '0 of 2',
    });
    expect(facts['Requested by']).toMatch(/\(a CI job\)$/);
    expect(facts['Valid for']).toMatch(/^\d+ (minute|second)s?.* after issue$/);
    expect(facts['Time left to approve']).toMatch(
      / left \(until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)$/,
    );
    expect(await page.locator('main').textContent()).not.toMatch(/[{}"]/);
    expect(pendingAria).toContain('- definition: deploy:prod');
    const csp = (await fetch(`${g.url}/approvals/${id}`)).headers.get('content-security-policy');
    expect(csp).toContain("script-src 'self'");
    await page.locator('#tap:not([disabled])').click();
    expect(await status()).toMatch(/^Approved \(1 of 2 approvals\)/);
    expect(await page.getByRole('status').textContent()).toContain('1 more approval needed.');
    await checkPage(page, 'guardian-approval-approved', { heading });
    expect(await pageFacts(page)).toMatchObject({ 'Approvals so far': '1 of 2 (yours included)' });
    expect(await g.poll(id, secret)).toMatchObject({
      status: 202,
      body: { approved_by: ['Guardian 1'] },
    });

    // The same guardian by CLI as well: refused (counted once).
    expect((await approveByCli(1, id)).code).toBe(EXIT.refused);
    // Tapping again on the page: the guardian already approved.
    await page.reload();
    await page.locator('#tap:not([disabled])').click();
    expect(await status()).toMatch(/^Refused: .*store_duplicate_approval/);

    const second = await approveByCli(2, id);
    expect(second.code, second.stderr).toBe(0);
    const minted = await g.poll(id, secret);
    expect(minted.status, JSON.stringify(minted.body)).toBe(200);
    const verifier = createVerifier({
      issuer: g.url,
      audience: 'deploy-api',
      jwksUri: `${g.url}/.well-known/jwks.json`,
    });
    const { claims } = await verifier.verify(minted.body.token as string, {
      requiredScopes: ['deploy:prod'],
    });
    verifier.close();
    expect(claims.frostmint).toMatchObject({ approvals: [g.kids[0], g.kids[1]].sort() });

    // Once minted, the page says the request can no longer be approved, and offers no tap.
    await page.reload();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toMatch(/is (approved|minted), not pending/);
    expect(await page.locator('#intro').textContent()).toBe(
      'This request cannot be approved here.',
    );
    await checkPage(page, 'guardian-approval-closed', { heading });
    expect(await page.getByRole('button', { name: 'Approve with security key' }).isDisabled()).toBe(
      true,
    );
  });

  it('refuses an approval from a credential that is not bound', async () => {
    const { id } = await g.startProdMint();
    const answer = await fetch(`${g.url}/v1/mint/requests/${id}/webauthn-approvals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'AAAA',
        type: 'public-key',
        response: { clientDataJSON: 'AA', authenticatorData: 'A'.repeat(50), signature: 'AA' },
      }),
    });
    expect(answer.status).toBe(403);
    expect(await answer.json()).toMatchObject({ error: 'credential_not_bound' });
  });

  describe('the coordinator checks registrations, bindings and counters (software authenticator over HTTP)', () => {
    const bindWithSoft = async (n: number, soft: SoftAuthenticator, extra: string[] = []) => {
      const bind = guardianCli([
        'webauthn',
        'bind',
        '--coordinator',
        g.url,
        '--json',
        ...extra,
        ...g.stack.guardianToken(n),
      ]);
      let id: string | undefined;
      await expect
        .poll(() => (id = /\/guardians\/register\/(\S+)/.exec(bind.stderr())?.[1]))
        .toBeDefined();
      const api = `${g.url}/v1/guardian-credentials/registrations/${id}`;
      const view = (await (await fetch(api)).json()) as { public_key: { challenge: string } };
      const registered = await post(
        `${api}/registration`,
        soft.register(view.public_key.challenge),
      );
      return { id: id!, api, registered, done: bind.done };
    };
    const post = async (path: string, body: unknown) => {
      const res = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const approveWith = async (soft: SoftAuthenticator, id: string, signCount: number) => {
      const { request } = (await (await fetch(`${g.url}/v1/approvals/${id}`)).json()) as {
        request: PendingView;
      };
      const assertion = soft.assert(mintApprovalDigest(request.approval_subject), { signCount });
      return post(
        `${g.url}/v1/mint/requests/${id}/webauthn-approvals`,
        SoftAuthenticator.toJson(assertion),
      );
    };

    it('binds only after the guardian confirms (no terminal, no --yes: exit 14, nothing bound)', async () => {
      const soft = new SoftAuthenticator('localhost', g.origin);
      const run = await bindWithSoft(3, soft);
      expect(run.registered.status).toBe(200);
      expect((await run.done).code).toBe(14);
      expect(await (await fetch(run.api)).json()).toMatchObject({ status: 'registered' });
      const { id } = await g.startProdMint();
      expect(await approveWith(soft, id, 1)).toMatchObject({
        status: 403,
        body: { error: 'credential_not_bound' },
      });
    });

    it('refuses a regressed signature counter, and a binding presented for another registration', async () => {
      const soft = new SoftAuthenticator('localhost', g.origin);
      const run = await bindWithSoft(3, soft, ['--yes']);
      const bound = await run.done;
      expect(bound.code, bound.stderr).toBe(0);
      const first = await g.startProdMint();
      expect(await approveWith(soft, first.id, 7)).toMatchObject({
        status: 200,
        body: { approvals: 1, required: 2, guardian_kid: g.kids[2] },
      });
      const second = await g.startProdMint();
      expect(await approveWith(soft, second.id, 7)).toMatchObject({
        status: 403,
        body: { error: 'sign_count_regressed' },
      });

      const other = new SoftAuthenticator('localhost', g.origin);
      const start = await post(`${g.url}/v1/guardian-credentials/registrations`, {
        guardian_kid: g.kids[2],
      });
      const api = `${g.url}/v1/guardian-credentials/registrations/${start.body.registration_id}`;
      const view = (await (await fetch(api)).json()) as { public_key: { challenge: string } };
      expect(
        (await post(`${api}/registration`, other.register(view.public_key.challenge))).status,
      ).toBe(200);
      const { binding: stolen } = JSON.parse(bound.stdout) as { binding: GuardianBinding };
      expect(await post(`${api}/binding`, { binding: stolen })).toMatchObject({
        status: 403,
        body: { error: 'binding_mismatch' },
      });
    });

    it('refuses registrations for unknown guardians, from foreign origins, and a challenge used twice', async () => {
      expect(
        await post(`${g.url}/v1/guardian-credentials/registrations`, {
          guardian_kid: 'A'.repeat(43),
        }),
      ).toMatchObject({ status: 404, body: { error: 'guardian_unknown' } });
      const start = await post(`${g.url}/v1/guardian-credentials/registrations`, {
        guardian_kid: g.kids[1],
      });
      const api = `${g.url}/v1/guardian-credentials/registrations/${start.body.registration_id}`;
      const view = (await (await fetch(api)).json()) as { public_key: { challenge: string } };
      const phished = new SoftAuthenticator('localhost', 'http://localhost:1');
      expect(
        await post(`${api}/registration`, phished.register(view.public_key.challenge)),
      ).toMatchObject({
        status: 403,
        body: { error: 'registration_invalid' },
      });
      const soft = new SoftAuthenticator('localhost', g.origin);
      expect(
        await post(`${api}/registration`, soft.register(view.public_key.challenge)),
      ).toMatchObject({
        status: 401,
        body: { error: 'store_challenge_unknown' },
      });
    });
  });

  describe('every signer verifies web approvals itself (rogue coordinator, hand-driven gRPC)', () => {
    let a: PendingView;
    let b: PendingView;
    beforeAll(async () => {
      const ra = await g.startProdMint();
      const rb = await g.startProdMint();
      for (const n of [1, 2]) expect((await approveByCli(n, ra.id)).code).toBe(0);
      const list = await pendingList();
      a = list.find((r) => r.id === ra.id)!;
      b = list.find((r) => r.id === rb.id)!;
    });

    /** A real assertion by the bound credential (in the browser) over `subject`'s digest. */
    const webApproval = async (
      subject: MintApprovalSubject,
      withBinding: GuardianBinding = binding,
    ): Promise<MintApproval> => {
      await page.goto(`${g.origin}/approvals/${a.id}`);
      const challenge = mintApprovalDigest(subject).toString('base64url');
      const r = (await page.evaluate(assertIn(challenge, withBinding.credential_id))) as {
        authenticatorData: string;
        clientDataJson: string;
        signature: string;
      };
      return {
        guardianKid: withBinding.guardian_kid,
        signature: Buffer.alloc(0),
        notAfter: subject.notAfter,
        webauthn: {
          binding: encodeGuardianBinding(withBinding),
          authenticatorData: Buffer.from(r.authenticatorData, 'base64'),
          clientDataJson: Buffer.from(r.clientDataJson, 'base64'),
          signature: Buffer.from(r.signature, 'base64'),
          userHandle: Buffer.alloc(0),
        },
      };
    };
    const cli = (view: PendingView, kid: string): MintApproval => {
      const found = view.approvals.find((x) => x.guardian_kid === kid)!;
      return {
        guardianKid: kid,
        signature: Buffer.from(found.signature, 'base64url'),
        notAfter: found.not_after,
        webauthn: undefined,
      };
    };
    const tokenFor = (view: PendingView): string => {
      const now = Math.floor(Date.now() / 1000);
      const { claims, ttl } = view.approval_subject;
      return signingInput({ alg: 'EdDSA', typ: 'at+jwt', kid: g.groupKid }, {
        ...claims,
        iat: now,
        nbf: now,
        exp: now + ttl,
        frostmint: { signers: [1, 2], policy: claims.frostmint.policy ?? g.policyId },
      } as TokenClaims);
    };
    const ask = async (message: string, approvals: MintApproval[]) => {
      const answers = [];
      for (const target of [1, 2]) {
        const idToken = await g.issuer.issue({ aud: CI_AUDIENCE });
        const evidence = { kind: { $case: 'oidc' as const, value: { idToken } } };
        answers.push((await askToSign(g.stack, target, message, { evidence, approvals })).first);
      }
      return answers;
    };

    it('refuses a web approval whose binding is signed by a key that is not a guardian', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const { signature: _genuine, ...body } = binding;
      const forged: GuardianBinding = {
        ...body,
        signature: sign('sha256', guardianBindingInput(body), {
          key: privateKey,
          dsaEncoding: 'ieee-p1363',
        }).toString('base64url'),
      };
      const approvals = [await webApproval(a.approval_subject, forged), cli(a, g.kids[1]!)];
      for (const answer of await ask(tokenFor(a), approvals)) {
        expect(answer).toMatchObject({ err: { code: 'binding_invalid' } });
      }
    });

    it('refuses a web approval made for another request', async () => {
      const approvals = [await webApproval(b.approval_subject), cli(a, g.kids[1]!)];
      for (const answer of await ask(tokenFor(a), approvals)) {
        expect(answer).toMatchObject({ err: { code: 'approval_invalid' } });
      }
    });

    it('counts a guardian who approved by CLI and on the web once (policy then lacks approvals)', async () => {
      const approvals = [await webApproval(a.approval_subject), cli(a, g.kids[0]!)];
      for (const answer of await ask(tokenFor(a), approvals)) {
        expect(answer).toMatchObject({
          err: { code: 'policy_denied', message: expect.stringMatching(/approvals_missing/) },
        });
      }
    });

    it('co-signs with a genuine web approval and another guardian’s CLI approval', async () => {
      const approvals = [await webApproval(a.approval_subject), cli(a, g.kids[1]!)];
      for (const answer of await ask(tokenFor(a), approvals)) {
        expect(answer).toMatchObject({ ok: {} });
      }
    });
  });
});
