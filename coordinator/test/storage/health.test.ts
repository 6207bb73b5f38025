import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '@frostmint/core';
import { afterAll, describe, expect, it } from 'vitest';
import { openCoordinatorStore, StoreQueryError } from '../../src/storage/index.ts';

describe('embedded store durability and health', () => {
  let stateDir: string;
  afterAll(async () => {
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('syncs commits by default (fsync on) and reports headroom', async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'frostmint-health-'));
    const store = await openCoordinatorStore({ stateDir });
    try {
      const status = store.health.status();
      expect(status).toMatchObject({ ok: true, fsync: true });
      expect(status.freeBytes).toBeGreaterThan(0);
      expect(status.minFreeBytes).toBe(64 * 2 ** 20);
      expect(() => store.health.assertWritable()).not.toThrow();
    } finally {
      await store.close();
    }
  }, 120_000);

  it('is not ready, and refuses writes with store_unavailable, below its headroom', async () => {
    // More headroom than any test disk has: the real statfs of the store's file system says no.
    const store = await openCoordinatorStore({
      stateDir,
      storage: { backend: 'pglite', durable: false, minFreeMb: 1_000_000 },
    });
    try {
      const status = store.health.status();
      expect(status).toMatchObject({ ok: false, reason: 'disk_full', fsync: false });
      let thrown: unknown;
      try {
        store.health.assertWritable();
      } catch (err) {
        thrown = err;
      }
      expect(hasCode(thrown, 'store_unavailable')).toBe(true);
      expect((thrown as { status: number }).status).toBe(503);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('maps PostgreSQL resource errors (class 53: disk full) to a retryable store_unavailable', () => {
    expect(new StoreQueryError('53100', 'could not extend file').code).toBe('store_unavailable');
    expect(new StoreQueryError('23505', 'duplicate key').code).toBe('store_query_failed');
  });
});
