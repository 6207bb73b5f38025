import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inclusionProof, leafHash, treeHead, verifyInclusion } from '@frostmint/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { type CoordinatorStore, openCoordinatorStore } from '../../src/storage/index.ts';

describe('AuditLog', () => {
  let dir: string;
  let store: CoordinatorStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frostmint-audit-'));
    store = await openCoordinatorStore({ stateDir: dir });
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('appends canonical entries whose leaf hashes form a verifiable RFC 9162 tree', async () => {
    const audit = new AuditLog(store.audit, () => Date.UTC(2026, 10, 22));
    const first = await audit.record({
      type: 'mint',
      jti: 'j1',
      sub: 'alice',
      aud: 'deploy-api',
      scope: 'deploy:canary',
      exp: 1,
      policy: 'sha256:00',
      signers: [1, 2],
      token_sha256: 'aa'.repeat(32),
      signing_input_sha256: 'bb'.repeat(32),
      evidence: [{ kind: 'oidc', sha256: 'cc'.repeat(32) }],
      approvals: ['guardian-1'],
    });
    const second = await audit.record({
      type: 'denial',
      sub: 'mallory',
      aud: 'deploy-api',
      scope: 'deploy:prod',
      policy: 'sha256:00',
      reasons: ['scope_not_permitted:deploy:prod'],
    });
    expect([first, second]).toEqual([0, 1]);
    const leaves = await store.audit.read(0, await store.audit.size());
    expect(JSON.parse(leaves[0]!.entryJson)).toMatchObject({
      type: 'mint',
      jti: 'j1',
      at: '2026-11-22T00:00:00.000Z',
    });
    for (const leaf of leaves) {
      expect(
        Buffer.from(leaf.leafHash).equals(Buffer.from(leafHash(Buffer.from(leaf.entryJson)))),
      ).toBe(true);
    }
    // The mint entry is found by its jti (the receipt lookup); the denial has no key.
    expect((await store.audit.findByKey('j1'))?.index).toBe(0);
    expect(await store.audit.findByKey('unknown')).toBeNull();
    const hashes = leaves.map((l) => l.leafHash);
    expect(
      verifyInclusion(hashes[1]!, 1, hashes.length, inclusionProof(hashes, 1), treeHead(hashes)),
    ).toBe(true);
  });
});
