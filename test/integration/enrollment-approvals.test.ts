import { randomBytes } from 'node:crypto';
import {
  type EnrollmentApprovalSubject,
  type EnrollmentCertificate,
  enrollmentSigningInput,
  registrationChallenge,
} from '@frostmint/core';
import { type MintApproval, SigningPurpose } from '@frostmint/proto';
import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';
import { type GuardedStack, startGuardedStack } from '../support/guarded-stack.ts';
import { askToSign, SIGNER_PAIRS } from '../support/rogue-sign.ts';
import { api, relyingParty, type WebAuthnStack } from '../support/webauthn-flow.ts';

const CAROL = 'carol@example.com';
const ROLES = ['developer', 'releaser'];
const TAP_WINDOW_SECONDS = 30; // the smallest challengeTtlSeconds a coordinator accepts

interface Begun {
  request_id: string;
  status: string;
  status_reason: string | null;
  required_approvals: number;
  public_key?: { challenge: string };
}

interface Status {
  status: string;
  status_reason: string | null;
  approved_by?: string[];
  required_approvals: number;
  certificate_expires_at: number;
  public_key?: { challenge: string };
}

interface PendingEnrollment {
  id: string;
  kind: string;
  user?: string;
  roles?: string[];
  lifetime?: number;
  reasons: string[];
  required_approvals: number;
  approvals: {
    guardian_kid: string;
    guardian: string | null;
    signature: string;
    not_after: number;
  }[];
  approval_subject: EnrollmentApprovalSubject;
}

