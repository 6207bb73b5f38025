import { describe, expect, it } from 'vitest';
import { LOG_LEVEL_ENV, resolveLogLevel, StateLog } from '../../src/log/index.ts';

function sink() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) =>
    lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('StateLog: a condition is logged when it changes, not every time it is seen', () => {
  it('logs a signer going down once, reminds with a count, and logs the recovery', () => {
    let now = 0;
    const { lines, log } = sink();
    const states = new StateLog(log, { reminderMs: 60_000, now: () => now });
    const down = () =>
      states.report('s1', 'unreachable', 'warn', { signer: 1 }, 'signer not reachable');
    // A 2 s poll for 59 s: one line.
    for (; now < 59_000; now += 2_000) down();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual({ level: 'warn', obj: { signer: 1 }, msg: 'signer not reachable' });
    // After the reminder interval: one more line with the number of repeats.
    now = 60_000;
    expect(down()).toBe(true);
    expect(lines[1]!.obj).toMatchObject({
      signer: 1,
      repeated: 30,
      since: new Date(0).toISOString(),
    });
    now = 62_000;
    down();
    now = 64_000;
    states.report('s1', 'ok', 'info', { signer: 1 }, 'signer reachable again');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toEqual({
      level: 'info',
      obj: { signer: 1, previous: 'unreachable', previous_for_ms: 64_000, repeated: 1 },
      msg: 'signer reachable again',
    });
  });

  it('keeps keys apart', () => {
    const { lines, log } = sink();
    const states = new StateLog(log);
    states.report('s1', 'down', 'warn', {}, 'down');
    states.report('s2', 'down', 'warn', {}, 'down');
    states.report('s1', 'down', 'warn', {}, 'down');
    expect(lines).toHaveLength(2);
  });
});

describe('resolveLogLevel', () => {
  it('takes $FROSTMINT_LOG_LEVEL over the config, the config over the default', () => {
    expect(resolveLogLevel(undefined, {})).toBe('info');
    expect(resolveLogLevel('warn', {})).toBe('warn');
    expect(resolveLogLevel('warn', { [LOG_LEVEL_ENV]: 'DEBUG' })).toBe('debug');
  });

  it('refuses an unknown level rather than logging at a level nobody chose', () => {
    expect(() => resolveLogLevel('info', { [LOG_LEVEL_ENV]: 'verbose' })).toThrow(
      /FROSTMINT_LOG_LEVEL=verbose is not a log level/,
    );
  });
});
