import { isUniqueViolation, StoreError } from '../errors.ts';
import type { GuardianCredential, GuardianCredentialStore, JsonObject } from '../store.ts';
import type { StoreContext } from './context.ts';
import { assertDate, assertInt, jsonParam, toDate, toDateOrNull, toInt } from './values.ts';

const COLUMNS = `credential_id, guardian_kid, public_key, registration_id, sign_count, binding,
  not_after, created_at, bound_at`;

interface Row {
  credential_id: string;
  guardian_kid: string;
  public_key: string;
  registration_id: string;
  sign_count: unknown;
  binding: JsonObject | null;
  not_after: unknown;
  created_at: unknown;
  bound_at: unknown;
}

/** {@link GuardianCredentialStore} in SQL (table `guardian_credentials`). */
export class SqlGuardianCredentialStore implements GuardianCredentialStore {
  constructor(private readonly ctx: StoreContext) {}

  async register(c: Omit<GuardianCredential, 'binding' | 'notAfter' | 'boundAt'>): Promise<void> {
    assertDate(c.createdAt, 'createdAt');
    assertInt(c.signCount, 'signCount');
    try {
      await this.ctx.db.query(
        `INSERT INTO guardian_credentials (${COLUMNS})
         VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6, NULL)`,
        [c.credentialId, c.guardianKid, c.publicKey, c.registrationId, c.signCount, c.createdAt],
      );
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new StoreError('store_conflict', 'this credential or registration is already known');
      }
      throw err;
    }
  }

  async getByRegistration(registrationId: string): Promise<GuardianCredential | null> {
    return this.#one('registration_id', registrationId);
  }

  async get(credentialId: string): Promise<GuardianCredential | null> {
    return this.#one('credential_id', credentialId);
  }

  async bind(credentialId: string, binding: JsonObject, notAfter: Date, at: Date): Promise<void> {
    assertDate(notAfter, 'notAfter');
    assertDate(at, 'at');
    const { rowCount } = await this.ctx.db.query(
      `UPDATE guardian_credentials SET binding = $2::text::jsonb, not_after = $3, bound_at = $4
        WHERE credential_id = $1 AND binding IS NULL`,
      [credentialId, jsonParam(binding), notAfter, at],
    );
    if (rowCount === 1) return;
    if ((await this.get(credentialId)) === null) {
      throw new StoreError('store_not_found', 'no such guardian credential');
    }
    throw new StoreError('store_conflict', 'this credential is already bound');
  }

  async listBound(now: Date): Promise<GuardianCredential[]> {
    assertDate(now, 'now');
    const { rows } = await this.ctx.db.query<Row>(
      `SELECT ${COLUMNS} FROM guardian_credentials
        WHERE binding IS NOT NULL AND not_after > $1 ORDER BY created_at, credential_id`,
      [now],
    );
    return rows.map(fromRow);
  }

  async recordAssertion(
    credentialId: string,
    signCount: number,
  ): Promise<'accepted' | 'regressed'> {
    assertInt(signCount, 'signCount');
    // Re-checked against the latest row version when two coordinators race, so exactly one
    // of them advances a given counter (as for engineers' enrollments).
    const { rowCount } = await this.ctx.db.query(
      `UPDATE guardian_credentials SET sign_count = $2
        WHERE credential_id = $1 AND ($2 > sign_count OR ($2 = 0 AND sign_count = 0))`,
      [credentialId, signCount],
    );
    if (rowCount === 1) return 'accepted';
    if ((await this.get(credentialId)) === null) {
      throw new StoreError('store_not_found', 'no such guardian credential');
    }
    return 'regressed';
  }

  async #one(column: 'credential_id' | 'registration_id', value: string) {
    const { rows } = await this.ctx.db.query<Row>(
      `SELECT ${COLUMNS} FROM guardian_credentials WHERE ${column} = $1`,
      [value],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }
}

function fromRow(row: Row): GuardianCredential {
  return {
    credentialId: row.credential_id,
    guardianKid: row.guardian_kid,
    publicKey: row.public_key,
    registrationId: row.registration_id,
    signCount: toInt(row.sign_count),
    binding: row.binding,
    notAfter: toDateOrNull(row.not_after),
    createdAt: toDate(row.created_at),
    boundAt: toDateOrNull(row.bound_at),
  };
}
