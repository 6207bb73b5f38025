/**
 * The mint pipeline's rules, once for every front end: `POST /v1/mint` (dev bearer and CI
 * requesters, with the poll of a CI mint that waited for guardians) and the two-step
 * WebAuthn mint. In-process: real store, real policy, real attestation state; only the
 * FROST quorum is replaced by one signing key.
 */
import { FrostmintError, type MintApprovalSubject, type PolicyDecision } from '@frostmint/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Requester } from '../../src/auth/types.ts';
import { onlyApprovalsMissing } from '../../src/mint/authorize.ts';
import type { MintResponse } from '../../src/mint/pipeline.ts';
import type { PendingMint } from '../../src/mint/polled.ts';
import type { MintBody } from '../../src/mint-body.ts';
import { ciRequester, devRequester, enroll, type Flows, mintFlows } from './harness.ts';

const ALICE = 'alice@example.com';
/** Where every request here comes from (the shipped policy admits it for `deploy:prod`). */
const LOOPBACK = '127.0.0.1';
/** A CI job of acme/app on a branch: policy allows it `deploy:canary` only. */
const CI_BRANCH = { repository: 'acme/app', ref: 'refs/heads/feature' };
/** A CI job of acme/app's production deploys: `deploy:prod`, with two approvals. */
const CI_PROD = { repository: 'acme/app', ref: 'refs/heads/main', environment: 'production' };

let flows: Flows;
beforeAll(async () => {
  flows = await mintFlows();
  await enroll(flows.store, ALICE, ['developer']);
});
afterAll(async () => {
  await flows?.close();
});

/** The error a call ends with (or fails the test). */
async function refusal(call: Promise<unknown>): Promise<FrostmintError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FrostmintError);
  return err as FrostmintError;
}

/** Every front end, as one call taking the same request. */
const frontEnds: Record<string, (body: MintBody) => Promise<unknown>> = {
  'one-step (dev bearer)': async (body) => flows.oneStep.mint(await devRequester(), body, LOOPBACK),
  'one-step (CI, polled when approvals are missing)': (body) =>
    flows.oneStep.mint(ciRequester(CI_BRANCH), body, LOOPBACK),
  'two-step (WebAuthn)': (body) => flows.twoStep.prepare({ ...body, user: ALICE }, LOOPBACK),
};

describe('one mint pipeline, one set of rules for every front end', () => {
  it.each(Object.keys(frontEnds))(
    '%s: refuses an over-long ttl and a repeated scope',
    async (name) => {
      const run = frontEnds[name]!;
      const long = await refusal(
        run({ scope: ['deploy:canary'], audience: 'deploy-api', ttl: 901 }),
      );
      expect([long.code, long.status]).toEqual(['ttl_too_long', 403]);
      const twice = await refusal(
        run({ scope: ['deploy:canary', 'deploy:canary'], audience: 'deploy-api' }),
      );
      expect([twice.code, twice.status]).toEqual(['scope_invalid', 400]);
      expect(await flows.auditSince()).toEqual([]);
    },
  );

  it('denies the same request the same way in the one-step, CI and two-step flows: same code, same audit entry', async () => {
    // deploy:canary is allowed to every one of these requesters, but not for this audience.
    const body = { scope: ['deploy:canary'], audience: 'logs-api' };
    const denials = [];
    for (const [name, run] of Object.entries(frontEnds)) {
      await flows.auditSince();
      const err = await refusal(run(body));
      const audited = await flows.auditSince();
      denials.push({ name, code: err.code, status: err.status, message: err.message, audited });
    }
    const [first, ...others] = denials;
    expect(first!.code).toBe('policy_denied');
    expect(first!.audited).toHaveLength(1);
    const entry = first!.audited[0]!;
    expect(entry).toMatchObject({
      type: 'denial',
      aud: 'logs-api',
      scope: 'deploy:canary',
      policy: flows.policy.current.id,
    });
    for (const other of others) {
      expect({ ...other, name: first!.name }).toMatchObject({
        code: first!.code,
        status: first!.status,
        message: first!.message,
      });
      expect(other.audited).toHaveLength(1);
      // The same entry but for who asked and when.
      type Timed = Record<string, unknown>;
      const { sub: _sub, at: _at, ...same } = other.audited[0] as unknown as Timed;
      const { sub: _s, at: _a, ...expected } = entry as unknown as Timed;
      expect(same).toEqual(expected);
    }
  });

  it('gives policy the signer attestation facts in every flow, and refuses what needs attested signers the same way', async () => {
    flows.policy.inputs.length = 0;
    const canary = { scope: ['deploy:canary'], audience: 'deploy-api' };
    await flows.oneStep.mint(await devRequester(), canary, LOOPBACK);
    await flows.oneStep.mint(ciRequester(CI_BRANCH), canary, LOOPBACK);
    await flows.twoStep.prepare({ ...canary, user: ALICE }, LOOPBACK);
    expect(flows.policy.inputs.length).toBeGreaterThanOrEqual(3);
    for (const input of flows.policy.inputs) {
      expect(input.signer_attestation).toEqual({ verified: false });
    }
    const attested = { scope: ['deploy:attested'], audience: 'deploy-api' };
    const refused = [
      await refusal(flows.oneStep.mint(await devRequester(), attested, LOOPBACK)),
      await refusal(flows.twoStep.prepare({ ...attested, user: ALICE }, LOOPBACK)),
    ];
    for (const err of refused) {
      expect([err.code, err.status]).toEqual(['signer_attestation_unavailable', 503]);
    }
  });

  it('finishes a CI mint that waited for guardians through the same authorize and sign steps', async () => {
    const requester = ciRequester(CI_PROD);
    const parked = (await flows.oneStep.mint(
      requester,
      { scope: ['deploy:prod'], audience: 'deploy-api', justification: 'release 1.2' },
      LOOPBACK,
    )) as PendingMint;
    expect(parked).toMatchObject({ status: 'pending', required_approvals: 2 });
    for (const [id, secret] of [
      [parked.request_id, 'not-the-secret'],
      [
        (
          await flows.twoStep.prepare(
            { user: ALICE, scope: ['db:migrate'], audience: 'db-api' },
            LOOPBACK,
          )
        ).request_id,
        parked.request_secret,
      ],
    ] as const) {
      expect((await refusal(flows.polled.poll(id, secret, 0))).code).toBe('request_not_found');
    }
    const early = await flows.polled.poll(parked.request_id, parked.request_secret, 0);
    expect(early).toMatchObject({ status: 'pending', approved_by: [] });
    for (const g of flows.guardians) {
      await flows.gate.approve(parked.request_id, {
        guardianKid: g.key.approvalKey.kid,
        signature: g.approve(parked.approval_subject),
      });
    }
    flows.policy.inputs.length = 0;
    const attempts = flows.driver.attempts.length;
    const minted = (await flows.polled.poll(
      parked.request_id,
      parked.request_secret,
      0,
    )) as MintResponse;
    expect(minted.token_type).toBe('Bearer');
    // Policy decided again with the approvals and the attestation facts.
    expect(flows.policy.inputs.at(-1)).toMatchObject({
      approvals: flows.guardians.map((g) => g.key.approvalKey.kid).sort(),
      signer_attestation: { verified: false },
    });
    // The signers got the guardians' approvals and the CI job's evidence.
    const attempt = flows.driver.attempts[attempts]!;
    expect(attempt.approvals).toHaveLength(2);
    expect(attempt.evidence.kind?.$case).toBe('oidc');
    const audited = await flows.auditSince();
    expect(audited.at(-1)).toMatchObject({
      type: 'mint',
      sub: requester.subject,
      scope: 'deploy:prod',
    });
    const again = await refusal(flows.polled.poll(parked.request_id, parked.request_secret, 0));
    expect(again.code).toBe('request_already_minted');
  });
});

