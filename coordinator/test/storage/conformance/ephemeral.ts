import { describe, expect, it } from 'vitest';
import type { Challenge } from '../../../src/storage/index.ts';
import { expectStoreError, MINUTE, type StoreUnderTest, settle } from './harness.ts';

/** Challenges, replay windows, rate limits and lock-outs: the short-lived state. */
export function ephemeralTests(t: StoreUnderTest): void {
  const challenge = (value: string, over: Partial<Challenge> = {}): Challenge => ({
    challenge: value,
    purpose: 'authentication',
    userId: 'alice@example.com',
    requestId: 'req-1',
    createdAt: t.clock.date(),
    expiresAt: t.clock.date(MINUTE),
    ...over,
  });

  describe('challenges', () => {
    it('consumes a challenge once', async () => {
      const c = challenge('q2yZ3nmqzJ4');
      await t.store.challenges.create(c);
      await expectStoreError(t.store.challenges.create(c), 'store_conflict');
      expect(await t.store.challenges.consume(c.challenge, 'authentication')).toEqual(c);
      await expectStoreError(
        t.store.challenges.consume(c.challenge, 'authentication'),
        'store_challenge_unknown',
      );
      await expectStoreError(
        t.store.challenges.consume('never-issued', 'authentication'),
        'store_challenge_unknown',
      );
    });

    it('consumes a challenge only for its purpose', async () => {
      const c = challenge('reg-1', { purpose: 'registration', requestId: null });
      await t.store.challenges.create(c);
      await expectStoreError(
        t.store.challenges.consume(c.challenge, 'authentication'),
        'store_challenge_unknown',
      );
      expect(await t.store.challenges.consume(c.challenge, 'registration')).toEqual(c);
    });

    it('refuses an expired challenge and burns it', async () => {
      await t.store.challenges.create(challenge('late'));
      t.clock.advance(MINUTE);
      await expectStoreError(
        t.store.challenges.consume('late', 'authentication'),
        'store_challenge_expired',
      );
      await expectStoreError(
        t.store.challenges.consume('late', 'authentication'),
        'store_challenge_unknown',
      );
    });

    it('gives a challenge to exactly one of concurrent consumers', async () => {
      await t.store.challenges.create(challenge('contended'));
      const { ok, failed } = await settle(
        Array.from({ length: 8 }, () => t.store.challenges.consume('contended', 'authentication')),
      );
      expect(ok).toHaveLength(1);
      expect(failed).toHaveLength(7);
    });
  });

  describe('replay windows', () => {
    it('remembers a key once per namespace until it expires', async () => {
      const until = t.clock.date(MINUTE);
      expect(await t.store.replay.rememberOnce('oidc-jti', 'jti-1', until)).toBe(true);
      expect(await t.store.replay.rememberOnce('oidc-jti', 'jti-1', until)).toBe(false);
      expect(await t.store.replay.rememberOnce('approval', 'jti-1', until)).toBe(true);
      t.clock.advance(MINUTE);
      expect(await t.store.replay.rememberOnce('oidc-jti', 'jti-1', t.clock.date(MINUTE))).toBe(
        true,
      );
      expect(await t.store.replay.rememberOnce('oidc-jti', 'jti-1', t.clock.date(MINUTE))).toBe(
        false,
      );
    });

    it('tells whether a key is remembered without remembering it', async () => {
      expect(await t.store.replay.isRemembered('oidc-jti', 'looked-up')).toBe(false);
      expect(await t.store.replay.isRemembered('oidc-jti', 'looked-up')).toBe(false);
      await t.store.replay.rememberOnce('oidc-jti', 'looked-up', t.clock.date(MINUTE));
      expect(await t.store.replay.isRemembered('oidc-jti', 'looked-up')).toBe(true);
      expect(await t.store.replay.isRemembered('approval', 'looked-up')).toBe(false);
      t.clock.advance(MINUTE);
      expect(await t.store.replay.isRemembered('oidc-jti', 'looked-up')).toBe(false);
    });

    it('answers true to exactly one of concurrent callers', async () => {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          t.store.replay.rememberOnce('oidc-jti', 'raced', t.clock.date(MINUTE)),
        ),
      );
      expect(answers.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('rate limits', () => {
    it('counts hits in a fixed window and resets with the next one', async () => {
      t.clock.advance(10_000); // 10 s into a one-minute window
      const windowEnd = t.clock.date(50_000);
      expect(await t.store.rateLimits.hit('mint:alice', MINUTE, 2)).toEqual({
        allowed: true,
        remaining: 1,
        resetAt: windowEnd,
      });
      expect(await t.store.rateLimits.hit('mint:alice', MINUTE, 2)).toEqual({
        allowed: true,
        remaining: 0,
        resetAt: windowEnd,
      });
      expect(await t.store.rateLimits.hit('mint:alice', MINUTE, 2)).toEqual({
        allowed: false,
        remaining: 0,
        resetAt: windowEnd,
      });
      expect((await t.store.rateLimits.hit('mint:bob', MINUTE, 2)).allowed).toBe(true);
      t.clock.advance(50_000);
      expect(await t.store.rateLimits.hit('mint:alice', MINUTE, 2)).toEqual({
        allowed: true,
        remaining: 1,
        resetAt: t.clock.date(MINUTE),
      });
    });

    it('allows exactly the limit under concurrent hits', async () => {
      const decisions = await Promise.all(
        Array.from({ length: 12 }, () => t.store.rateLimits.hit('mint:carol', MINUTE, 5)),
      );
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    });

    it('locks a key out after repeated failures, until the lock-out ends', async () => {
      const policy = { maxFailures: 3, windowMs: 5 * MINUTE, lockoutMs: 15 * MINUTE };
      expect(await t.store.rateLimits.recordFailure('login:alice', policy)).toEqual({
        failures: 1,
        lockedUntil: null,
      });
      expect(await t.store.rateLimits.recordFailure('login:alice', policy)).toEqual({
        failures: 2,
        lockedUntil: null,
      });
      expect(await t.store.rateLimits.lockedUntil('login:alice')).toBeNull();
      const locked = await t.store.rateLimits.recordFailure('login:alice', policy);
      expect(locked).toEqual({ failures: 3, lockedUntil: t.clock.date(15 * MINUTE) });
      expect(await t.store.rateLimits.lockedUntil('login:alice')).toEqual(
        t.clock.date(15 * MINUTE),
      );
      await t.store.rateLimits.clearFailures('login:alice'); // a success cannot lift a lock-out
      expect(await t.store.rateLimits.lockedUntil('login:alice')).toEqual(
        t.clock.date(15 * MINUTE),
      );
      t.clock.advance(15 * MINUTE);
      expect(await t.store.rateLimits.lockedUntil('login:alice')).toBeNull();
      expect((await t.store.rateLimits.recordFailure('login:alice', policy)).failures).toBe(1);
    });

    it('forgets failures after a success or when their window ends', async () => {
      const policy = { maxFailures: 3, windowMs: 5 * MINUTE, lockoutMs: 15 * MINUTE };
      await t.store.rateLimits.recordFailure('login:bob', policy);
      await t.store.rateLimits.recordFailure('login:bob', policy);
      await t.store.rateLimits.clearFailures('login:bob');
      expect((await t.store.rateLimits.recordFailure('login:bob', policy)).failures).toBe(1);
      await t.store.rateLimits.recordFailure('login:bob', policy);
      t.clock.advance(5 * MINUTE);
      expect(await t.store.rateLimits.recordFailure('login:bob', policy)).toEqual({
        failures: 1,
        lockedUntil: null,
      });
    });

    it('counts concurrent failures without losing any', async () => {
      const policy = { maxFailures: 100, windowMs: 5 * MINUTE, lockoutMs: MINUTE };
      const states = await Promise.all(
        Array.from({ length: 10 }, () => t.store.rateLimits.recordFailure('login:dave', policy)),
      );
      expect(states.map((s) => s.failures).sort((a, b) => a - b)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ]);
    });
  });

  describe('sweeping', () => {
    it('deletes what has expired and nothing else', async () => {
      await t.store.challenges.create(challenge('old', { expiresAt: t.clock.date(MINUTE) }));
      await t.store.challenges.create(challenge('new', { expiresAt: t.clock.date(3 * MINUTE) }));
      await t.store.replay.rememberOnce('ns', 'old', t.clock.date(MINUTE));
      await t.store.replay.rememberOnce('ns', 'new', t.clock.date(3 * MINUTE));
      await t.store.rateLimits.hit('k', MINUTE, 5);
      await t.store.rateLimits.recordFailure('k', {
        maxFailures: 5,
        windowMs: MINUTE,
        lockoutMs: MINUTE,
      });
      await t.store.rateLimits.recordFailure('locked', {
        maxFailures: 1,
        windowMs: MINUTE,
        lockoutMs: 10 * MINUTE,
      });
      t.clock.advance(2 * MINUTE);
      expect(await t.store.sweepExpired()).toEqual({
        challenges: 1,
        replay: 1,
        rateLimits: 1,
        lockouts: 1,
      });
      expect(await t.store.sweepExpired()).toEqual({
        challenges: 0,
        replay: 0,
        rateLimits: 0,
        lockouts: 0,
      });
      expect((await t.store.challenges.consume('new', 'authentication')).challenge).toBe('new');
      expect(await t.store.replay.rememberOnce('ns', 'new', t.clock.date(MINUTE))).toBe(false);
      expect(await t.store.rateLimits.lockedUntil('locked')).not.toBeNull();
    });
  });
}
