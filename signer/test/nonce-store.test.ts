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

  describe('preprocessed (issued under an id)', () => {
    const zeroed = (n: { hiding: Uint8Array; binding: Uint8Array }) =>
      n.hiding.every((b) => b === 0) && n.binding.every((b) => b === 0);

    it('hands issued nonces out once, to whoever presents the id first', () => {
      const forgotten: string[] = [];
      const store = new NonceStore(30_000, Date.now, (id) => forgotten.push(id));
      const n = nonces();
      const id = store.issue(commitment(1), n);
      expect(store.takeIssued(id, commitment(1))).toBe(n);
      expect(() => store.takeIssued(id, commitment(1))).toThrow(
        expect.objectContaining({ code: 'commitment_spent' }),
      );
      expect(forgotten).toEqual([id]);
      store.close();
    });

    it('refuses ids it never issued: another epoch, a sequence not reached, garbage', () => {
      const store = new NonceStore(30_000);
      const other = new NonceStore(30_000);
      const mine = store.issue(commitment(1), nonces());
      const theirs = other.issue(commitment(1), nonces());
      const epoch = mine.slice(0, mine.lastIndexOf('.'));
      for (const id of [theirs, `${epoch}.2`, `${epoch}.0`, `${epoch}.x`, 'no-dot', '']) {
        expect(() => store.takeIssued(id, commitment(1))).toThrow(
          expect.objectContaining({ code: 'commitment_unknown' }),
        );
      }
      expect(store.size).toBe(1);
      store.close();
      other.close();
    });

    it('spends and zeroes an id presented with another commitment', () => {
      const store = new NonceStore(30_000);
      const n = nonces();
      const id = store.issue(commitment(1), n);
      expect(() => store.takeIssued(id, commitment(2))).toThrow(
        expect.objectContaining({ code: 'commitment_unknown' }),
      );
      expect(zeroed(n)).toBe(true);
      expect(() => store.takeIssued(id, commitment(1))).toThrow(
        expect.objectContaining({ code: 'commitment_spent' }),
      );
      store.close();
    });

    it('refuses and zeroes an expired one as spent', () => {
      let t = 0;
      const store = new NonceStore(1_000, () => t);
      const n = nonces();
      const id = store.issue(commitment(1), n);
      t = 1_001;
      expect(() => store.takeIssued(id, commitment(1))).toThrow(
        expect.objectContaining({ code: 'commitment_spent' }),
      );
      expect(zeroed(n)).toBe(true);
      store.close();
    });

    it('voids everything issued before a new epoch, and what a closed stream discards', () => {
      const store = new NonceStore(30_000);
      const [a, b] = [nonces(), nonces()];
      const old = store.issue(commitment(1), a);
      store.newEpoch();
      expect(zeroed(a)).toBe(true);
      expect(() => store.takeIssued(old, commitment(1))).toThrow(
        expect.objectContaining({ code: 'commitment_unknown' }),
      );
      const id = store.issue(commitment(2), b);
      store.discard([id]);
      expect(zeroed(b)).toBe(true);
      expect(store.size).toBe(0);
      store.close();
    });
  });
});
