import type { VerifierEvent } from '../../src/index.ts';

/** Records a verifier's events and lets a test wait for the next one of a type. */
export class EventLog {
  readonly events: VerifierEvent[] = [];
  #waiters: Array<{ type: VerifierEvent['type']; resolve: (event: VerifierEvent) => void }> = [];

  readonly listener = (event: VerifierEvent): void => {
    this.events.push(event);
    const ready = this.#waiters.filter((w) => w.type === event.type);
    this.#waiters = this.#waiters.filter((w) => w.type !== event.type);
    for (const waiter of ready) waiter.resolve(event);
  };

  next<T extends VerifierEvent['type']>(type: T): Promise<Extract<VerifierEvent, { type: T }>> {
    return new Promise((resolve) => {
      this.#waiters.push({ type, resolve: resolve as (event: VerifierEvent) => void });
    });
  }

  count(type: VerifierEvent['type']): number {
    return this.events.filter((e) => e.type === type).length;
  }
}
