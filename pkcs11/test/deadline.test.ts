import { afterEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from '../src/deadline.ts';
import { Pkcs11TimeoutError } from '../src/errors.ts';

/** A promise settled by hand, standing in for a token call waiting for a touch. */
function pending<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('withDeadline', () => {
  it('announces a slow operation once, then delivers its result', async () => {
    vi.useFakeTimers();
    const work = pending<string>();
    const notice = vi.fn();
    const result = withDeadline(work.promise, {
      notice: { ms: 1_000, call: notice },
      timeout: { ms: 30_000, message: 'no touch' },
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(notice).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(notice).toHaveBeenCalledTimes(1);
    work.resolve('signed');
    await expect(result).resolves.toBe('signed');
  });

  it('does not announce a fast operation', async () => {
    vi.useFakeTimers();
    const notice = vi.fn();
    await expect(
      withDeadline(Promise.resolve(1), { notice: { ms: 1_000, call: notice } }),
    ).resolves.toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(notice).not.toHaveBeenCalled();
  });

  it('gives up with a typed, clear timeout error', async () => {
    vi.useFakeTimers();
    const work = pending<string>();
    const result = withDeadline(work.promise, {
      timeout: { ms: 30_000, message: 'nobody touched the key in 30 s' },
    });
    const settled = result.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(30_000);
    const err = await settled;
    expect(err).toBeInstanceOf(Pkcs11TimeoutError);
    expect(err).toMatchObject({
      code: 'pkcs11_timeout',
      status: 503,
      message: 'nobody touched the key in 30 s',
    });
  });

  it('passes failures through', async () => {
    const boom = new Error('device error');
    await expect(
      withDeadline(Promise.reject(boom), { timeout: { ms: 1_000, message: 'x' } }),
    ).rejects.toBe(boom);
  });
});
