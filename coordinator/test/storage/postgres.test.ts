import { startPostgres, type TestPostgres } from '@frostmint/test-support/postgres';
import { afterAll, beforeAll } from 'vitest';
import { type CoordinatorStore, openCoordinatorStore } from '../../src/storage/index.ts';
import { coordinatorStoreConformance } from './conformance.ts';

let server: TestPostgres;

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await server?.stop();
});

coordinatorStoreConformance('postgres', async () => {
  const url = await server.createDatabase();
  const opened: CoordinatorStore[] = [];
  return {
    async open(now) {
      const store = await openCoordinatorStore({
        stateDir: '/nonexistent',
        storage: { backend: 'postgres', url, maxConnections: 4 },
        now,
      });
      opened.push(store);
      return store;
    },
    async cleanup() {
      for (const store of opened) await store.close();
    },
  };
});
