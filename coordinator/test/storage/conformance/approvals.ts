import { describe, expect, it } from 'vitest';
import type { Approval } from '../../../src/storage/index.ts';
import {
  bytes,
  expectStoreError,
  MINUTE,
  newMintRequest,
  type StoreUnderTest,
  settle,
} from './harness.ts';

export function approvalTests(t: StoreUnderTest): void {
  describe('approvals', () => {
    const approval = (requestId: string, guardianId: string, offsetMs = 0): Approval => ({
      requestId,
      guardianId,
      signature: bytes(64),
      createdAt: t.clock.date(offsetMs),
    });

    it('records approvals and lists them in order', async () => {
      const r = await t.store.mintRequests.create(
        newMintRequest(t.clock, { requiredApprovals: 2 }),
      );
      const second = approval(r.id, 'guardian-b', 2);
      const first = approval(r.id, 'guardian-a', 1);
      expect(await t.store.approvals.add(second)).toBe(1);
      expect(await t.store.approvals.add(first)).toBe(2);
      expect(await t.store.approvals.listByRequest(r.id)).toEqual([first, second]);
      expect(await t.store.approvals.listByRequest('unknown')).toEqual([]);
    });

    it('counts one guardian once per request, and once per request only', async () => {
      const r = await t.store.mintRequests.create(
        newMintRequest(t.clock, { requiredApprovals: 2 }),
      );
      const other = await t.store.mintRequests.create(
        newMintRequest(t.clock, { requiredApprovals: 2 }),
      );
      await t.store.approvals.add(approval(r.id, 'guardian-a'));
      await expectStoreError(
        t.store.approvals.add(approval(r.id, 'guardian-a', 5)),
        'store_duplicate_approval',
      );
      expect(await t.store.approvals.add(approval(other.id, 'guardian-a'))).toBe(1);
      expect(await t.store.approvals.listByRequest(r.id)).toHaveLength(1);
    });

    it('lets exactly one of concurrent approvals by one guardian count', async () => {
      const r = await t.store.mintRequests.create(
        newMintRequest(t.clock, { requiredApprovals: 2 }),
      );
      const { ok, failed } = await settle(
        Array.from({ length: 6 }, () => t.store.approvals.add(approval(r.id, 'guardian-a'))),
      );
      expect(ok).toEqual([1]);
      expect(failed).toHaveLength(5);
      for (const err of failed)
        expect((err as { code: string }).code).toBe('store_duplicate_approval');
    });

    it('refuses approvals for unknown, decided or expired requests', async () => {
      await expectStoreError(
        t.store.approvals.add(approval('unknown', 'guardian-a')),
        'store_not_found',
      );
      const denied = await t.store.mintRequests.create(
        newMintRequest(t.clock, { requiredApprovals: 1 }),
      );
      await t.store.mintRequests.transition(denied.id, 'pending', 'denied', t.clock.date());
      await expectStoreError(
        t.store.approvals.add(approval(denied.id, 'guardian-a')),
        'store_request_not_pending',
      );
      const r = await t.store.mintRequests.create(
        newMintRequest(t.clock, { requiredApprovals: 1, expiresAt: t.clock.date(MINUTE) }),
      );
      await expectStoreError(
        t.store.approvals.add(approval(r.id, 'guardian-a', MINUTE)),
        'store_request_expired',
      );
      expect(await t.store.approvals.listByRequest(r.id)).toEqual([]);
    });
  });
}
