import { describe, expect, it } from 'vitest';
import { runChaos, SHORT } from './chaos.ts';
import { violations } from './limits.ts';

describe('chaos (short form of npm run chaos)', () => {
  it('routes around signer kills, freezes and clock skew, survives coordinator kills, and fails closed on a full disk', async () => {
    const results = await runChaos(SHORT, (line) => console.log(line));
    expect(violations(results, { times: false })).toEqual([]);
  }, 600_000);
});
