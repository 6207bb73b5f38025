import { describe, expect, it } from 'vitest';
import { HedgeBudget, HedgeTimer } from '../../src/signing/hedge.ts';

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

describe("a round's hedge deadline", () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Starts a timer on a budget without samples (so its budget is the cap). */
  const start = (options: { floorMs: number; capMs: number }) => {
    const began = performance.now();
    let firedAt: number[] = [];
    const timer = new HedgeTimer(new HedgeBudget({ ...options, factor: 3 }), () => {
      firedAt = [...firedAt, performance.now() - began];
    });
    return { timer, fired: () => firedAt };
  };

  it('passes at the budget (the cap until enough rounds were seen), exactly once', async () => {
    const { fired } = start({ floorMs: 20, capMs: 200 });
    await sleep(150);
    expect(fired()).toEqual([]);
    await sleep(200);
    expect(fired()).toHaveLength(1);
    expect(fired()[0]).toBeGreaterThanOrEqual(195);
  });

  it('moves to factor × the first answer, and to the floor on news from the pool', async () => {
    const relative = start({ floorMs: 20, capMs: 5_000 });
    await sleep(50);
    relative.timer.answered();
    relative.timer.answered(); // only the first answer counts
    await sleep(400);
    expect(relative.fired()).toHaveLength(1);
    expect(relative.fired()[0]).toBeLessThan(400);

    const news = start({ floorMs: 100, capMs: 5_000 });
    await sleep(10);
    news.timer.silentElsewhere();
    await sleep(300);
    expect(news.fired()).toHaveLength(1);
    expect(news.fired()[0]).toBeGreaterThanOrEqual(95);
  });

  it('never moves later, and never fires once cancelled', async () => {
    const early = start({ floorMs: 20, capMs: 100 });
    await sleep(90);
    early.timer.answered(); // 3 × 90 ms would be later than the budget
    await sleep(60);
    expect(early.fired()).toHaveLength(1);
    const cancelled = start({ floorMs: 20, capMs: 50 });
    cancelled.timer.cancel();
    cancelled.timer.silentElsewhere();
    await sleep(120);
    expect(cancelled.fired()).toEqual([]);
  });
});
