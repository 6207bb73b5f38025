import { describe, expect, it } from 'vitest';
import { RateLimitedLog } from '../../src/log/index.ts';

function sink() {
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  return {
    lines,
    log: {
      warn: (obj: object, msg: string) => lines.push({ obj: obj as Record<string, unknown>, msg }),
    },
  };
}

describe('RateLimitedLog: a repeated failure is logged once per interval, with the count', () => {
  it('logs the first failure, counts the repeats, and reports them on the next line', () => {
    let now = 0;
    const { lines, log } = sink();
    const failures = new RateLimitedLog(log, { intervalMs: 60_000, now: () => now });
    const fail = () => failures.warn('2:sign:policy_mismatch', { signer: 2 }, 'signer call failed');
    // A refusal per mint at 100 mints/s for a minute: one line.
    for (; now < 60_000; now += 10) fail();
    expect(lines).toEqual([{ obj: { signer: 2 }, msg: 'signer call failed' }]);
    expect(fail()).toBe(true);
    expect(lines[1]!.obj).toEqual({ signer: 2, repeated: 5_999 });
    // Another key is independent.
    expect(failures.warn('3:commit:internal', { signer: 3 }, 'signer call failed')).toBe(true);
    // A key quiet for longer than the interval logs again at once, with no stale count.
    now += 120_000;
    expect(fail()).toBe(true);
    expect(lines.at(-1)!.obj).toEqual({ signer: 2 });
  });

  it('stays bounded when a misbehaving signer makes up a new code for every refusal', () => {
    const { lines, log } = sink();
    const failures = new RateLimitedLog(log, { maxKeys: 16, now: () => 0 });
    for (let i = 0; i < 10_000; i++) failures.warn(`1:sign:code_${i}`, {}, 'signer call failed');
    // Each new key logs (nothing to suppress it), but only the last 16 are remembered:
    // the oldest key logs again rather than the map growing without bound.
    expect(lines).toHaveLength(10_000);
    expect(failures.warn('1:sign:code_9999', {}, 'x')).toBe(false);
    expect(failures.warn('1:sign:code_0', {}, 'x')).toBe(true);
  });
});
