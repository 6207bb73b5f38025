/** A clock the test moves by hand, in ms since the epoch (starts at the real now). */
export class ManualClock {
  #now = Date.now();

  readonly now = (): number => this.#now;

  advance(ms: number): void {
    this.#now += ms;
  }

  /** The current time in unix seconds, for token claims. */
  get seconds(): number {
    return Math.floor(this.#now / 1000);
  }
}