describe('approvals-only detection is one rule', () => {
  const decision = (allow: boolean, reasons: string[]): PolicyDecision =>
    ({ allow, reasons, required_approvals: 1 }) as unknown as PolicyDecision;

  it('waits only when approvals are all that is missing', () => {
    expect(onlyApprovalsMissing(decision(false, ['approvals_missing']))).toBe(true);
    expect(onlyApprovalsMissing(decision(false, ['approvals_missing', 'approvals_missing']))).toBe(
      true,
    );
    expect(onlyApprovalsMissing(decision(false, ['approvals_missing', 'scope_not_allowed']))).toBe(
      false,
    );
    expect(onlyApprovalsMissing(decision(false, []))).toBe(false);
    expect(onlyApprovalsMissing(decision(true, []))).toBe(false);
  });

  it('parks a request needing approvals at the gate in the one-step and the two-step flow alike', async () => {
    const body = { scope: ['db:migrate'], audience: 'db-api' };
    const dev: Requester = await devRequester();
    const parked = (await flows.oneStep.mint(dev, body, LOOPBACK)) as PendingMint;
    expect(parked).toMatchObject({ status: 'pending', required_approvals: 1 });
    const prepared = await flows.twoStep.prepare({ ...body, user: ALICE }, LOOPBACK);
    expect(prepared).toMatchObject({ status_reason: 'awaiting_approvals', required_approvals: 1 });
    const listed = (await flows.gate.listPending()).map((r) => r.id);
    expect(listed).toEqual(expect.arrayContaining([parked.request_id, prepared.request_id]));
    // The gate hands each request on by its kind: the two-step one is fixed for its tap at
    // once, the polled one waits for its requester's poll.
    for (const id of [parked.request_id, prepared.request_id]) {
      const view = await flows.gate.pendingView(id);
      const [g] = flows.guardians;
      await flows.gate.approve(id, {
        guardianKid: g!.key.approvalKey.kid,
        signature: g!.approve(view.approval_subject as MintApprovalSubject),
      });
    }
    expect((await flows.store.mintRequests.get(prepared.request_id))?.status).toBe('approved');
    expect((await flows.store.mintRequests.get(parked.request_id))?.status).toBe('pending');
    expect(await flows.twoStep.status(prepared.request_id)).toMatchObject({
      status: 'approved',
      status_reason: 'awaiting_tap',
      approved_by: ['Guardian 1'],
      public_key: { rpId: 'localhost' },
    });
  });

  it('denies it the same way in both flows when the group has no guardians', async () => {
    const body = { scope: ['db:migrate'], audience: 'db-api' };
    const refused = [
      await refusal(flows.oneStepWithoutGuardians.mint(await devRequester(), body, LOOPBACK)),
      await refusal(flows.twoStepWithoutGuardians.prepare({ ...body, user: ALICE }, LOOPBACK)),
    ];
    for (const err of refused) {
      expect([err.code, err.message]).toEqual([
        'policy_denied',
        'policy denies this mint: approvals_missing',
      ]);
    }
  });
});
