import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type {
  CoordinatorStore,
  NewEnrollment,
  NewMintRequest,
  StoreErrorCode,
} from '../../../src/storage/index.ts';
import { StoreError } from '../../../src/storage/index.ts';

/**
 * What a backend's test file supplies: a fresh, empty location for a store. Calling `open`
 * again opens the same state (a restart, or with PostgreSQL a second coordinator).
 */
export interface StoreHarness {
  open(now: () => number): Promise<CoordinatorStore>;
  /** Closes every store it opened and removes all state. */
  cleanup(): Promise<void>;
}

/**
 * A clock the tests move by hand. It starts in 2001 on purpose: a query that read the
 * database's own `now()` instead of the store's clock would see every test row as expired.
 */
export class TestClock {
  ms = Date.UTC(2001, 0, 1);
  readonly now = (): number => this.ms;
  date(offsetMs = 0): Date {
    return new Date(this.ms + offsetMs);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** One instance per test: the store under test, its clock and its harness. */
export interface StoreUnderTest {
  store: CoordinatorStore;
  clock: TestClock;
  harness: StoreHarness;
}

export const MINUTE = 60_000;

/** Asserts that `promise` rejects with a `StoreError` carrying `code`. */
export async function expectStoreError(promise: Promise<unknown>, code: StoreErrorCode) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(StoreError);
  expect((err as StoreError).code).toBe(code);
}

/** Settles every promise; returns the fulfilled values and the rejection reasons. */
export async function settle<T>(promises: Promise<T>[]) {
  const results = await Promise.allSettled(promises);
  return {
    ok: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    failed: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
}

export const bytes = (n: number) => new Uint8Array(randomBytes(n));

export function newEnrollment(clock: TestClock, over: Partial<NewEnrollment> = {}): NewEnrollment {
  return {
    credentialId: randomUUID(),
    userId: 'alice@example.com',
    publicKey: bytes(77),
    transports: ['usb', 'hybrid'],
    roles: ['deployer', 'oncall'],
    certificate: bytes(300),
    certificateExpiresAt: clock.date(24 * 60 * MINUTE),
    createdAt: clock.date(),
    ...over,
  };
}

export function newMintRequest(
  clock: TestClock,
  over: Partial<NewMintRequest> = {},
): NewMintRequest {
  return {
    id: randomUUID(),
    requester: 'alice@example.com',
    kind: 'tap_mint',
    signingInput: 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9',
    claims: { sub: 'alice@example.com', scope: 'deploy:prod', aud: ['deploy-api'], exp: 900 },
    decision: { allow: true, reasons: ['deploy:prod needs 2 approvals'], approvals: 2 },
    justification: 'hotfix INC-42',
    requiredApprovals: 0,
    createdAt: clock.date(),
    expiresAt: clock.date(10 * MINUTE),
    ...over,
  };
}
