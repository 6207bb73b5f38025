/** The part of a pino logger a {@link RateLimitedLog} writes to. */
export interface RateLimitedSink {
  warn(obj: object, msg: string): void;
}

/** Options of {@link RateLimitedLog}. */
export interface RateLimitedLogOptions {
  /** At most one line per key this often; the repeats in between are counted. Default 60 s. */
  readonly intervalMs?: number;
  /** Keys remembered at most (the least recently logged is forgotten). Default 256. */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

interface KeyState {
  loggedAt: number;
  suppressed: number;
}

/**
 * Logs a repeated failure at most once per `intervalMs` per key: the first occurrence is
 * logged, the repeats within the interval are counted, and the next line logged for that
 * key says how many were left out (`repeated`). Unlike `StateLog` (a state that holds until
 * it changes), this is for events: the same signer refusing mint after mint. Memory stays
 * bounded whatever keys a misbehaving peer makes up (`maxKeys`).
 *
 * @example
 * ```ts
 * const failures = new RateLimitedLog(log);
 * failures.warn(`${signer}:${rpc}:${code}`, { signer, rpc, code }, 'signer call failed');
 * ```
 */
export class RateLimitedLog {
  readonly #log: RateLimitedSink;
  readonly #intervalMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #keys = new Map<string, KeyState>();

  constructor(log: RateLimitedSink, options: RateLimitedLogOptions = {}) {
    this.#log = log;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#maxKeys = options.maxKeys ?? 256;
    this.#now = options.now ?? Date.now;
  }

  /** Logs `msg` for `key` unless it was logged within the interval; returns whether it was. */
  warn(key: string, fields: object, msg: string): boolean {
    const now = this.#now();
    const known = this.#keys.get(key);
    if (known && now - known.loggedAt < this.#intervalMs) {
      known.suppressed++;
      return false;
    }
    this.#log.warn(known?.suppressed ? { ...fields, repeated: known.suppressed } : fields, msg);
    // Re-inserted, so the map's order is least recently logged first.
    this.#keys.delete(key);
    this.#keys.set(key, { loggedAt: now, suppressed: 0 });
    if (this.#keys.size > this.#maxKeys) this.#keys.delete(this.#keys.keys().next().value!);
    return true;
  }
}
