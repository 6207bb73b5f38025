import { describe, expect, it } from 'vitest';
import { expectStoreError, newMintRequest, type StoreUnderTest } from './harness.ts';

const KEY = { kty: 'OKP', crv: 'X25519', x: 'A'.repeat(43) };

export function mintResultTests(t: StoreUnderTest): void {
  describe('mint results', () => {
    it('keeps the result key, seals once, and reads the sealed token back', async () => {
      const r = newMintRequest(t.clock);
      await t.store.mintRequests.create(r);
      await t.store.mintResults.create({
        requestId: r.id,
        resultKey: KEY,
        createdAt: t.clock.date(),
      });
      expect(await t.store.mintResults.get(r.id)).toEqual({
        requestId: r.id,
        resultKey: KEY,
        sealed: null,
        createdAt: t.clock.date(),
      });
      await t.store.mintResults.seal(r.id, 'jwe.one');
      await expectStoreError(t.store.mintResults.seal(r.id, 'jwe.two'), 'store_conflict');
      expect((await t.store.mintResults.get(r.id))?.sealed).toBe('jwe.one');
    });

    it('refuses a second result key, sealing without one, and unknown requests', async () => {
      const r = newMintRequest(t.clock);
      await t.store.mintRequests.create(r);
      await expectStoreError(t.store.mintResults.seal(r.id, 'jwe'), 'store_not_found');
      await t.store.mintResults.create({
        requestId: r.id,
        resultKey: KEY,
        createdAt: t.clock.date(),
      });
      await expectStoreError(
        t.store.mintResults.create({ requestId: r.id, resultKey: KEY, createdAt: t.clock.date() }),
        'store_conflict',
      );
      expect(await t.store.mintResults.get('unknown')).toBeNull();
    });
  });
}
