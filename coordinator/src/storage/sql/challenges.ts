import { isUniqueViolation, StoreError } from '../errors.ts';
import type { Challenge, ChallengePurpose, ChallengeStore } from '../store.ts';
import type { StoreContext } from './context.ts';
import { assertDate, toDate } from './values.ts';

interface ChallengeRow {
  challenge: string;
  purpose: ChallengePurpose;
  user_id: string | null;
  request_id: string | null;
  created_at: unknown;
  expires_at: unknown;
}

/** {@link ChallengeStore} in SQL (table `webauthn_challenges`). */
export class SqlChallengeStore implements ChallengeStore {
  constructor(private readonly ctx: StoreContext) {}

  async create(c: Challenge): Promise<void> {
    assertDate(c.createdAt, 'createdAt');
    assertDate(c.expiresAt, 'expiresAt');
    try {
      await this.ctx.db.query(
        `INSERT INTO webauthn_challenges
           (challenge, purpose, user_id, request_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [c.challenge, c.purpose, c.userId, c.requestId, c.createdAt, c.expiresAt],
      );
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new StoreError('store_conflict', 'this challenge is already outstanding');
      }
      throw err;
    }
  }

  async consume(challenge: string, purpose: ChallengePurpose): Promise<Challenge> {
    // DELETE … RETURNING: of concurrent consumers, only the one whose delete wins gets a row.
    const { rows } = await this.ctx.db.query<ChallengeRow>(
      `DELETE FROM webauthn_challenges WHERE challenge = $1 AND purpose = $2
       RETURNING challenge, purpose, user_id, request_id, created_at, expires_at`,
      [challenge, purpose],
    );
    const row = rows[0];
    if (row === undefined) {
      throw new StoreError('store_challenge_unknown', 'unknown or already used challenge');
    }
    const consumed: Challenge = {
      challenge: row.challenge,
      purpose: row.purpose,
      userId: row.user_id,
      requestId: row.request_id,
      createdAt: toDate(row.created_at),
      expiresAt: toDate(row.expires_at),
    };
    if (consumed.expiresAt <= this.ctx.now()) {
      throw new StoreError('store_challenge_expired', 'the challenge has expired; start again');
    }
    return consumed;
  }
}
