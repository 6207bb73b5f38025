import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  bytes,
  expectStoreError,
  MINUTE,
  newMintRequest,
  type StoreUnderTest,
  settle,
} from './harness.ts';

export function guardianCredentialTests(t: StoreUnderTest): void {
  describe('guardian credentials and WebAuthn approvals', () => {
    const registered = (over: { credentialId?: string; registrationId?: string } = {}) => ({
      credentialId: over.credentialId ?? randomBytes(16).toString('base64url'),
      guardianKid: 'kid-alice',
      publicKey: randomBytes(77).toString('base64url'),
      registrationId: over.registrationId ?? randomBytes(16).toString('base64url'),
      signCount: 0,
      createdAt: t.clock.date(),
    });
    const binding = { format: 'frostmint/guardian-webauthn-binding/v1', signature: 'sig' };

    it('registers, finds by registration, binds once, and lists bound unlapsed credentials', async () => {
      const c = registered();
      await t.store.guardianCredentials.register(c);
      await expectStoreError(t.store.guardianCredentials.register(c), 'store_conflict');
      await expectStoreError(
        t.store.guardianCredentials.register(registered({ registrationId: c.registrationId })),
        'store_conflict',
      );
      expect(await t.store.guardianCredentials.getByRegistration(c.registrationId)).toEqual({
        ...c,
        binding: null,
        notAfter: null,
        boundAt: null,
      });
      expect(await t.store.guardianCredentials.listBound(t.clock.date())).toEqual([]);
      const notAfter = t.clock.date(60 * MINUTE);
      await t.store.guardianCredentials.bind(c.credentialId, binding, notAfter, t.clock.date());
      await expectStoreError(
        t.store.guardianCredentials.bind(c.credentialId, binding, notAfter, t.clock.date()),
        'store_conflict',
      );
      await expectStoreError(
        t.store.guardianCredentials.bind('unknown', binding, notAfter, t.clock.date()),
        'store_not_found',
      );
      const bound = await t.store.guardianCredentials.get(c.credentialId);
      expect(bound).toMatchObject({ binding, notAfter, boundAt: t.clock.date() });
      expect(await t.store.guardianCredentials.listBound(t.clock.date())).toEqual([bound]);
      expect(await t.store.guardianCredentials.listBound(t.clock.date(61 * MINUTE))).toEqual([]);
      expect(await t.store.guardianCredentials.get('unknown')).toBeNull();
    });

    it('advances the signature counter exactly once per value, refusing regressions', async () => {
      const zero = registered();
      await t.store.guardianCredentials.register(zero);
      expect(await t.store.guardianCredentials.recordAssertion(zero.credentialId, 0)).toBe(
        'accepted',
      );
      const c = registered();
      await t.store.guardianCredentials.register(c);
      const { ok } = await settle(
        Array.from({ length: 4 }, () =>
          t.store.guardianCredentials.recordAssertion(c.credentialId, 5),
        ),
      );
      expect(ok.filter((r) => r === 'accepted')).toHaveLength(1);
      expect(await t.store.guardianCredentials.recordAssertion(c.credentialId, 5)).toBe(
        'regressed',
      );
      expect(await t.store.guardianCredentials.recordAssertion(c.credentialId, 0)).toBe(
        'regressed',
      );
      expect(await t.store.guardianCredentials.recordAssertion(c.credentialId, 6)).toBe('accepted');
      await expectStoreError(
        t.store.guardianCredentials.recordAssertion('unknown', 1),
        'store_not_found',
      );
    });

    it('keeps the WebAuthn proof of an approval beside it', async () => {
      const r = await t.store.mintRequests.create(
        newMintRequest(t.clock, { requiredApprovals: 2 }),
      );
      const webauthn = { binding: '{}', authenticator_data: 'AA', client_data_json: 'AA' };
      const web = {
        requestId: r.id,
        guardianId: 'kid-alice',
        signature: new Uint8Array(0),
        createdAt: t.clock.date(1),
        webauthn,
      };
      const cli = {
        requestId: r.id,
        guardianId: 'kid-bob',
        signature: bytes(64),
        createdAt: t.clock.date(2),
      };
      await t.store.approvals.add(web);
      await t.store.approvals.add(cli);
      expect(await t.store.approvals.listByRequest(r.id)).toEqual([web, cli]);
    });
  });
}
