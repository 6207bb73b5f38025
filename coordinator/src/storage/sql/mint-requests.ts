import { isUniqueViolation, StoreError } from '../errors.ts';
import type { SqlQuerier } from '../executor.ts';
import type {
  JsonObject,
  MintRequest,
  MintRequestKind,
  MintRequestStatus,
  MintRequestStore,
  NewMintRequest,
} from '../store.ts';
import type { StoreContext } from './context.ts';
import { assertDate, assertInt, jsonParam, toDate, toInt } from './values.ts';

const COLUMNS = `id, requester, kind, signing_input, claims, decision, justification,
  required_approvals, status, status_reason, evidence, created_at, updated_at, expires_at,
  request_kind`;

/**
 * What each kind mints, as the `kind` column says it (the previous release reads this
 * column, not `request_kind`).
 */
const MINTS: Record<MintRequestKind, 'token' | 'enrollment'> = {
  tap_mint: 'token',
  polled_mint: 'token',
  enrollment: 'enrollment',
  renewal: 'enrollment',
};

/** The moves the request lifecycle allows; minted, denied and expired are final. */
const TRANSITIONS: Record<MintRequestStatus, readonly MintRequestStatus[]> = {
  pending: ['approved', 'minted', 'denied', 'expired'],
  approved: ['minted', 'denied', 'expired'],
  minted: [],
  denied: [],
  expired: [],
};

/** The most rows `listPending` returns. */
const MAX_LIST = 500;

export interface MintRequestRow {
  id: string;
  requester: string;
  /** What it mints (`token` or `enrollment`), for the previous release. */
  kind: string;
  request_kind: MintRequestKind;
  signing_input: string;
  claims: JsonObject;
  decision: JsonObject;
  justification: string | null;
  required_approvals: unknown;
  status: MintRequestStatus;
  status_reason: string | null;
  evidence: JsonObject | null;
  created_at: unknown;
  updated_at: unknown;
  expires_at: unknown;
}

/** {@link MintRequestStore} in SQL (table `mint_requests`). */
export class SqlMintRequestStore implements MintRequestStore {
  constructor(private readonly ctx: StoreContext) {}

  async create(r: NewMintRequest): Promise<MintRequest> {
    assertDate(r.createdAt, 'createdAt');
    assertDate(r.expiresAt, 'expiresAt');
    assertInt(r.requiredApprovals, 'requiredApprovals');
    if (r.expiresAt <= r.createdAt) {
      throw new StoreError('store_invalid_argument', 'expiresAt must be after createdAt');
    }
    try {
      const { rows } = await this.ctx.db.query<MintRequestRow>(
        `INSERT INTO mint_requests (${COLUMNS})
         VALUES ($1, $2, $3, $4, $5::text::jsonb, $6::text::jsonb, $7, $8, 'pending', NULL,
                 $9::text::jsonb, $10, $10, $11, $12)
         RETURNING ${COLUMNS}`,
        [
          r.id,
          r.requester,
          MINTS[r.kind],
          r.signingInput,
          jsonParam(r.claims),
          jsonParam(r.decision),
          r.justification,
          r.requiredApprovals,
          r.evidence == null ? null : jsonParam(r.evidence),
          r.createdAt,
          r.expiresAt,
          r.kind,
        ],
      );
      return fromRow(rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new StoreError('store_conflict', 'a mint request with this id exists');
      }
      throw err;
    }
  }

  async get(id: string): Promise<MintRequest | null> {
    const row = await selectRequest(this.ctx.db, id);
    return row === undefined ? null : fromRow(row);
  }

