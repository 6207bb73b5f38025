import { describe, expect, it } from 'vitest';
import {
  bytes,
  expectStoreError,
  MINUTE,
  newEnrollment,
  type StoreUnderTest,
  settle,
} from './harness.ts';

export function enrollmentTests(t: StoreUnderTest): void {
  describe('enrollments', () => {
    it('stores an enrollment and reads it back exactly', async () => {
      const e = newEnrollment(t.clock);
      await t.store.enrollments.put(e);
      expect(await t.store.enrollments.get(e.credentialId)).toEqual({
        ...e,
        signCount: 0,
        lastUsedAt: null,
        revokedAt: null,
        revocationReason: null,
      });
      expect(await t.store.enrollments.get('unknown')).toBeNull();
    });

    it('refuses a second enrollment of one credential id', async () => {
      const e = newEnrollment(t.clock);
      await t.store.enrollments.put(e);
      await expectStoreError(
        t.store.enrollments.put({ ...e, userId: 'mallory@example.com' }),
        'store_conflict',
      );
      expect((await t.store.enrollments.get(e.credentialId))?.userId).toBe(e.userId);
    });

    it("lists one user's enrollments, oldest first", async () => {
      const first = newEnrollment(t.clock);
      const second = newEnrollment(t.clock, { createdAt: t.clock.date(MINUTE) });
      await t.store.enrollments.put(second);
      await t.store.enrollments.put(first);
      await t.store.enrollments.put(newEnrollment(t.clock, { userId: 'bob@example.com' }));
      const listed = await t.store.enrollments.listByUser('alice@example.com');
      expect(listed.map((e) => e.credentialId)).toEqual([first.credentialId, second.credentialId]);
      expect(await t.store.enrollments.listByUser('nobody')).toEqual([]);
    });

    it('revokes once, keeping the first time and reason, and lists live revocations', async () => {
      const e = newEnrollment(t.clock, { certificateExpiresAt: t.clock.date(10 * MINUTE) });
      const other = newEnrollment(t.clock);
      await t.store.enrollments.put(e);
      await t.store.enrollments.put(other);
      const revoked = await t.store.enrollments.revoke(
        e.credentialId,
        'laptop stolen',
        t.clock.date(),
      );
      expect(revoked.revokedAt).toEqual(t.clock.date());
      expect(revoked.revocationReason).toBe('laptop stolen');
      const again = await t.store.enrollments.revoke(e.credentialId, 'other', t.clock.date(MINUTE));
      expect(again.revocationReason).toBe('laptop stolen');
      expect(again.revokedAt).toEqual(t.clock.date());
      expect((await t.store.enrollments.listRevoked()).map((x) => x.credentialId)).toEqual([
        e.credentialId,
      ]);
      t.clock.advance(10 * MINUTE); // the certificate expired: nothing left to revoke
      expect(await t.store.enrollments.listRevoked()).toEqual([]);
      await expectStoreError(
        t.store.enrollments.revoke('unknown', 'x', t.clock.date()),
        'store_not_found',
      );
    });

    it('renews the certificate of a live enrollment only', async () => {
      const e = newEnrollment(t.clock);
      await t.store.enrollments.put(e);
      const renewed = bytes(310);
      await t.store.enrollments.renewCertificate(
        e.credentialId,
        renewed,
        t.clock.date(48 * 60 * MINUTE),
      );
      const got = await t.store.enrollments.get(e.credentialId);
      expect(got?.certificate).toEqual(renewed);
      expect(got?.certificateExpiresAt).toEqual(t.clock.date(48 * 60 * MINUTE));
      await t.store.enrollments.revoke(e.credentialId, 'left the company', t.clock.date());
      await expectStoreError(
        t.store.enrollments.renewCertificate(e.credentialId, bytes(5), t.clock.date(MINUTE)),
        'store_enrollment_revoked',
      );
      expect((await t.store.enrollments.get(e.credentialId))?.certificate).toEqual(renewed);
      await expectStoreError(
        t.store.enrollments.renewCertificate('unknown', bytes(5), t.clock.date(MINUTE)),
        'store_not_found',
      );
    });

    it('checks signature counters per WebAuthn Level 3', async () => {
      const zero = newEnrollment(t.clock);
      await t.store.enrollments.put(zero);
      // An authenticator without a counter (many passkeys) always reports 0.
      expect(await t.store.enrollments.recordAssertion(zero.credentialId, 0, t.clock.date())).toBe(
        'accepted',
      );
      expect(await t.store.enrollments.recordAssertion(zero.credentialId, 0, t.clock.date())).toBe(
        'accepted',
      );
      const counted = newEnrollment(t.clock);
      await t.store.enrollments.put(counted);
      const use = (n: number) =>
        t.store.enrollments.recordAssertion(counted.credentialId, n, t.clock.date(MINUTE));
      expect(await use(5)).toBe('accepted');
      expect(await use(5)).toBe('regressed');
      expect(await use(3)).toBe('regressed');
      expect(await use(0)).toBe('regressed');
      expect(await use(6)).toBe('accepted');
      const got = await t.store.enrollments.get(counted.credentialId);
      expect(got?.signCount).toBe(6);
      expect(got?.lastUsedAt).toEqual(t.clock.date(MINUTE));
      await t.store.enrollments.revoke(counted.credentialId, 'lost', t.clock.date());
      expect(await use(7)).toBe('revoked');
      await expectStoreError(
        t.store.enrollments.recordAssertion('unknown', 1, t.clock.date()),
        'store_not_found',
      );
    });

    it('lets exactly one of concurrent assertions with the same counter through', async () => {
      const e = newEnrollment(t.clock);
      await t.store.enrollments.put(e);
      const { ok } = await settle(
        Array.from({ length: 8 }, () =>
          t.store.enrollments.recordAssertion(e.credentialId, 9, t.clock.date()),
        ),
      );
      expect(ok.filter((r) => r === 'accepted')).toHaveLength(1);
      expect(ok.filter((r) => r === 'regressed')).toHaveLength(7);
    });
  });
}
