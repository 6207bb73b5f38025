import { describe, expect, it } from 'vitest';
import { AnomalyDetector, type CredentialUse } from '../../src/anomaly/detector.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Midnight UTC of some day: hours of day below are exact. */
const T0 = Date.UTC(2026, 10, 2);

const mint = (subject: string, at: number, scopes = ['deploy:canary']): CredentialUse => ({
  outcome: 'mint',
  subject,
  scopes,
  at,
});
const denial = (subject: string, at: number, scopes = ['deploy:prod']): CredentialUse => ({
  outcome: 'denial',
  subject,
  scopes,
  at,
});

/** A CI job minting every 30 min during 09:00–17:00 UTC for `days` days; returns the end time. */
function officeHabit(d: AnomalyDetector, subject: string, days: number): number {
  for (let day = 0; day < days; day++) {
    for (let t = 9 * HOUR; t < 17 * HOUR; t += 30 * MIN) {
      expect(d.observe(mint(subject, T0 + day * DAY + t))).toEqual([]);
    }
  }
  return T0 + days * DAY;
}

describe('AnomalyDetector (fake clock: time comes from each event)', () => {
  it('stays quiet for a subject that keeps its habits', () => {
    const d = new AnomalyDetector();
    const end = officeHabit(d, 'repo:acme/api', 5);
    expect(d.observe(mint('repo:acme/api', end + 10 * HOUR))).toEqual([]);
  });

  it('reports a rate spike far above the subject’s own baseline, once per spike', () => {
    const d = new AnomalyDetector();
    const end = officeHabit(d, 'repo:acme/api', 3);
    const start = end + 10 * HOUR;
    const found = [];
    // 60 mints in 3 minutes: ~3 per 5 min is this subject's peak, 20+ is a spike.
    for (let i = 0; i < 60; i++) found.push(...d.observe(mint('repo:acme/api', start + i * 3_000)));
    expect(found.map((a) => a.kind)).toEqual(['rate_spike']);
    expect(found[0]!.subject).toBe('repo:acme/api');
    expect(found[0]!.detail).toMatch(/mints in about 5 min, baseline/);
    // Once the burst has decayed the detector re-arms and a new spike is reported again.
    const later = start + 2 * HOUR;
    const again = [];
    for (let i = 0; i < 60; i++) again.push(...d.observe(mint('repo:acme/api', later + i * 3_000)));
    expect(again.map((a) => a.kind)).toEqual(['rate_spike']);
  });

  it('judges a busy subject by its own baseline: the same burst is normal for it', () => {
    const d = new AnomalyDetector();
    // A busy deployer minting every 30 s all day long for two days.
    for (let t = 0; t < 2 * DAY; t += 30_000) {
      expect(d.observe(mint('repo:acme/monorepo', T0 + t))).toEqual([]);
    }
    const found = [];
    for (let i = 0; i < 60; i++)
      found.push(...d.observe(mint('repo:acme/monorepo', T0 + 2 * DAY + i * 3_000)));
    expect(found).toEqual([]);
  });

  it('does not judge a new subject before its warm-up (no baseline yet)', () => {
    const d = new AnomalyDetector();
    const found = [];
    for (let i = 0; i < 100; i++) {
      found.push(...d.observe(mint('repo:acme/new', T0 + i * 1_000, [`scope:${i}`])));
    }
    expect(found).toEqual([]);
  });

  it('reports a scope the subject never requested before, once', () => {
    const d = new AnomalyDetector();
    const end = officeHabit(d, 'repo:acme/api', 2);
    const first = d.observe(
      mint('repo:acme/api', end + 10 * HOUR, ['deploy:canary', 'deploy:prod']),
    );
    expect(first).toEqual([
      expect.objectContaining({
        kind: 'new_scope',
        subject: 'repo:acme/api',
        scope: 'deploy:prod',
      }),
    ]);
    expect(d.observe(mint('repo:acme/api', end + 10 * HOUR + MIN, ['deploy:prod']))).toEqual([]);
    // Another subject's scopes are its own.
    officeHabit(d, 'repo:acme/web', 2);
    expect(
      d.observe(mint('repo:acme/web', end + 11 * HOUR, ['deploy:prod'])).map((a) => a.kind),
    ).toEqual(['new_scope']);
  });

  it('reports a mint outside the subject’s usual hours, once per hour', () => {
    const d = new AnomalyDetector();
    const end = officeHabit(d, 'repo:acme/api', 5);
    const threeAm = end + 3 * HOUR;
    expect(d.observe(mint('repo:acme/api', threeAm)).map((a) => a.kind)).toEqual(['off_hours']);
    expect(d.observe(mint('repo:acme/api', threeAm + 5 * MIN))).toEqual([]);
    // 09:00–17:00 stays usual, and so does the hour just either side of it (08:xx).
    expect(d.observe(mint('repo:acme/api', end + 8 * HOUR + 30 * MIN))).toEqual([]);
    expect(d.observe(mint('repo:acme/api', end + 12 * HOUR))).toEqual([]);
  });

  it('reports a burst of denials for one subject even before its warm-up', () => {
    const d = new AnomalyDetector();
    const found = [];
    for (let i = 0; i < 12; i++) found.push(...d.observe(denial('repo:evil/fork', T0 + i * 5_000)));
    expect(found.map((a) => a.kind)).toEqual(['denial_burst']);
    // A few denials spread over hours are no burst.
    const calm = new AnomalyDetector();
    for (let i = 0; i < 30; i++)
      expect(calm.observe(denial('repo:acme/api', T0 + i * HOUR))).toEqual([]);
  });

  it('holds at most maxSubjects (LRU) and maxScopesPerSubject, so memory stays bounded', () => {
    const d = new AnomalyDetector({ maxSubjects: 100, maxScopesPerSubject: 4, warmupMs: 0 });
    for (let i = 0; i < 1_000; i++) d.observe(mint(`sub-${i}`, T0 + i));
    expect(d.size).toBe(100);
    expect(d.evicted).toBe(900);
    // The most recently seen subject is kept: its scope is known…
    expect(d.observe(mint('sub-999', T0 + 2_000))).toEqual([]);
    // …and a scope set past its cap forgets the least recently requested scope.
    const kinds = (scopes: string[]) =>
      d.observe(mint('sub-999', T0 + 3_000, scopes)).map((a) => a.kind);
    expect(kinds(['a', 'b', 'c', 'd'])).toEqual([
      'new_scope',
      'new_scope',
      'new_scope',
      'new_scope',
    ]);
    expect(kinds(['deploy:canary'])).toEqual(['new_scope']);
  });
});
