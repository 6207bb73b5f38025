import { describe, expect, it } from 'vitest';
import { MAX_OUTSTANDING_NONCES, NonceStore } from '../src/nonce-store.ts';

const commitment = (b: number) => ({
  id: 1,
  hiding: new Uint8Array(32).fill(b),
  binding: new Uint8Array(32).fill(b + 1),
});
const nonces = () => ({ hiding: new Uint8Array(32).fill(7), binding: new Uint8Array(32).fill(9) });

describe('NonceStore', () => {
  it('hands a nonce out once', () => {
    const store = new NonceStore(30_000);
    const n = nonces();
    store.put(commitment(1), n);
    expect(store.take(commitment(1))).toBe(n);
    expect(store.take(commitment(1))).toBeUndefined();
    store.close();
  });

  it('forgets and zeroes expired nonces', () => {
    let t = 0;
    const store = new NonceStore(1_000, () => t);
    const n = nonces();
    store.put(commitment(2), n);
    t = 1_001;
    expect(store.take(commitment(2))).toBeUndefined();
    expect(n.hiding.every((b) => b === 0) && n.binding.every((b) => b === 0)).toBe(true);
    store.put(commitment(3), nonces());
    t = 5_000;
    store.sweep();
    expect(store.size).toBe(0);
    store.close();
  });

  it('zeroes everything it still holds on close', () => {
    const store = new NonceStore(30_000);
    const n = nonces();
    store.put(commitment(4), n);
    store.close();
    expect(n.hiding.every((b) => b === 0)).toBe(true);
  });

  it('refuses new commitments beyond its capacity instead of growing without bound', () => {
    const store = new NonceStore(30_000);
    const key = (i: number) => ({
      id: 1,
      hiding: Buffer.alloc(32, 0)
        .fill(i % 256, 0, 1)
        .fill(i >> 8, 1, 2),
      binding: Buffer.alloc(32),
    });
    for (let i = 0; i < MAX_OUTSTANDING_NONCES; i++) store.put(key(i), nonces());
    const extra = nonces();
    expect(() => store.put(commitment(99), extra)).toThrow(
      expect.objectContaining({ code: 'nonce_capacity' }),
    );
    expect(extra.hiding.every((b) => b === 0)).toBe(true);
    store.close();
  });
});
