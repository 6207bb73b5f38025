import { isUniqueViolation, StoreError } from '../errors.ts';
import type { Approval, ApprovalStore, JsonObject } from '../store.ts';
import type { StoreContext } from './context.ts';
import { assertOpenForApproval, notFound, selectRequest } from './mint-requests.ts';
import { assertDate, jsonParam, toBytes, toDate, toInt } from './values.ts';

interface ApprovalRow {
  request_id: string;
  guardian_id: string;
  signature: unknown;
  created_at: unknown;
  webauthn: JsonObject | null;
}

/** {@link ApprovalStore} in SQL (table `approvals`, one row per request and guardian). */
export class SqlApprovalStore implements ApprovalStore {
  constructor(private readonly ctx: StoreContext) {}

  async add(approval: Approval): Promise<number> {
    assertDate(approval.createdAt, 'createdAt');
    try {
      return await this.ctx.db.transaction(async (tx) => {
        // FOR SHARE: a concurrent status change (deny, mint) waits for us, or we for it.
        const row = await selectRequest(tx, approval.requestId, 'FOR SHARE');
        if (row === undefined) throw notFound();
        assertOpenForApproval(row, approval.createdAt);
        await tx.query(
          `INSERT INTO approvals (request_id, guardian_id, signature, created_at, webauthn)
           VALUES ($1, $2, $3, $4, $5::text::jsonb)`,
          [
            approval.requestId,
            approval.guardianId,
            approval.signature,
            approval.createdAt,
            approval.webauthn === undefined ? null : jsonParam(approval.webauthn),
          ],
        );
        const { rows } = await tx.query<{ n: unknown }>(
          'SELECT count(*) AS n FROM approvals WHERE request_id = $1',
          [approval.requestId],
        );
        return toInt(rows[0]?.n);
      });
    } catch (err) {
      if (isUniqueViolation(err, 'approvals_one_per_guardian')) {
        throw new StoreError(
          'store_duplicate_approval',
          'this guardian has already approved this request',
        );
      }
      throw err;
    }
  }

  async listByRequest(requestId: string): Promise<Approval[]> {
    const { rows } = await this.ctx.db.query<ApprovalRow>(
      `SELECT request_id, guardian_id, signature, created_at, webauthn FROM approvals
        WHERE request_id = $1 ORDER BY created_at, guardian_id`,
      [requestId],
    );
    return rows.map((row) => ({
      requestId: row.request_id,
      guardianId: row.guardian_id,
      signature: toBytes(row.signature),
      createdAt: toDate(row.created_at),
      ...(row.webauthn === null ? {} : { webauthn: row.webauthn }),
    }));
  }
}
