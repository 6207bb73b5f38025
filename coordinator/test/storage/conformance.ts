import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approvalTests } from './conformance/approvals.ts';
import { auditTests } from './conformance/audit.ts';
import { enrollmentTests } from './conformance/enrollments.ts';
import { ephemeralTests } from './conformance/ephemeral.ts';
import { groupConfigTests } from './conformance/group-configs.ts';
import { guardianCredentialTests } from './conformance/guardian-credentials.ts';
import {
  expectStoreError,
  newEnrollment,
  type StoreHarness,
  type StoreUnderTest,
  TestClock,
} from './conformance/harness.ts';
import { mintRequestTests } from './conformance/mint-requests.ts';
import { mintResultTests } from './conformance/mint-results.ts';

export type { StoreHarness } from './conformance/harness.ts';

/**
 * The one conformance suite every `CoordinatorStore` backend passes (SPIRE-style: one
 * suite, every backend). A backend's test file supplies a harness; the suite owns the
 * behaviour. Every test gets a fresh, empty, migrated store and a hand-driven clock.
 *
 * @example
 * ```ts
 * coordinatorStoreConformance('pglite', async () => pgliteHarness());
 * ```
 */
export function coordinatorStoreConformance(
  name: string,
  makeHarness: () => Promise<StoreHarness>,
): void {
  describe(`CoordinatorStore conformance: ${name}`, () => {
    const t = {} as StoreUnderTest;

    beforeEach(async () => {
      t.clock = new TestClock();
      t.harness = await makeHarness();
      t.store = await t.harness.open(t.clock.now);
    });

    afterEach(async () => {
      await t.harness.cleanup();
    });

    it(`reports its backend (${name})`, () => {
      expect(t.store.backend).toBe(name);
    });

    enrollmentTests(t);
    mintRequestTests(t);
    mintResultTests(t);
    approvalTests(t);
    guardianCredentialTests(t);
    ephemeralTests(t);
    auditTests(t);
    groupConfigTests(t);

    describe('lifecycle', () => {
      it('keeps its state across a restart, migrating nothing twice', async () => {
        const e = newEnrollment(t.clock);
        await t.store.enrollments.put(e);
        await t.store.audit.append({
          leafHash: new Uint8Array(32),
          entryJson: '{}',
          createdAt: t.clock.date(),
        });
        await t.store.close();
        const reopened = await t.harness.open(t.clock.now);
        expect((await reopened.enrollments.get(e.credentialId))?.certificate).toEqual(
          e.certificate,
        );
        expect(await reopened.audit.size()).toBe(1);
      });

      it('fails with store_closed after close, and closes idempotently', async () => {
        await t.store.close();
        await t.store.close();
        await expectStoreError(t.store.enrollments.get('x'), 'store_closed');
        await expectStoreError(
          t.store.audit.append({
            leafHash: new Uint8Array(32),
            entryJson: '{}',
            createdAt: t.clock.date(),
          }),
          'store_closed',
        );
      });
    });
  });
}
