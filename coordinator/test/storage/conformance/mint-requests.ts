import { describe, expect, it } from 'vitest';
import {
  bytes,
  expectStoreError,
  MINUTE,
  newMintRequest,
  type StoreUnderTest,
  settle,
} from './harness.ts';

export function mintRequestTests(t: StoreUnderTest): void {
  describe('mint requests', () => {
    it('creates a pending request and reads it back exactly', async () => {
      const input = newMintRequest(t.clock, {
        signingInput: 'eyJ0eXAiOiJhdCtqd3QifQ.eyJqdGkiOiLDqSJ9',
        claims: { sub: 'ålice', nested: { list: [1, 'two', null, true] }, n: 1.5 },
      });
      const created = await t.store.mintRequests.create(input);
      const expected = {
        ...input,
        status: 'pending',
        statusReason: null,
        evidence: null,
        updatedAt: input.createdAt,
      };
      expect(created).toEqual(expected);
      expect(await t.store.mintRequests.get(input.id)).toEqual(expected);
      expect(await t.store.mintRequests.get('unknown')).toBeNull();
    });

    it('refuses a duplicate id and an expiry not after creation', async () => {
      const r = newMintRequest(t.clock);
      await t.store.mintRequests.create(r);
      await expectStoreError(t.store.mintRequests.create(r), 'store_conflict');
      await expectStoreError(
        t.store.mintRequests.create(newMintRequest(t.clock, { expiresAt: t.clock.date() })),
        'store_invalid_argument',
      );
    });

    it('moves status by compare-and-set: the second identical move loses', async () => {
      const r = await t.store.mintRequests.create(newMintRequest(t.clock));
      const minted = await t.store.mintRequests.transition(
        r.id,
        'pending',
        'minted',
        t.clock.date(1000),
      );
      expect(minted?.status).toBe('minted');
      expect(minted?.updatedAt).toEqual(t.clock.date(1000));
      expect(
        await t.store.mintRequests.transition(r.id, 'pending', 'minted', t.clock.date()),
      ).toBeNull();
      await expectStoreError(
        t.store.mintRequests.transition(r.id, 'minted', 'denied', t.clock.date()),
        'store_invalid_transition',
      );
      await expectStoreError(
        t.store.mintRequests.transition('unknown', 'pending', 'denied', t.clock.date()),
        'store_not_found',
      );
    });

    it('fixes the final token of an approved request by compare-and-set on its signing input', async () => {
      const r = await t.store.mintRequests.create(
        newMintRequest(t.clock, { requiredApprovals: 1 }),
      );
      const final = { signingInput: 'eyJhIjoxfQ.eyJpYXQiOjF9', claims: { iat: 1, sub: 'a' } };
      await expectStoreError(
        t.store.mintRequests.fixApprovedToken(r.id, r.signingInput, final, t.clock.date()),
        'store_approvals_insufficient',
      );
      await t.store.approvals.add({
        requestId: r.id,
        guardianId: 'guardian-1',
        signature: bytes(64),
        createdAt: t.clock.date(),
      });
      const { ok, failed } = await settle(
        Array.from({ length: 4 }, () =>
          t.store.mintRequests.fixApprovedToken(r.id, r.signingInput, final, t.clock.date(7)),
        ),
      );
      expect(failed).toEqual([]);
      const winners = ok.filter((x) => x !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0]).toMatchObject({
        status: 'approved',
        signingInput: final.signingInput,
        claims: final.claims,
        updatedAt: t.clock.date(7),
      });
      const again = { signingInput: 'eyJhIjoxfQ.eyJpYXQiOjJ9', claims: { iat: 2, sub: 'a' } };
      const refixed = await t.store.mintRequests.fixApprovedToken(
        r.id,
        final.signingInput,
        again,
        t.clock.date(),
      );
      expect(refixed).toMatchObject({ status: 'approved', signingInput: again.signingInput });
      await t.store.mintRequests.transition(r.id, 'approved', 'minted', t.clock.date());
      await expectStoreError(
        t.store.mintRequests.fixApprovedToken(r.id, again.signingInput, final, t.clock.date()),
        'store_invalid_transition',
      );
      await expectStoreError(
        t.store.mintRequests.fixApprovedToken('unknown', 'x', final, t.clock.date()),
        'store_not_found',
      );
    });

    it('lets exactly one of concurrent mint transitions win', async () => {
      const r = await t.store.mintRequests.create(newMintRequest(t.clock));
      const { ok, failed } = await settle(
        Array.from({ length: 8 }, () =>
          t.store.mintRequests.transition(r.id, 'pending', 'minted', t.clock.date()),
        ),
      );
      expect(failed).toEqual([]);
      expect(ok.filter((x) => x !== null)).toHaveLength(1);
    });

    it('needs the required approvals before approved or minted', async () => {
      const r = await t.store.mintRequests.create(
        newMintRequest(t.clock, { requiredApprovals: 2 }),
      );
      const approve = (guardianId: string) =>
        t.store.approvals.add({
          requestId: r.id,
          guardianId,
          signature: bytes(64),
          createdAt: t.clock.date(),
        });
      await expectStoreError(
        t.store.mintRequests.transition(r.id, 'pending', 'minted', t.clock.date()),
        'store_approvals_insufficient',
      );
      expect(await approve('guardian-1')).toBe(1);
      await expectStoreError(
        t.store.mintRequests.transition(r.id, 'pending', 'approved', t.clock.date()),
        'store_approvals_insufficient',
      );
      expect(await approve('guardian-2')).toBe(2);
      const approved = await t.store.mintRequests.transition(
        r.id,
        'pending',
        'approved',
        t.clock.date(),
      );
      expect(approved?.status).toBe('approved');
      const minted = await t.store.mintRequests.transition(
        r.id,
        'approved',
        'minted',
        t.clock.date(),
      );
      expect(minted?.status).toBe('minted');
    });

    it('ties status changes to expiry and expires overdue requests', async () => {
      const soon = await t.store.mintRequests.create(
        newMintRequest(t.clock, { expiresAt: t.clock.date(MINUTE) }),
      );
      const later = await t.store.mintRequests.create(
        newMintRequest(t.clock, { expiresAt: t.clock.date(5 * MINUTE) }),
      );
      const done = await t.store.mintRequests.create(
        newMintRequest(t.clock, { expiresAt: t.clock.date(MINUTE) }),
      );
      await t.store.mintRequests.transition(
        done.id,
        'pending',
        'denied',
        t.clock.date(),
        'rule deploy_prod_hours',
      );
      await expectStoreError(
        t.store.mintRequests.transition(soon.id, 'pending', 'expired', t.clock.date()),
        'store_invalid_transition',
      );
      t.clock.advance(MINUTE);
      await expectStoreError(
        t.store.mintRequests.transition(soon.id, 'pending', 'minted', t.clock.date()),
        'store_request_expired',
      );
      expect(await t.store.mintRequests.expireOverdue()).toEqual([soon.id]);
      const expired = await t.store.mintRequests.get(soon.id);
      expect(expired?.status).toBe('expired');
      expect(expired?.updatedAt).toEqual(t.clock.date());
      expect((await t.store.mintRequests.get(later.id))?.status).toBe('pending');
      expect((await t.store.mintRequests.get(done.id))?.statusReason).toBe(
        'rule deploy_prod_hours',
      );
      expect(await t.store.mintRequests.expireOverdue()).toEqual([]);
    });

    it('lists pending, unexpired requests that need approvals, oldest first', async () => {
      const a = await t.store.mintRequests.create(
        newMintRequest(t.clock, { requiredApprovals: 1 }),
      );
      const b = await t.store.mintRequests.create(
        newMintRequest(t.clock, {
          requiredApprovals: 2,
          createdAt: t.clock.date(1),
          expiresAt: t.clock.date(MINUTE),
        }),
      );
      await t.store.mintRequests.create(newMintRequest(t.clock, { requiredApprovals: 0 }));
      const denied = await t.store.mintRequests.create(
        newMintRequest(t.clock, { requiredApprovals: 1 }),
      );
      await t.store.mintRequests.transition(denied.id, 'pending', 'denied', t.clock.date());
      expect((await t.store.mintRequests.listPending()).map((r) => r.id)).toEqual([a.id, b.id]);
      expect((await t.store.mintRequests.listPending(1)).map((r) => r.id)).toEqual([a.id]);
      t.clock.advance(MINUTE);
      expect((await t.store.mintRequests.listPending()).map((r) => r.id)).toEqual([a.id]);
    });

    it('attaches evidence once, to a pending request only', async () => {
      const r = await t.store.mintRequests.create(newMintRequest(t.clock));
      const evidence = {
        webauthn: { clientDataJSON: 'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0', signCount: 3 },
      };
      const updated = await t.store.mintRequests.attachEvidence(r.id, evidence, t.clock.date(5));
      expect(updated.evidence).toEqual(evidence);
      expect(updated.updatedAt).toEqual(t.clock.date(5));
      await expectStoreError(
        t.store.mintRequests.attachEvidence(r.id, {}, t.clock.date()),
        'store_conflict',
      );
      const denied = await t.store.mintRequests.create(newMintRequest(t.clock));
      await t.store.mintRequests.transition(denied.id, 'pending', 'denied', t.clock.date());
      await expectStoreError(
        t.store.mintRequests.attachEvidence(denied.id, evidence, t.clock.date()),
        'store_request_not_pending',
      );
      await expectStoreError(
        t.store.mintRequests.attachEvidence('unknown', {}, t.clock.date()),
        'store_not_found',
      );
    });
  });
}
