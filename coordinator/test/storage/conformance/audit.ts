import { describe, expect, it } from 'vitest';
import { bytes, expectStoreError, type StoreUnderTest } from './harness.ts';

export function auditTests(t: StoreUnderTest): void {
  describe('audit log', () => {
    const leaf = (n: number) => ({
      leafHash: bytes(32),
      entryJson: JSON.stringify({ type: 'mint', n, sub: 'ålice' }),
      createdAt: t.clock.date(n),
    });

    it('appends with consecutive indexes and reads ranges back exactly', async () => {
      expect(await t.store.audit.size()).toBe(0);
      const leaves = [leaf(0), leaf(1), leaf(2)];
      for (const [i, l] of leaves.entries()) expect(await t.store.audit.append(l)).toBe(i);
      expect(await t.store.audit.size()).toBe(3);
      expect(await t.store.audit.read(1, 3)).toEqual([
        { index: 1, ...leaves[1] },
        { index: 2, ...leaves[2] },
      ]);
      expect(await t.store.audit.read(2, 100)).toHaveLength(1);
      expect(await t.store.audit.read(3, 5)).toEqual([]);
    });

    it('refuses a leaf hash that is not 32 bytes', async () => {
      await expectStoreError(
        t.store.audit.append({ ...leaf(0), leafHash: bytes(31) }),
        'store_invalid_argument',
      );
      expect(await t.store.audit.size()).toBe(0);
    });

    it('gives concurrent appends distinct, gap-free indexes', async () => {
      const indexes = await Promise.all(
        Array.from({ length: 20 }, (_, n) => t.store.audit.append(leaf(n))),
      );
      expect([...indexes].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      const stored = await t.store.audit.read(0, 20);
      expect(stored.map((l) => l.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(await t.store.audit.size()).toBe(20);
      // Group commit: the 20 shared fewer transactions than one each.
      const stats = t.store.audit.appendStats();
      expect(stats.entries).toBe(20);
      expect(stats.transactions).toBeGreaterThanOrEqual(1);
      expect(stats.transactions).toBeLessThan(20);
    });

    it('stores checkpoints idempotently and refuses a split view', async () => {
      for (let n = 0; n < 4; n++) await t.store.audit.append(leaf(n));
      expect(await t.store.audit.latestCheckpoint()).toBeNull();
      const two = {
        treeSize: 2,
        rootHash: bytes(32),
        signed: bytes(120),
        createdAt: t.clock.date(),
      };
      const four = {
        treeSize: 4,
        rootHash: bytes(32),
        signed: bytes(120),
        createdAt: t.clock.date(1),
      };
      await t.store.audit.putCheckpoint(four);
      await t.store.audit.putCheckpoint(two);
      await t.store.audit.putCheckpoint({ ...four, signed: bytes(120) }); // same head, re-signed
      expect(await t.store.audit.latestCheckpoint()).toEqual(four);
      expect(await t.store.audit.getCheckpoint(2)).toEqual(two);
      expect(await t.store.audit.getCheckpoint(3)).toBeNull();
      await expectStoreError(
        t.store.audit.putCheckpoint({ ...four, rootHash: bytes(32) }),
        'store_conflict',
      );
      await expectStoreError(
        t.store.audit.putCheckpoint({ ...four, treeSize: 5 }),
        'store_invalid_argument',
      );
    });
  });
}
