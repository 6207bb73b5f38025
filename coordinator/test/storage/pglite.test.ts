import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { type CoordinatorStore, openCoordinatorStore } from '../../src/storage/index.ts';
import { coordinatorStoreConformance } from './conformance.ts';

// initdb under WebAssembly takes seconds: do it once, then give every test a copy of the
// migrated directory (`cp -a` into RAM when /dev/shm is there; fs.cp is ten times slower).
const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
let template: Promise<string> | undefined;
const templateDir = () => {
  template ??= (async () => {
    const stateDir = await mkdtemp(join(scratch, 'frostmint-pglite-template-'));
    const store = await openCoordinatorStore({ stateDir });
    await store.close();
    return stateDir;
  })();
  return template;
};

afterAll(async () => {
  if (template) await rm(await template, { recursive: true, force: true });
});

coordinatorStoreConformance('pglite', async () => {
  const stateDir = await mkdtemp(join(scratch, 'frostmint-pglite-'));
  await promisify(execFile)('cp', ['-a', join(await templateDir(), 'pglite'), stateDir]);
  const opened: CoordinatorStore[] = [];
  return {
    async open(now) {
      // The default location: `<stateDir>/pglite`.
      const store = await openCoordinatorStore({ stateDir, now });
      opened.push(store);
      return store;
    },
    async cleanup() {
      for (const store of opened) await store.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
});