describe('a releaser enrollment waits for two guardian approvals under the shipped policy (SoftHSM2 guardian keys, software passkey, real processes)', () => {
  let guarded: GuardedStack;
  let web: WebAuthnStack;

  beforeAll(async () => {
    // The coordinator's tap window is short (signers keep 300 s), to see it lapse and renew.
    guarded = await startGuardedStack({
      coordinator: (config) => ({
        ...config,
        webauthn: { ...config.webauthn!, challengeTtlSeconds: TAP_WINDOW_SECONDS },
      }),
    });
    web = { coordinatorUrl: guarded.url, layout: guarded.stack.layout, idp: guarded.stack.idp };
  }, 300_000);
  afterAll(async () => {
    await guarded?.dispose();
  });

  const operator = () => ({ authorization: `Bearer ${guarded.stack.layout.bearer}` });
  const begin = async (user = CAROL, roles = ROLES) => {
    const begun = await api<Begun>(web, 'POST', '/v1/enrollments', { user, roles }, operator());
    expect(begun.status, JSON.stringify(begun.body)).toBe(201);
    return begun.body;
  };
  const status = async (id: string) =>
    (await api<Status>(web, 'GET', `/v1/enrollments/requests/${id}`)).body;
  const register = (id: string, registration: unknown) =>
    api<{ certificate?: string; roles?: string[] }>(
      web,
      'POST',
      `/v1/enrollments/requests/${id}/registration`,
      registration,
    );
  const pendingList = async () =>
    (
      (await (await fetch(`${guarded.url}/v1/approvals/pending`)).json()) as {
        requests: PendingEnrollment[];
      }
    ).requests;
  const guardian = (n: number, verb: 'approve' | 'deny', request: string) =>
    guarded.stack.cli(
      verb,
      '--coordinator',
      guarded.url,
      '--request',
      request,
      '--yes',
      ...guarded.stack.guardianToken(n),
    );
  const passkey = () => {
    const { rpId, origin } = relyingParty(web);
    return new SoftAuthenticator(rpId, origin);
  };

  it('waits (listed for guardians as an enrollment), takes two approvals through frostmint-guardian, then certifies the releaser on the tap', async () => {
    const begun = await begin();
    expect(begun).toMatchObject({
      status: 'pending',
      status_reason: 'awaiting_approvals',
      required_approvals: 2,
    });
    expect(begun).not.toHaveProperty('public_key');
    const id = begun.request_id;
    expect(await status(id)).toMatchObject({
      status: 'pending',
      status_reason: 'awaiting_approvals',
      approved_by: [],
    });
    expect((await pendingList()).find((r) => r.id === id)).toMatchObject({
      kind: 'enrollment',
      user: CAROL,
      roles: ROLES,
      lifetime: 86_400,
      // The guardians' approvals are what will prove this enrollment (no IdP login needed).
      reasons: ['approvals_missing', 'enrollment_unproven'],
      required_approvals: 2,
      approval_subject: { cert_id: id, sub: CAROL, roles: ROLES, lifetime: 86_400 },
    });
    const auth = passkey();
    const early = await register(id, auth.register(randomBytes(32).toString('base64url')));
    expect(early.status).toBe(409);
    expect(early.body.error).toBe('awaiting_approvals');

    const first = await guardian(1, 'approve', id);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/approve this enrollment/);
    expect(first.stderr).toMatch(/engineer\s+carol@example\.com/);
    expect(first.stderr).toMatch(/roles\s+developer, releaser/);
    expect(first.stderr).toMatch(/lifetime\s+86400 s/);
    expect(first.stdout).toMatch(/1 of 2 approvals/);
    expect(await status(id)).toMatchObject({ status: 'pending', approved_by: ['Guardian 1'] });

    const second = await guardian(2, 'approve', id);
    expect(second.code, second.stderr).toBe(0);
    const ready = await status(id);
    expect(ready).toMatchObject({ status: 'approved', status_reason: 'awaiting_tap' });
    expect([...ready.approved_by!].sort()).toEqual(['Guardian 1', 'Guardian 2']);
    expect((await pendingList()).some((r) => r.id === id)).toBe(false);

    const done = await register(id, auth.register(ready.public_key!.challenge));
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const cert = JSON.parse(done.body.certificate!) as EnrollmentCertificate;
    expect(cert).toMatchObject({ cert_id: id, sub: CAROL, roles: ROLES });
    expect(cert.exp - cert.iat).toBe(86_400);
    expect((await status(id)).status).toBe('enrolled');
  });

  it('fixes the request again when the tap window lapsed unused: the stale registration is refused, a fresh one is certified', async () => {
    const { request_id: id } = await begin();
    for (const g of [2, 3]) expect((await guardian(g, 'approve', id)).code).toBe(0);
    const stale = await status(id);
    expect(stale).toMatchObject({ status: 'approved', status_reason: 'awaiting_tap' });
    await new Promise((r) => setTimeout(r, (TAP_WINDOW_SECONDS + 1) * 1000));
    const auth = passkey();
    const late = await register(id, auth.register(stale.public_key!.challenge));
    expect(late.status).toBe(403);
    expect(late.body.error).toBe('tap_window_lapsed');
    const fresh = await status(id);
    expect(fresh).toMatchObject({ status: 'approved', status_reason: 'awaiting_tap' });
    expect(fresh.public_key!.challenge).not.toBe(stale.public_key!.challenge);
    expect(fresh.certificate_expires_at).toBeGreaterThan(stale.certificate_expires_at);
    const done = await register(id, auth.register(fresh.public_key!.challenge));
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(JSON.parse(done.body.certificate!)).toMatchObject({ cert_id: id, roles: ROLES });
  }, 90_000);

  it('certifies nothing with one approval, and a guardian’s denial ends the enrollment', async () => {
    const { request_id: id } = await begin();
    expect((await guardian(3, 'approve', id)).code).toBe(0);
    expect(await status(id)).toMatchObject({
      status: 'pending',
      status_reason: 'awaiting_approvals',
      approved_by: ['Guardian 3'],
    });
    expect(await status(id)).not.toHaveProperty('public_key');
    const auth = passkey();
    const refused = await register(id, auth.register(randomBytes(32).toString('base64url')));
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('awaiting_approvals');

    const denied = await guardian(2, 'deny', id);
    expect(denied.code, denied.stderr).toBe(0);
    expect(await status(id)).toMatchObject({
      status: 'denied',
      status_reason: expect.stringMatching(/denied by guardian "Guardian 2"/),
    });
    expect((await guardian(1, 'approve', id)).code).toBe(12);
  });

  it('keeps enrollments off the web approval page (guardians approve them with frostmint-guardian)', async () => {
    const { request_id: id } = await begin();
    const page = await api(web, 'GET', `/v1/approvals/${id}`);
    expect(page.status).toBe(409);
    expect(page.body.error).toBe('web_approval_unsupported');
  });

  it('`frostmint enroll` shows the guardian approvals awaited, then asks for the tap', async () => {
    const before = new Set((await pendingList()).map((r) => r.id));
    const run = runCli(
      [
        'enroll',
        '--coordinator',
        guarded.url,
        '--user',
        CAROL,
        '--role',
        'developer',
        '--role',
        'releaser',
        '--no-browser',
      ],
      { FROSTMINT_OPERATOR_TOKEN: guarded.stack.layout.bearer },
    );
    let id: string | undefined;
    while (id === undefined) {
      if (run.child.exitCode !== null) throw new Error(`the CLI exited: ${run.stderr()}`);
      id = (await pendingList()).find((r) => !before.has(r.id) && r.kind === 'enrollment')?.id;
      if (id === undefined) await new Promise((r) => setTimeout(r, 200));
    }
    // The CLI shows the request before any approval (approving first would race its poll).
    while (!/awaiting guardian approvals: 0 of 2/.test(run.stderr())) {
      if (run.child.exitCode !== null) throw new Error(`the CLI exited: ${run.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await guardian(1, 'approve', id)).code).toBe(0);
    while (
      !/awaiting guardian approvals: 1 of 2 \(Guardian 1\) — \d+ min left/.test(run.stderr())
    ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await guardian(3, 'approve', id)).code).toBe(0);
    expect(await run.url).toContain(`/tap/enroll/${id}`);
    const ready = await status(id);
    const done = await register(id, passkey().register(ready.public_key!.challenge));
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const out = await run.done;
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/awaiting guardian approvals: 0 of 2 — (29|30) min left/);
    expect(JSON.parse(out.stdout)).toMatchObject({ status: 'enrolled', user: CAROL, roles: ROLES });
  });

  describe('every signer refuses a releaser certificate without the approvals it needs (rogue coordinator, hand-driven gRPC)', () => {
    let halfApproved: PendingEnrollment;
    beforeAll(async () => {
      const { request_id: id } = await begin();
      expect((await guardian(1, 'approve', id)).code).toBe(0);
      halfApproved = (await pendingList()).find((r) => r.id === id)!;
      expect(halfApproved.approvals).toHaveLength(1);
    });

    const wire = (a: PendingEnrollment['approvals'][number]): MintApproval => ({
      guardianKid: a.guardian_kid,
      signature: Buffer.from(a.signature, 'base64url'),
      notAfter: a.not_after,
      webauthn: undefined,
    });
    /** A certificate request for carol as releaser, registered now by a fresh passkey. */
    const enrollment = (certId = randomBytes(16).toString('base64url')) => {
      const now = Math.floor(Date.now() / 1000);
      const request = {
        v: 1 as const,
        cert_id: certId,
        sub: CAROL,
        roles: ROLES,
        iat: now,
        exp: now + 86_400,
        kid: guarded.groupKid,
      };
      const auth = passkey();
      const registration = auth.register(registrationChallenge(request).toString('base64url'));
      return {
        message: enrollmentSigningInput({
          ...request,
          credential_id: auth.credentialId,
          public_key: auth.publicKeyCose,
        }),
        evidence: {
          kind: {
            $case: 'registration' as const,
            value: { responseJson: Buffer.from(JSON.stringify(registration)), idToken: '' },
          },
        },
        purpose: SigningPurpose.SIGNING_PURPOSE_ENROLLMENT,
      };
    };
    const expectEveryoneRefuses = async (
      build: () => ReturnType<typeof enrollment>,
      approvals: MintApproval[],
      code: string,
      message?: RegExp,
    ) => {
      for (const pair of SIGNER_PAIRS) {
        for (const target of pair) {
          const over = { ...build(), approvals };
          const { first } = await askToSign(guarded.stack, target, '', over, pair);
          expect(first, `signer ${target}`).toMatchObject({
            err: { code, ...(message ? { message: expect.stringMatching(message) } : {}) },
          });
        }
      }
    };

    it('refuses a releaser enrollment without approvals', async () => {
      await expectEveryoneRefuses(
        () => enrollment(),
        [],
        'enrollment_unproven',
        /approvals_missing/,
      );
    });

    it('refuses approvals made for another enrollment', async () => {
      await expectEveryoneRefuses(
        () => enrollment(),
        halfApproved.approvals.map(wire),
        'approval_invalid',
      );
    });

    it('refuses one approval where policy requires two, and counts a guardian once', async () => {
      const once = wire(halfApproved.approvals[0]!);
      await expectEveryoneRefuses(
        () => enrollment(halfApproved.id),
        [once, once],
        'enrollment_unproven',
        /approvals_missing/,
      );
    });
  });
});
