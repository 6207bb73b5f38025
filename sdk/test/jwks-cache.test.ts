import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier, type VerifierOptions } from '../src/index.ts';
import { ManualClock } from './support/clock.ts';
import { EventLog } from './support/event-log.ts';
import { expectCode } from './support/expect-code.ts';
import { JwksServer } from './support/jwks-server.ts';
import { AUDIENCE, ISSUER, mint, newSigningKey, type SigningKey } from './support/tokens.ts';

const COOLDOWN = 30_000;
const REFRESH = 5 * 60_000;
const DAY = 24 * 3_600_000;

let keyA: SigningKey;
let keyB: SigningKey;
let server: JwksServer;
let clock: ManualClock;
let log: EventLog;
let verifier: Verifier;

function remoteVerifier(overrides: Partial<VerifierOptions> = {}): Verifier {
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: server.url,
    clock: clock.now,
    onEvent: log.listener,
    ...overrides,
  });
}

const tokenOf = (key: SigningKey) => mint(key, { now: clock.seconds });

beforeEach(async () => {
  keyA = await newSigningKey();
  keyB = await newSigningKey();
  server = await new JwksServer([keyA.jwk]).start();
  clock = new ManualClock();
  log = new EventLog();
  verifier = remoteVerifier();
});

afterEach(async () => {
  verifier.close();
  await server.stop();
});

