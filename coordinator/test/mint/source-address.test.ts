/**
 * The requester's address as policy input in every front end of the mint pipeline, and the
 * shipped policy's `source_cidrs` on `deploy:prod` (loopback and the corporate ranges
 * 10.0.0.0/8, fd00::/8): denied from elsewhere in every flow; a request that waits keeps the
 * address it was asked from, so the poll or tap that finishes it is checked against that one.
 * In-process: real store, real policy; the quorum is one signing key.
 */
import { FrostmintError, type MintApprovalSubject } from '@frostmint/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MintResponse } from '../../src/mint/pipeline.ts';
import type { PendingMint } from '../../src/mint/polled.ts';
import { decodePending } from '../../src/mint/polled-record.ts';
import { decodeRequest } from '../../src/requests/kinds.ts';
import { ciRequester, devRequester, enroll, type Flows, mintFlows } from './harness.ts';

const CAROL = 'carol@example.com';
const CI_PROD = { repository: 'acme/app', ref: 'refs/heads/main', environment: 'production' };
const PROD = { scope: ['deploy:prod'], audience: 'deploy-api' };
const OUTSIDE = '203.0.113.9';
const CORPORATE = 'fd00:1::7';

let flows: Flows;
beforeAll(async () => {
  flows = await mintFlows();
  await enroll(flows.store, CAROL, ['releaser']);
});
afterAll(async () => {
  await flows?.close();
});

async function refusal(call: Promise<unknown>): Promise<FrostmintError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FrostmintError);
  return err as FrostmintError;
}

describe('request.source_address in every flow', () => {
  it('is the address each front end was given', async () => {
    flows.policy.inputs.length = 0;
    const canary = { scope: ['deploy:canary'], audience: 'deploy-api' };
    await flows.oneStep.mint(await devRequester(), canary, '10.1.2.3');
    await flows.oneStep.mint(ciRequester(CI_PROD), canary, '2001:db8::5');
    await flows.twoStep.prepare({ ...canary, user: CAROL }, '192.0.2.44');
    expect(flows.policy.inputs.map((i) => i.request.source_address)).toEqual([
      '10.1.2.3',
      '2001:db8::5',
      '192.0.2.44',
    ]);
  });

  it('denies deploy:prod from an unlisted address in the CI (polled) and the two-step flow alike', async () => {
    const refused = [
      await refusal(flows.oneStep.mint(ciRequester(CI_PROD), PROD, OUTSIDE)),
      await refusal(flows.twoStep.prepare({ ...PROD, user: CAROL }, OUTSIDE)),
    ];
    for (const err of refused) {
      // Not parked for guardians: approvals are not all that is missing.
      expect([err.code, err.status, err.message]).toEqual([
        'policy_denied',
        403,
        'policy denies this mint: approvals_missing, source_address_not_allowed:deploy:prod',
      ]);
    }
    const audited = await flows.auditSince();
    expect(audited.filter((e) => e.type === 'denial')).toHaveLength(2);
  });

  it('a polled mint is finished against the address it was asked from, not the poller’s', async () => {
    const parked = (await flows.oneStep.mint(ciRequester(CI_PROD), PROD, CORPORATE)) as PendingMint;
    expect(parked.status).toBe('pending');
    const row = await flows.store.mintRequests.get(parked.request_id);
    expect(decodePending(row!).sourceAddress).toBe(CORPORATE);
    for (const g of flows.guardians) {
      await flows.gate.approve(parked.request_id, {
        guardianKid: g.key.approvalKey.kid,
        signature: g.approve(parked.approval_subject),
      });
    }
    flows.policy.inputs.length = 0;
    // The poll carries no address of its own: the stored one decides.
    const minted = (await flows.polled.poll(
      parked.request_id,
      parked.request_secret,
      0,
    )) as MintResponse;
    expect(minted.token).toBeDefined();
    expect(flows.policy.inputs.at(-1)?.request.source_address).toBe(CORPORATE);
  });

  it('a polled record stored before addresses were recorded decodes as unknown (null)', async () => {
    const parked = (await flows.oneStep.mint(ciRequester(CI_PROD), PROD, CORPORATE)) as PendingMint;
    const row = (await flows.store.mintRequests.get(parked.request_id))!;
    const { sourceAddress: _, ...legacy } = row.evidence as Record<string, unknown>;
    expect(decodePending({ ...row, evidence: legacy as typeof row.evidence }).sourceAddress).toBe(
      null,
    );
  });

  it('a two-step mint stores the requester’s address for its tap (even while guardians approve)', async () => {
    const prepared = await flows.twoStep.prepare({ ...PROD, user: CAROL }, CORPORATE);
    expect(prepared.status_reason).toBe('awaiting_approvals');
    const view = await flows.gate.pendingView(prepared.request_id);
    const [g] = flows.guardians;
    await flows.gate.approve(prepared.request_id, {
      guardianKid: g!.key.approvalKey.kid,
      signature: g!.approve(view.approval_subject as MintApprovalSubject),
    });
    const stored = decodeRequest((await flows.store.mintRequests.get(prepared.request_id))!);
    expect(stored).toMatchObject({ kind: 'tap_mint', sourceAddress: CORPORATE });
    const legacy = decodeRequest({
      ...(await flows.store.mintRequests.get(prepared.request_id))!,
      evidence: null,
    });
    expect(legacy).toMatchObject({ kind: 'tap_mint', sourceAddress: null });
  });
});
