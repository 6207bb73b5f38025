import { describe, expect, it } from 'vitest';
import { HedgeBudget } from '../../src/signing/hedge.ts';

describe('the round-two hedge budget', () => {
  it('does not hedge before it has seen enough rounds (the cap)', () => {
    const hedge = new HedgeBudget({ floorMs: 150, factor: 3, capMs: 10_000 });
    for (let i = 0; i < 10; i++) hedge.record(5);
    expect(hedge.budgetMs()).toBe(10_000);
  });

  it('is the floor when rounds are fast, and factor × p99 when they are slow', () => {
    const fast = new HedgeBudget({ floorMs: 150, factor: 3, capMs: 10_000 });
    for (let i = 0; i < 100; i++) fast.record(10);
    expect(fast.budgetMs()).toBe(150);
    const slow = new HedgeBudget({ floorMs: 150, factor: 3, capMs: 10_000 });
    for (let i = 0; i < 100; i++) slow.record(i < 98 ? 20 : 400);
    expect(slow.budgetMs()).toBe(1_200);
  });

  it('never exceeds the cap, and forgets rounds older than its window', () => {
    const hedge = new HedgeBudget({ floorMs: 150, factor: 3, capMs: 1_000, window: 20 });
    for (let i = 0; i < 20; i++) hedge.record(900);
    expect(hedge.budgetMs()).toBe(1_000);
    for (let i = 0; i < 20; i++) hedge.record(10);
    expect(hedge.budgetMs()).toBe(150);
  });

  it("gives a signer factor × its peer's answer time, never less than the floor", () => {
    const hedge = new HedgeBudget({ floorMs: 150, factor: 3, capMs: 10_000 });
    expect(hedge.floorMs).toBe(150);
    expect(hedge.relativeMs(20)).toBe(150);
    expect(hedge.relativeMs(400)).toBe(1_200);
  });
});
