/** The part of a pino logger a {@link StateLog} writes to. */
export interface StateLogSink {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of {@link StateLog}. */
export interface StateLogOptions {
  /** While a key stays in the same state, a reminder with the count is logged this often. Default 5 min. */
  readonly reminderMs?: number;
  readonly now?: () => number;
}

interface KeyState {
  state: string;
  since: number;
  lastLoggedAt: number;
  /** Reports of this state not logged since the last line. */
  suppressed: number;
}

/**
 * Logs a condition when it changes, not every time it is observed: a signer that is down
 * is reported once ("signer not reachable"), then at most every `reminderMs` with the
 * number of suppressed repeats, and once more when it recovers (with how long it lasted).
 * Keys are few and fixed (one per signer), so the map stays bounded.
 *
 * @example
 * ```ts
 * const states = new StateLog(log);
 * states.report(`attest:${id}`, 'unreachable', 'warn', { signer: id }, 'signer not reachable');
 * states.report(`attest:${id}`, 'ok', 'info', { signer: id }, 'signer reachable again');
 * ```
 */
export class StateLog {
  readonly #log: StateLogSink;
  readonly #reminderMs: number;
  readonly #now: () => number;
  readonly #keys = new Map<string, KeyState>();

  constructor(log: StateLogSink, options: StateLogOptions = {}) {
    this.#log = log;
    this.#reminderMs = options.reminderMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Reports that `key` is in `state`. Logs at `level` when the state is new for the key
   * (with `previous` and `previous_for_ms` when there was one), or as a reminder with
   * `repeated` when `reminderMs` passed; returns whether a line was written.
   */
  report(
    key: string,
    state: string,
    level: 'info' | 'warn' | 'error',
    fields: object,
    msg: string,
  ): boolean {
    const now = this.#now();
    const known = this.#keys.get(key);
    if (known && known.state === state) {
      if (now - known.lastLoggedAt < this.#reminderMs) {
        known.suppressed++;
        return false;
      }
      this.#log[level](
        { ...fields, repeated: known.suppressed + 1, since: new Date(known.since).toISOString() },
        msg,
      );
      known.lastLoggedAt = now;
      known.suppressed = 0;
      return true;
    }
    const change = known
      ? {
          previous: known.state,
          previous_for_ms: now - known.since,
          ...(known.suppressed > 0 ? { repeated: known.suppressed } : {}),
        }
      : {};
    this.#log[level]({ ...fields, ...change }, msg);
    this.#keys.set(key, { state, since: now, lastLoggedAt: now, suppressed: 0 });
    return true;
  }
}
