import { statfsSync } from 'node:fs';
import { StoreError } from './errors.ts';
import type { SqlQuerier } from './executor.ts';

/** How long a failed write keeps the store unready when no probe has succeeded since. */
const FAILURE_HOLD_MS = 1_000;

/** The store's health as `/readyz` shows it. */
export interface StoreHealthStatus {
  readonly ok: boolean;
  /** Why not ok: `disk_full` or `store_unavailable`. */
  readonly reason?: string;
  readonly detail?: string;
  /** Free bytes on the file system of an embedded store (absent for PostgreSQL). */
  readonly freeBytes?: number;
  readonly minFreeBytes?: number;
  /** Whether the backend syncs commits to disk (`SHOW fsync`). */
  readonly fsync: boolean;
}

/** Options of {@link StoreHealth}. */
export interface StoreHealthOptions {
  readonly db: SqlQuerier;
  /** The embedded store's directory, whose file system headroom is checked. */
  readonly dir?: string;
  /** Below this many free bytes on `dir`'s file system the store counts as full. */
  readonly minFreeBytes?: number;
  /** What `SHOW fsync` answered when the store opened. */
  readonly fsync: boolean;
  readonly now?: () => number;
}

/**
 * Whether the store can take writes now: the file system of an embedded store has
 * headroom (measured at every call), the backend answers (checked every interval), and no
 * write failed for want of resources since the last good check. Mints check it before signing (a full disk answers
 * `503 store_unavailable` instead of signing a token that cannot be audited), and
 * `/readyz` reports it.
 *
 * @example
 * ```ts
 * const health = new StoreHealth({ db, dir, minFreeBytes: 64 << 20, fsync: true });
 * health.start(1000);
 * health.assertWritable(); // throws StoreError('store_unavailable') when full
 * ```
 */
export class StoreHealth {
  readonly #options: StoreHealthOptions;
  #status: StoreHealthStatus;
  #failedAt = Number.NEGATIVE_INFINITY;
  #failure = '';
  #timer: NodeJS.Timeout | undefined;

  constructor(options: StoreHealthOptions) {
    this.#options = options;
    this.#status = { ok: true, fsync: options.fsync };
  }

  /**
   * The status now: disk headroom measured on the spot (one `statfs`, so a mint never
   * signs after the disk filled), the backend as of the last check, and any recent failure.
   */
  status(): StoreHealthStatus {
    const now = (this.#options.now ?? Date.now)();
    const room = this.#headroom();
    if (room && !room.ok) return room;
    const base = room ? { ...this.#status, ...room } : this.#status;
    if (now - this.#failedAt < FAILURE_HOLD_MS) {
      return { ...base, ok: false, reason: 'store_unavailable', detail: this.#failure };
    }
    return base;
  }

  /** Free space on the embedded store's file system; undefined without a directory. */
  #headroom(): StoreHealthStatus | undefined {
    const { dir, minFreeBytes = 0, fsync } = this.#options;
    if (!dir) return undefined;
    try {
      const fs = statfsSync(dir);
      const freeBytes = fs.bavail * fs.bsize;
      if (freeBytes >= minFreeBytes) return { ok: true, fsync, freeBytes, minFreeBytes };
      const mib = (n: number) => Math.floor(n / 2 ** 20);
      return {
        ok: false,
        reason: 'disk_full',
        detail: `${mib(freeBytes)} MiB free, ${mib(minFreeBytes)} MiB needed`,
        fsync,
        freeBytes,
        minFreeBytes,
      };
    } catch (err) {
      return { ok: false, reason: 'store_unavailable', detail: (err as Error).message, fsync };
    }
  }

  /** Throws `store_unavailable` (503, retryable) when the store cannot take writes now. */
  assertWritable(): void {
    const s = this.status();
    if (s.ok) return;
    throw new StoreError(
      'store_unavailable',
      `the coordinator store cannot take writes now (${s.reason}${s.detail ? `: ${s.detail}` : ''}); retry later`,
    );
  }

  /** Records a failure the store reported (`store_unavailable`: disk full, connection lost). */
  noteFailure(err: StoreError): void {
    if (err.code !== 'store_unavailable') return;
    this.#failedAt = (this.#options.now ?? Date.now)();
    this.#failure = err.message;
  }

  /** Checks the backend once (`SELECT 1`); headroom is measured live by `status()`. */
  async check(): Promise<StoreHealthStatus> {
    const { fsync } = this.#options;
    try {
      await this.#options.db.query('SELECT 1');
      this.#status = { ok: true, fsync };
      if (this.#headroom()?.ok !== false) this.#failedAt = Number.NEGATIVE_INFINITY;
    } catch (err) {
      this.#status = {
        ok: false,
        reason: 'store_unavailable',
        detail: (err as Error).message,
        fsync,
      };
    }
    return this.status();
  }

  /** Checks now and then every `intervalMs` until `close()`. */
  start(intervalMs: number): Promise<StoreHealthStatus> {
    this.#timer ??= setInterval(() => void this.check(), intervalMs).unref();
    return this.check();
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
