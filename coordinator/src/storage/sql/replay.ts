import type { ReplayStore } from '../store.ts';
import type { StoreContext } from './context.ts';
import { assertDate } from './values.ts';

/** {@link ReplayStore} in SQL (table `replay_window`). */
export class SqlReplayStore implements ReplayStore {
  constructor(private readonly ctx: StoreContext) {}

  async rememberOnce(namespace: string, key: string, expiresAt: Date): Promise<boolean> {
    assertDate(expiresAt, 'expiresAt');
    // Insert-if-absent in one statement. A concurrent insert of the same key waits on the
    // primary key and then takes the conflict branch; an expired entry is overwritten.
    const { rows } = await this.ctx.db.query(
      `INSERT INTO replay_window (namespace, key, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (namespace, key) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE replay_window.expires_at <= $4
       RETURNING 1`,
      [namespace, key, expiresAt, this.ctx.now()],
    );
    return rows.length === 1;
  }

  async isRemembered(namespace: string, key: string): Promise<boolean> {
    const { rows } = await this.ctx.db.query(
      'SELECT 1 FROM replay_window WHERE namespace = $1 AND key = $2 AND expires_at > $3',
      [namespace, key, this.ctx.now()],
    );
    return rows.length === 1;
  }
}
