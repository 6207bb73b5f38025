import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  bindCorrelation,
  correlate,
  correlationMixin,
  withCorrelation,
} from '../../src/log/index.ts';

/** A real pino logger with the mixin, writing JSON lines into an array. */
function logger() {
  const lines: Record<string, unknown>[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: pino({ mixin: correlationMixin }, out) };
}

describe('correlationMixin: every line logged for a request names it', () => {
  it('adds request_id, trace_id and the jti chosen later to lines in the request, and across awaits', async () => {
    const { lines, log } = logger();
    await withCorrelation({ request_id: 'r-1', trace_id: 'a'.repeat(32) }, async () => {
      log.info('before the jti');
      correlate({ jti: 'j-1' });
      await new Promise((r) => setTimeout(r, 1));
      log.info({ sub: 'ci' }, 'token minted');
    });
    log.info('outside');
    expect(
      lines.map(({ request_id, trace_id, jti, msg }) => ({ request_id, trace_id, jti, msg })),
    ).toEqual([
      { request_id: 'r-1', trace_id: 'a'.repeat(32), jti: undefined, msg: 'before the jti' },
      { request_id: 'r-1', trace_id: 'a'.repeat(32), jti: 'j-1', msg: 'token minted' },
      { request_id: undefined, trace_id: undefined, jti: undefined, msg: 'outside' },
    ]);
    expect(lines[1]!.sub).toBe('ci');
  });

  it('keeps concurrent requests apart', async () => {
    const { lines, log } = logger();
    const serve = (id: string, delay: number) =>
      withCorrelation({ request_id: id }, async () => {
        correlate({ jti: `jti-${id}` });
        await new Promise((r) => setTimeout(r, delay));
        log.info('done');
      });
    await Promise.all([serve('a', 5), serve('b', 1)]);
    expect(lines.map((l) => [l.request_id, l.jti])).toEqual([
      ['b', 'jti-b'],
      ['a', 'jti-a'],
    ]);
  });

  it('gives a bound request logger the jti and trace_id once, never a second request_id', () => {
    const { lines, log } = logger();
    const request = log.child({ request_id: 'r-2' });
    const fields = { request_id: 'r-2' };
    bindCorrelation(request, fields);
    Object.assign(fields, { jti: 'j-2', trace_id: 'b'.repeat(32) });
    // Outside any async context (an error handler): still correlated through the binding.
    request.info('request refused');
    expect(lines[0]).toMatchObject({ request_id: 'r-2', jti: 'j-2', trace_id: 'b'.repeat(32) });
    // pino writes bindings and mixin fields side by side: request_id must appear once.
    const raw = JSON.stringify(lines[0]);
    expect(raw.match(/"request_id"/g)).toHaveLength(1);
  });

  it('lets a line set its own fields', () => {
    const { lines, log } = logger();
    withCorrelation({ request_id: 'r-3', jti: 'j-3' }, () => log.info({ jti: 'other' }, 'x'));
    expect(lines[0]).toMatchObject({ request_id: 'r-3', jti: 'other' });
  });

  it('does nothing outside a request', () => {
    correlate({ jti: 'lost' });
    const { lines, log } = logger();
    log.info('idle');
    expect(lines[0]!.jti).toBeUndefined();
  });
});