  async transition(
    id: string,
    from: MintRequestStatus,
    to: MintRequestStatus,
    at: Date,
    reason?: string,
  ): Promise<MintRequest | null> {
    assertDate(at, 'at');
    if (!TRANSITIONS[from].includes(to)) {
      throw new StoreError(
        'store_invalid_transition',
        `a request cannot move from ${from} to ${to}`,
      );
    }
    return this.ctx.db.transaction(async (tx) => {
      // FOR UPDATE: a racing coordinator waits here, then sees the winner's status.
      const row = await selectRequest(tx, id, 'FOR UPDATE');
      if (row === undefined) throw notFound();
      if (row.status !== from) return null;
      await assertGuards(tx, row, to, at);
      const { rows } = await tx.query<MintRequestRow>(
        `UPDATE mint_requests SET status = $2, status_reason = $3, updated_at = $4
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, to, reason ?? null, at],
      );
      return fromRow(rows[0]!);
    });
  }

  async attachEvidence(id: string, evidence: JsonObject, at: Date): Promise<MintRequest> {
    assertDate(at, 'at');
    return this.ctx.db.transaction(async (tx) => {
      const row = await selectRequest(tx, id, 'FOR UPDATE');
      if (row === undefined) throw notFound();
      assertOpenForApproval(row, at);
      if (row.evidence !== null) {
        throw new StoreError('store_conflict', 'evidence is already attached to this request');
      }
      const { rows } = await tx.query<MintRequestRow>(
        `UPDATE mint_requests SET evidence = $2::text::jsonb, updated_at = $3
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, jsonParam(evidence), at],
      );
      return fromRow(rows[0]!);
    });
  }

  async fixApprovedToken(
    id: string,
    currentSigningInput: string,
    token: { readonly signingInput: string; readonly claims: JsonObject },
    at: Date,
  ): Promise<MintRequest | null> {
    assertDate(at, 'at');
    return this.ctx.db.transaction(async (tx) => {
      const row = await selectRequest(tx, id, 'FOR UPDATE');
      if (row === undefined) throw notFound();
      if (row.status !== 'pending' && row.status !== 'approved') {
        throw new StoreError(
          'store_invalid_transition',
          `a ${row.status} request cannot take a final token`,
        );
      }
      if (row.signing_input !== currentSigningInput) return null;
      await assertGuards(tx, row, 'approved', at);
      const { rows } = await tx.query<MintRequestRow>(
        `UPDATE mint_requests SET status = 'approved', signing_input = $2,
                claims = $3::text::jsonb, updated_at = $4
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, token.signingInput, jsonParam(token.claims), at],
      );
      return fromRow(rows[0]!);
    });
  }

  async listPending(limit = 100): Promise<MintRequest[]> {
    assertInt(limit, 'limit', 1);
    const { rows } = await this.ctx.db.query<MintRequestRow>(
      `SELECT ${COLUMNS} FROM mint_requests
        WHERE status = 'pending' AND required_approvals > 0 AND expires_at > $1
        ORDER BY created_at, id LIMIT $2`,
      [this.ctx.now(), Math.min(limit, MAX_LIST)],
    );
    return rows.map(fromRow);
  }

  async expireOverdue(): Promise<string[]> {
    const now = this.ctx.now();
    const { rows } = await this.ctx.db.query<{ id: string }>(
      `UPDATE mint_requests SET status = 'expired', status_reason = 'expired', updated_at = $1
        WHERE status IN ('pending', 'approved') AND expires_at <= $1
        RETURNING id`,
      [now],
    );
    return rows.map((r) => r.id).sort();
  }
}

/** The lifecycle guards of `transition`, checked while the row is locked. */
async function assertGuards(
  tx: SqlQuerier,
  row: MintRequestRow,
  to: MintRequestStatus,
  at: Date,
): Promise<void> {
  const expired = toDate(row.expires_at) <= at;
  if (to === 'expired' && !expired) {
    throw new StoreError('store_invalid_transition', 'the request has not expired yet');
  }
  if (to !== 'approved' && to !== 'minted') return;
  if (expired) throw new StoreError('store_request_expired', 'the request has expired');
  const { rows } = await tx.query<{ n: unknown }>(
    'SELECT count(*) AS n FROM approvals WHERE request_id = $1',
    [row.id],
  );
  const have = toInt(rows[0]?.n);
  const need = toInt(row.required_approvals);
  if (have < need) {
    throw new StoreError(
      'store_approvals_insufficient',
      `the request has ${have} of ${need} required approvals`,
    );
  }
}

/**
 * Throws unless the request can still take approvals or evidence: pending and unexpired.
 *
 * @example
 * ```ts
 * assertOpenForApproval(row, at); // store_request_not_pending | store_request_expired
 * ```
 */
export function assertOpenForApproval(
  row: { status: MintRequestStatus; expires_at: unknown },
  at: Date,
): void {
  if (row.status !== 'pending') {
    throw new StoreError('store_request_not_pending', `the request is ${row.status}`);
  }
  if (toDate(row.expires_at) <= at) {
    throw new StoreError('store_request_expired', 'the request has expired');
  }
}

/**
 * Reads one request row, optionally row-locking it for the rest of the transaction:
 * `FOR UPDATE` to change it, `FOR SHARE` to keep it from changing while adding approvals.
 *
 * @example
 * ```ts
 * const row = await selectRequest(tx, id, 'FOR UPDATE');
 * ```
 */
export async function selectRequest(
  db: SqlQuerier,
  id: string,
  lock: '' | 'FOR UPDATE' | 'FOR SHARE' = '',
): Promise<MintRequestRow | undefined> {
  const { rows } = await db.query<MintRequestRow>(
    `SELECT ${COLUMNS} FROM mint_requests WHERE id = $1 ${lock}`,
    [id],
  );
  return rows[0];
}

/**
 * The error for an unknown request id.
 *
 * @example
 * ```ts
 * if (row === undefined) throw notFound();
 * ```
 */
export function notFound(): StoreError {
  return new StoreError('store_not_found', 'no mint request with this id');
}

function fromRow(row: MintRequestRow): MintRequest {
  return {
    id: row.id,
    requester: row.requester,
    kind: row.request_kind,
    signingInput: row.signing_input,
    claims: row.claims,
    decision: row.decision,
    justification: row.justification,
    requiredApprovals: toInt(row.required_approvals),
    status: row.status,
    statusReason: row.status_reason,
    evidence: row.evidence,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    expiresAt: toDate(row.expires_at),
  };
}
