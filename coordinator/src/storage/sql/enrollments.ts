import { isUniqueViolation, StoreError } from '../errors.ts';
import type { Enrollment, EnrollmentStore, NewEnrollment, SignCountCheck } from '../store.ts';
import type { StoreContext } from './context.ts';
import {
  assertDate,
  assertInt,
  jsonParam,
  toBytes,
  toDate,
  toDateOrNull,
  toInt,
} from './values.ts';

const COLUMNS = `credential_id, user_id, public_key, sign_count, transports, roles, certificate,
  certificate_expires_at, created_at, last_used_at, revoked_at, revocation_reason`;

interface EnrollmentRow {
  credential_id: string;
  user_id: string;
  public_key: unknown;
  sign_count: unknown;
  transports: string[];
  roles: string[];
  certificate: unknown;
  certificate_expires_at: unknown;
  created_at: unknown;
  last_used_at: unknown;
  revoked_at: unknown;
  revocation_reason: string | null;
}

/** {@link EnrollmentStore} in SQL (table `enrollments`). */
export class SqlEnrollmentStore implements EnrollmentStore {
  constructor(private readonly ctx: StoreContext) {}

  async put(e: NewEnrollment): Promise<void> {
    assertDate(e.certificateExpiresAt, 'certificateExpiresAt');
    assertDate(e.createdAt, 'createdAt');
    assertInt(e.signCount ?? 0, 'signCount');
    try {
      await this.ctx.db.query(
        `INSERT INTO enrollments (${COLUMNS})
         VALUES ($1, $2, $3, $4, $5::text::jsonb, $6::text::jsonb, $7, $8, $9, NULL, NULL, NULL)`,
        [
          e.credentialId,
          e.userId,
          e.publicKey,
          e.signCount ?? 0,
          jsonParam(e.transports),
          jsonParam(e.roles),
          e.certificate,
          e.certificateExpiresAt,
          e.createdAt,
        ],
      );
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new StoreError('store_conflict', 'a credential with this id is already enrolled');
      }
      throw err;
    }
  }

  async get(credentialId: string): Promise<Enrollment | null> {
    const { rows } = await this.ctx.db.query<EnrollmentRow>(
      `SELECT ${COLUMNS} FROM enrollments WHERE credential_id = $1`,
      [credentialId],
    );
    return rows[0] === undefined ? null : fromRow(rows[0]);
  }

  async listByUser(userId: string): Promise<Enrollment[]> {
    const { rows } = await this.ctx.db.query<EnrollmentRow>(
      `SELECT ${COLUMNS} FROM enrollments WHERE user_id = $1 ORDER BY created_at, credential_id`,
      [userId],
    );
    return rows.map(fromRow);
  }

  async revoke(credentialId: string, reason: string, at: Date): Promise<Enrollment> {
    assertDate(at, 'at');
    const { rows } = await this.ctx.db.query<EnrollmentRow>(
      `UPDATE enrollments
          SET revoked_at = COALESCE(revoked_at, $2),
              revocation_reason = COALESCE(revocation_reason, $3)
        WHERE credential_id = $1
        RETURNING ${COLUMNS}`,
      [credentialId, at, reason],
    );
    if (rows[0] === undefined) throw notFound();
    return fromRow(rows[0]);
  }

  async renewCertificate(
    credentialId: string,
    certificate: Uint8Array,
    expiresAt: Date,
  ): Promise<void> {
    assertDate(expiresAt, 'expiresAt');
    const { rows } = await this.ctx.db.query<{ revoked: boolean }>(
      `UPDATE enrollments
          SET certificate = CASE WHEN revoked_at IS NULL THEN $2 ELSE certificate END,
              certificate_expires_at =
                CASE WHEN revoked_at IS NULL THEN $3 ELSE certificate_expires_at END
        WHERE credential_id = $1
        RETURNING revoked_at IS NOT NULL AS revoked`,
      [credentialId, certificate, expiresAt],
    );
    if (rows[0] === undefined) throw notFound();
    if (rows[0].revoked) throw revoked();
  }

  async recordAssertion(
    credentialId: string,
    signCount: number,
    at: Date,
  ): Promise<SignCountCheck> {
    assertInt(signCount, 'signCount');
    assertDate(at, 'at');
    // The WHERE is re-checked against the latest row version when two coordinators race
    // (READ COMMITTED update semantics), so exactly one of them advances a given counter.
    const { rowCount } = await this.ctx.db.query(
      `UPDATE enrollments SET sign_count = $2, last_used_at = $3
        WHERE credential_id = $1 AND revoked_at IS NULL
          AND ($2 > sign_count OR ($2 = 0 AND sign_count = 0))`,
      [credentialId, signCount, at],
    );
    if (rowCount === 1) return 'accepted';
    const current = await this.get(credentialId);
    if (current === null) throw notFound();
    return current.revokedAt === null ? 'regressed' : 'revoked';
  }

  async listRevoked(): Promise<Enrollment[]> {
    const { rows } = await this.ctx.db.query<EnrollmentRow>(
      `SELECT ${COLUMNS} FROM enrollments
        WHERE revoked_at IS NOT NULL AND certificate_expires_at > $1
        ORDER BY revoked_at, credential_id`,
      [this.ctx.now()],
    );
    return rows.map(fromRow);
  }
}

function fromRow(row: EnrollmentRow): Enrollment {
  return {
    credentialId: row.credential_id,
    userId: row.user_id,
    publicKey: toBytes(row.public_key),
    signCount: toInt(row.sign_count),
    transports: row.transports,
    roles: row.roles,
    certificate: toBytes(row.certificate),
    certificateExpiresAt: toDate(row.certificate_expires_at),
    createdAt: toDate(row.created_at),
    lastUsedAt: toDateOrNull(row.last_used_at),
    revokedAt: toDateOrNull(row.revoked_at),
    revocationReason: row.revocation_reason,
  };
}

function notFound(): StoreError {
  return new StoreError('store_not_found', 'no enrollment with this credential id');
}

function revoked(): StoreError {
  return new StoreError('store_enrollment_revoked', 'the enrollment is revoked');
}
