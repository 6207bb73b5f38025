import type { SqlExecutor } from '../executor.ts';

/** What every SQL store module works with: the executor and the store's clock. */
export interface StoreContext {
  readonly db: SqlExecutor;
  /** The current time; the only source of "now" in any query. */
  now(): Date;
}
