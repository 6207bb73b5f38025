import { isUniqueViolation, StoreError } from '../errors.ts';
import type { JsonObject, MintResult, MintResultStore } from '../store.ts';
import type { StoreContext } from './context.ts';
import { assertDate, jsonParam, toDate } from './values.ts';

interface MintResultRow {
  request_id: string;
  result_key: JsonObject;
  sealed: string | null;
  created_at: unknown;
}

/** {@link MintResultStore} in SQL (table `mint_results`). */
export class SqlMintResultStore implements MintResultStore {
  constructor(private readonly ctx: StoreContext) {}

  async create(result: Omit<MintResult, 'sealed'>): Promise<void> {
    assertDate(result.createdAt, 'createdAt');
    try {
      await this.ctx.db.query(
        `INSERT INTO mint_results (request_id, result_key, created_at) VALUES ($1, $2, $3)`,
        [result.requestId, jsonParam(result.resultKey), result.createdAt],
      );
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new StoreError('store_conflict', 'this request already has a result key');
      }
      throw err;
    }
  }

  async seal(requestId: string, sealed: string): Promise<void> {
    const { rows } = await this.ctx.db.query<{ sealed: string | null }>(
      `UPDATE mint_results SET sealed = $2 WHERE request_id = $1 AND sealed IS NULL
       RETURNING sealed`,
      [requestId, sealed],
    );
    if (rows.length === 1) return;
    const existing = await this.get(requestId);
    throw existing === null
      ? new StoreError('store_not_found', 'this request has no result key')
      : new StoreError('store_conflict', 'this request is already sealed');
  }

  async get(requestId: string): Promise<MintResult | null> {
    const { rows } = await this.ctx.db.query<MintResultRow>(
      `SELECT request_id, result_key, sealed, created_at FROM mint_results WHERE request_id = $1`,
      [requestId],
    );
    const row = rows[0];
    if (row === undefined) return null;
    return {
      requestId: row.request_id,
      resultKey: row.result_key,
      sealed: row.sealed,
      createdAt: toDate(row.created_at),
    };
  }
}
