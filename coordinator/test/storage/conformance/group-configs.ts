import { describe, expect, it } from 'vitest';
import type { NewGroupConfig } from '../../../src/storage/index.ts';
import { expectStoreError, MINUTE, type StoreUnderTest, settle } from './harness.ts';

/** A stored document: the store keeps it as is (the lifecycle checks signatures). */
const config = (kid: string, epoch: number, note = ''): NewGroupConfig => ({
  kid,
  epoch,
  config: { kid, epoch, note },
  source: 'ceremony',
});

export function groupConfigTests(t: StoreUnderTest): void {
  describe('group configurations', () => {
    it('makes the first key current, a second one next, and a newer epoch take its state', async () => {
      const a = await t.store.groups.add(config('A', 1));
      expect(a).toMatchObject({ state: 'current', activatedAt: t.clock.date(), retiredAt: null });
      t.clock.advance(MINUTE);
      expect((await t.store.groups.add(config('B', 1))).state).toBe('next');
      // Share refresh of the next key: it stays next, published since the first epoch.
      const b2 = await t.store.groups.add(config('B', 2));
      expect(b2).toMatchObject({ state: 'next', publishedAt: t.clock.date(), activatedAt: null });
      t.clock.advance(MINUTE);
      const a2 = await t.store.groups.add(config('A', 2));
      expect(a2).toMatchObject({ state: 'current', publishedAt: t.clock.date(-2 * MINUTE) });
      expect((await t.store.groups.list()).map((r) => [r.kid, r.epoch, r.state])).toEqual([
        ['A', 2, 'current'],
        ['B', 2, 'next'],
      ]);
    });

    it('is idempotent for the same document and refuses another one, an older epoch or a retired key', async () => {
      await t.store.groups.add(config('A', 2));
      expect((await t.store.groups.add(config('A', 2))).state).toBe('current');
      await expectStoreError(t.store.groups.add(config('A', 2, 'forged')), 'store_conflict');
      await expectStoreError(t.store.groups.add(config('A', 1)), 'store_conflict');
      await t.store.groups.add(config('B', 1));
      await t.store.groups.switchTo('B', t.clock.date(20 * MINUTE));
      await expectStoreError(t.store.groups.add(config('A', 3)), 'store_invalid_transition');
    });

    it('switches in one step: the next key signs, the old one is retired until its date', async () => {
      await t.store.groups.add(config('A', 1));
      await t.store.groups.add(config('B', 1));
      t.clock.advance(MINUTE);
      await expectStoreError(t.store.groups.switchTo('A', t.clock.date()), 'store_not_found');
      const b = await t.store.groups.switchTo('B', t.clock.date(25 * MINUTE));
      expect(b).toMatchObject({ state: 'current', activatedAt: t.clock.date() });
      const rows = await t.store.groups.list();
      expect(rows.find((r) => r.kid === 'A')).toMatchObject({
        state: 'retired',
        retiredAt: t.clock.date(),
        publishUntil: t.clock.date(25 * MINUTE),
      });
      await expectStoreError(
        t.store.groups.retire('B', t.clock.date()),
        'store_invalid_transition',
      );
      const a = await t.store.groups.retire('A', t.clock.date());
      expect(a).toMatchObject({ state: 'retired', retiredAt: t.clock.date() });
      await expectStoreError(t.store.groups.retire('C', t.clock.date()), 'store_not_found');
    });

    it('keeps one current key when coordinators race to import and switch', async () => {
      await t.store.groups.add(config('A', 1));
      await t.store.groups.add(config('B', 1));
      const racing = await settle([
        ...Array.from({ length: 4 }, () => t.store.groups.add(config('C', 1))),
        ...Array.from({ length: 4 }, () => t.store.groups.switchTo('B', t.clock.date(MINUTE))),
      ]);
      expect(racing.ok.length).toBeGreaterThanOrEqual(5);
      const rows = await t.store.groups.list();
      expect(rows.filter((r) => r.state === 'current').map((r) => r.kid)).toEqual(['B']);
      expect(rows.filter((r) => r.kid === 'C').map((r) => r.state)).toEqual(['next']);
    });
  });
}
