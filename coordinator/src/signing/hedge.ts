/** Options of {@link HedgeBudget}. */
export interface HedgeOptions {
  /** The budget never goes below this, milliseconds (a quiet system has tiny p99s). */
  readonly floorMs: number;
  /** Budget = `factor` × p99 of recent round-two times. */
  readonly factor: number;
  /** The budget never exceeds this (the RPC deadline). */
  readonly capMs: number;
  /** How many recent round times are kept. */
  readonly window?: number;
}

/** Below this many samples there is no p99 worth trusting: no hedging yet. */
const MIN_SAMPLES = 16;

/** Defaults: floor 150 ms, 3 × p99, over the last 256 round-two calls. */
export const DEFAULT_HEDGE: Omit<HedgeOptions, 'capMs'> = { floorMs: 150, factor: 3, window: 256 };

/**
 * How long round two waits for a slow signer before hedging (starting the round with
 * another signer): `max(floor, factor × p99)` of recent round-two answer times, capped at
 * the RPC deadline; and, once its peer in the round has answered, `max(floor, factor ×
 * the peer's time)`.
 *
 * @example
 * ```ts
 * const hedge = new HedgeBudget({ floorMs: 150, factor: 3, capMs: 10_000 });
 * hedge.record(12);
 * setTimeout(hedgeNow, hedge.budgetMs());
 * ```
 */
export class HedgeBudget {
  readonly #options: HedgeOptions;
  readonly #samples: number[] = [];
  #next = 0;

  constructor(options: HedgeOptions) {
    this.#options = options;
  }

  /** The budget's floor, milliseconds: no signer is hedged around sooner. */
  get floorMs(): number {
    return this.#options.floorMs;
  }

  /** Records one round-two answer time, milliseconds. */
  record(ms: number): void {
    const size = this.#options.window ?? 256;
    if (this.#samples.length < size) this.#samples.push(ms);
    else this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % size;
  }

  /**
   * How long to wait for a signer whose peer in the same round answered after
   * `peerMs`: `max(floor, factor × peerMs)`.
   */
  relativeMs(peerMs: number): number {
    return Math.max(this.#options.floorMs, this.#options.factor * peerMs);
  }

  /** The current budget, milliseconds; the cap until enough rounds were seen to judge. */
  budgetMs(): number {
    const { floorMs, factor, capMs } = this.#options;
    if (this.#samples.length < MIN_SAMPLES) return capMs;
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const p99 = sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))]!;
    return Math.min(capMs, Math.max(floorMs, factor * p99));
  }
}

/**
 * One round's hedge deadline, which only ever moves earlier: the budget from the round's
 * start; `factor` × the first answer's time once a signer answered; the floor once the
 * pool saw a signer this round waits on not answering elsewhere (another round hedged
 * around it, a health probe failed). Calls `onExpired` once, when it passes.
 *
 * @example
 * ```ts
 * const timer = new HedgeTimer(budget, () => askTheOthers());
 * call.then(() => timer.answered());
 * timer.cancel(); // the round completed
 * ```
 */
export class HedgeTimer {
  readonly #budget: HedgeBudget;
  readonly #onExpired: () => void;
  readonly #started = performance.now();
  #firesAt = Number.POSITIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #firstAnswer = true;

  constructor(budget: HedgeBudget, onExpired: () => void) {
    this.#budget = budget;
    this.#onExpired = onExpired;
    this.#arm(this.#started + budget.budgetMs());
  }

  /** A signer of the round answered; the first answer sets the relative deadline. */
  answered(): void {
    if (!this.#firstAnswer) return;
    this.#firstAnswer = false;
    this.#arm(this.#started + this.#budget.relativeMs(performance.now() - this.#started));
  }

  /** A signer the round waits on was seen not answering elsewhere: the floor is enough. */
  silentElsewhere(): void {
    this.#arm(this.#started + this.#budget.floorMs);
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#firesAt = Number.NEGATIVE_INFINITY;
  }

  #arm(at: number): void {
    if (at >= this.#firesAt) return;
    this.#firesAt = at;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(this.#onExpired, Math.max(0, at - performance.now()));
  }
}