describe('JWKS cache', () => {
  it('fetches the JWKS once and verifies from memory after that', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, async () => verifier.verify(await tokenOf(keyA))),
    );
    for (let i = 0; i < 20; i++) await verifier.verify(await tokenOf(keyA));
    expect(results.every((r) => r.stale === false)).toBe(true);
    expect(server.hits).toBe(1);
    expect(log.events).toEqual([{ type: 'jwks_refreshed', kids: [keyA.jwk.kid] }]);
  });

  it('refreshes at most once per cooldown for unknown kids', async () => {
    await verifier.verify(await tokenOf(keyA));
    expect(server.hits).toBe(1);
    const unknown = await tokenOf(keyB);

    // Within the cooldown of the first fetch: no fetch at all.
    await Promise.all(
      Array.from({ length: 5 }, () => expectCode(verifier.verify(unknown), 'token_kid_unknown')),
    );
    expect(server.hits).toBe(1);

    // After the cooldown: concurrent unknown kids share exactly one fetch…
    clock.advance(COOLDOWN);
    await Promise.all(
      Array.from({ length: 5 }, () => expectCode(verifier.verify(unknown), 'token_kid_unknown')),
    );
    expect(server.hits).toBe(2);
    // …and later ones within the cooldown cause none.
    clock.advance(COOLDOWN - 1);
    for (let i = 0; i < 5; i++) await expectCode(verifier.verify(unknown), 'token_kid_unknown');
    expect(server.hits).toBe(2);

    clock.advance(1);
    await expectCode(verifier.verify(unknown), 'token_kid_unknown');
    expect(server.hits).toBe(3);
  });

  it('picks up a rotated key on the unknown-kid refresh and drops the retired one', async () => {
    await verifier.verify(await tokenOf(keyA));
    server.document = { keys: [keyB.jwk] };
    clock.advance(COOLDOWN);

    const result = await verifier.verify(await tokenOf(keyB));
    expect(result.header.kid).toBe(keyB.jwk.kid);
    expect(result.stale).toBe(false);
    expect(server.hits).toBe(2);
    expect(log.events.at(-1)).toEqual({ type: 'jwks_refreshed', kids: [keyB.jwk.kid] });
    await expectCode(verifier.verify(await tokenOf(keyA)), 'token_kid_unknown');
  });

  it('refreshes in the background once the refresh interval has passed', async () => {
    server.document = { keys: [keyA.jwk, keyB.jwk] };
    await verifier.verify(await tokenOf(keyA));
    server.document = { keys: [keyB.jwk] };
    clock.advance(REFRESH);

    // The due refresh runs out of the request path: this verify uses the cache.
    const refreshed = log.next('jwks_refreshed');
    await expect(verifier.verify(await tokenOf(keyA))).resolves.toBeDefined();
    expect(await refreshed).toEqual({ type: 'jwks_refreshed', kids: [keyB.jwk.kid] });
    expect(server.hits).toBe(2);
    await expectCode(verifier.verify(await tokenOf(keyA)), 'token_kid_unknown');
    await expect(verifier.verify(await tokenOf(keyB))).resolves.toBeDefined();
  });

  it('keeps verifying from cache while the issuer is down, says so, and fails closed after maxStaleness', async () => {
    await verifier.verify(await tokenOf(keyA));
    await server.stop();

    // An hour later the background refresh fails; the cache still serves, flagged stale.
    clock.advance(3_600_000);
    const failed = log.next('jwks_refresh_failed');
    await verifier.verify(await tokenOf(keyA));
    const event = await failed;
    expect(event.error.code).toBe('jwks_unavailable');
    expect(event.cacheAge).toBe(3_600_000);
    const during = await verifier.verify(await tokenOf(keyA));
    expect(during.stale).toBe(true);
    expect(during.claims.sub).toBe('alice@example.com');

    // Just inside maxStaleness (24 h after the last successful fetch): still served.
    clock.advance(DAY - 3_600_000);
    expect((await verifier.verify(await tokenOf(keyA))).stale).toBe(true);

    // Beyond it: fail closed, even for a key that is cached.
    clock.advance(1);
    const stale = await expectCode(verifier.verify(await tokenOf(keyA)), 'jwks_stale');
    expect(stale.message).toMatch(/beyond maxStaleness/);
    const attempts = log.count('jwks_refresh_failed');
    await expectCode(verifier.verify(await tokenOf(keyA)), 'jwks_stale');
    expect(log.count('jwks_refresh_failed')).toBe(attempts); // no fetch storm within the cooldown

    // The issuer comes back: the next attempt after the cooldown recovers.
    await server.start();
    clock.advance(COOLDOWN);
    const recovered = await verifier.verify(await tokenOf(keyA));
    expect(recovered.stale).toBe(false);
  });

  it('keeps the cached keys when the issuer publishes a broken JWKS', async () => {
    await verifier.verify(await tokenOf(keyA));
    for (const broken of [
      'not json',
      '{"keys": []}',
      JSON.stringify({ keys: [{ ...keyA.jwk, d: 'AAAA' }] }),
    ]) {
      server.document = broken;
      clock.advance(REFRESH);
      const failed = log.next('jwks_refresh_failed');
      await verifier.verify(await tokenOf(keyA));
      expect((await failed).error.code).toBe('jwks_invalid');
      expect((await verifier.verify(await tokenOf(keyA))).stale).toBe(true);
    }
  });

  it('fails with jwks_unavailable when no JWKS was ever fetched, without retrying within the cooldown', async () => {
    await server.stop();
    let calls = 0;
    const counted = remoteVerifier({
      fetch: (input, init) => {
        calls += 1;
        return fetch(input, init);
      },
    });
    try {
      await expectCode(counted.verify(await tokenOf(keyA)), 'jwks_unavailable');
      await expectCode(counted.verify(await tokenOf(keyA)), 'jwks_unavailable');
      expect(calls).toBe(1);
      expect(log.events.at(-1)).toMatchObject({ type: 'jwks_refresh_failed', cacheAge: undefined });
    } finally {
      counted.close();
    }
  });

  it('gives up on a JWKS endpoint that does not answer within the timeout', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const slow = remoteVerifier({ jwksUri: `http://127.0.0.1:${port}/jwks.json`, timeout: 200 });
    try {
      const started = performance.now();
      const err = await expectCode(slow.verify(await tokenOf(keyA)), 'jwks_unavailable');
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(err.message).toMatch(/timeout|aborted/i);
    } finally {
      slow.close();
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('refuses a JWKS endpoint that answers with an error status', async () => {
    const missing = remoteVerifier({ jwksUri: server.url.replace('/jwks.json', '/nope') });
    try {
      const err = await expectCode(missing.verify(await tokenOf(keyA)), 'jwks_unavailable');
      expect(err.message).toMatch(/answered 404/);
    } finally {
      missing.close();
    }
  });
});
