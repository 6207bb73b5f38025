import type { SqlExecutor } from '../executor.ts';
import type { StoreHealth } from '../health.ts';
import type { CoordinatorStore, SweepCounts } from '../store.ts';
import { SqlApprovalStore } from './approvals.ts';
import { SqlAuditStore } from './audit-log.ts';
import { SqlChallengeStore } from './challenges.ts';
import type { StoreContext } from './context.ts';
import { SqlEnrollmentStore } from './enrollments.ts';
import { SqlGroupConfigStore } from './group-configs.ts';
import { SqlGuardianCredentialStore } from './guardian-credentials.ts';
import { SqlMintRequestStore } from './mint-requests.ts';
import { SqlMintResultStore } from './mint-results.ts';
import { SqlRateLimitStore } from './rate-limits.ts';
import { SqlReplayStore } from './replay.ts';

/** Statements of one sweep, by the counter they feed. */
const SWEEPS: Record<keyof SweepCounts, string> = {
  challenges: 'DELETE FROM webauthn_challenges WHERE expires_at <= $1',
  replay: 'DELETE FROM replay_window WHERE expires_at <= $1',
  rateLimits: 'DELETE FROM rate_limits WHERE window_end <= $1',
  lockouts: `DELETE FROM lockouts
              WHERE window_end <= $1 AND (locked_until IS NULL OR locked_until <= $1)`,
};

/**
 * The {@link CoordinatorStore} over a migrated SQL database; the same code serves PGlite
 * and PostgreSQL. Open one with `openCoordinatorStore`.
 */
export class SqlCoordinatorStore implements CoordinatorStore {
  readonly enrollments: SqlEnrollmentStore;
  readonly mintRequests: SqlMintRequestStore;
  readonly mintResults: SqlMintResultStore;
  readonly approvals: SqlApprovalStore;
  readonly guardianCredentials: SqlGuardianCredentialStore;
  readonly challenges: SqlChallengeStore;
  readonly replay: SqlReplayStore;
  readonly rateLimits: SqlRateLimitStore;
  readonly audit: SqlAuditStore;
  readonly groups: SqlGroupConfigStore;
  readonly health: StoreHealth;
  readonly #ctx: StoreContext;

  constructor(db: SqlExecutor, now: () => number, health: StoreHealth) {
    this.health = health;
    this.#ctx = { db, now: () => new Date(now()) };
    this.enrollments = new SqlEnrollmentStore(this.#ctx);
    this.mintRequests = new SqlMintRequestStore(this.#ctx);
    this.mintResults = new SqlMintResultStore(this.#ctx);
    this.approvals = new SqlApprovalStore(this.#ctx);
    this.guardianCredentials = new SqlGuardianCredentialStore(this.#ctx);
    this.challenges = new SqlChallengeStore(this.#ctx);
    this.replay = new SqlReplayStore(this.#ctx);
    this.rateLimits = new SqlRateLimitStore(this.#ctx);
    this.audit = new SqlAuditStore(this.#ctx);
    this.groups = new SqlGroupConfigStore(this.#ctx);
  }

  get backend(): CoordinatorStore['backend'] {
    return this.#ctx.db.backend;
  }

  async sweepExpired(): Promise<SweepCounts> {
    const now = this.#ctx.now();
    const counts = { challenges: 0, replay: 0, rateLimits: 0, lockouts: 0 };
    for (const kind of Object.keys(SWEEPS) as (keyof SweepCounts)[]) {
      counts[kind] = (await this.#ctx.db.query(SWEEPS[kind], [now])).rowCount;
    }
    return counts;
  }

  close(): Promise<void> {
    this.health.close();
    return this.#ctx.db.close();
  }
}
