import { canonicalJson } from '@frostmint/core';
import { StoreError } from '../errors.ts';
import type { SqlQuerier } from '../executor.ts';
import type {
  GroupConfigSource,
  GroupConfigStore,
  GroupKeyState,
  JsonObject,
  JsonValue,
  NewGroupConfig,
  StoredGroupConfig,
} from '../store.ts';
import type { StoreContext } from './context.ts';
import { assertDate, assertInt, jsonParam, toDate, toDateOrNull, toInt } from './values.ts';

/** Advisory-lock key serializing key-lifecycle changes across coordinators ("frostgrp"). */
const GROUP_LOCK_KEY = '7382085280879113840';

const COLUMNS = `kid, epoch, state, config, signers, source, created_at, published_at, activated_at,
  retired_at, publish_until`;

interface GroupConfigRow {
  kid: string;
  epoch: unknown;
  state: GroupKeyState;
  config: JsonObject;
  signers: JsonValue[] | null;
  source: GroupConfigSource;
  created_at: unknown;
  published_at: unknown;
  activated_at: unknown;
  retired_at: unknown;
  publish_until: unknown;
}

/**
 * {@link GroupConfigStore} in SQL (table `group_configs`). Every change runs in one
 * transaction under an advisory lock, so coordinators importing the same `group.json` at
 * boot, or two operators switching at once, see one order.
 */
export class SqlGroupConfigStore implements GroupConfigStore {
  constructor(private readonly ctx: StoreContext) {}

  add(entry: NewGroupConfig): Promise<StoredGroupConfig> {
    assertInt(entry.epoch, 'epoch');
    return this.#locked(async (tx, now) => {
      const rows = await select(tx, 'WHERE kid = $1 ORDER BY epoch DESC', [entry.kid]);
      const same = rows.find((r) => r.epoch === entry.epoch);
      if (same) {
        if (canonicalJson(same.config) !== canonicalJson(entry.config)) {
          throw new StoreError(
            'store_conflict',
            `another group configuration is stored for ${entry.kid} epoch ${entry.epoch}`,
          );
        }
        return same;
      }
      const live = rows.find((r) => r.state === 'next' || r.state === 'current');
      if (live && live.epoch > entry.epoch) {
        throw new StoreError(
          'store_conflict',
          `${entry.kid} is at epoch ${live.epoch}; epoch ${entry.epoch} is older`,
        );
      }
      if (!live && rows.length > 0) {
        throw new StoreError(
          'store_invalid_transition',
          `${entry.kid} was retired; a retired key never comes back`,
        );
      }
      let state: GroupKeyState;
      if (live) {
        state = live.state;
        await tx.query(
          `UPDATE group_configs SET state = 'superseded' WHERE kid = $1 AND epoch = $2`,
          [live.kid, live.epoch],
        );
      } else {
        const current = await select(tx, `WHERE state = 'current'`, []);
        state = current.length === 0 ? 'current' : 'next';
      }
      const inserted = await select(
        tx,
        '',
        [
          entry.kid,
          entry.epoch,
          state,
          jsonParam(entry.config),
          entry.signers ? jsonParam(entry.signers) : live ? jsonParam(live.signers) : null,
          entry.source,
          now,
          live?.publishedAt ?? now,
          state === 'current' ? now : null,
        ],
        `INSERT INTO group_configs (kid, epoch, state, config, signers, source, created_at,
           published_at, activated_at)
         VALUES ($1, $2, $3, $4::text::jsonb, $5::text::jsonb, $6, $7, $8, $9)
         RETURNING ${COLUMNS}`,
      );
      return inserted[0]!;
    });
  }

  switchTo(kid: string, publishUntil: Date): Promise<StoredGroupConfig> {
    assertDate(publishUntil, 'publishUntil');
    return this.#locked(async (tx, now) => {
      const next = await select(tx, `WHERE kid = $1 AND state = 'next'`, [kid]);
      if (next.length === 0) {
        throw new StoreError('store_not_found', `${kid} is not the next group key`);
      }
      await tx.query(
        `UPDATE group_configs SET state = 'retired', retired_at = $1, publish_until = $2
          WHERE state = 'current'`,
        [now, publishUntil],
      );
      const switched = await select(
        tx,
        '',
        [kid, now],
        `UPDATE group_configs SET state = 'current', activated_at = $2
          WHERE kid = $1 AND state = 'next' RETURNING ${COLUMNS}`,
      );
      return switched[0]!;
    });
  }

  retire(kid: string, publishUntil: Date): Promise<StoredGroupConfig> {
    assertDate(publishUntil, 'publishUntil');
    return this.#locked(async (tx, now) => {
      const [row] = await select(
        tx,
        `WHERE kid = $1 AND state IN ('next', 'current', 'retired') ORDER BY epoch DESC LIMIT 1`,
        [kid],
      );
      if (!row) throw new StoreError('store_not_found', `no published group key ${kid}`);
      if (row.state === 'current') {
        throw new StoreError(
          'store_invalid_transition',
          `${kid} is the current key: switch to another key first`,
        );
      }
      const retired = await select(
        tx,
        '',
        [kid, row.epoch, row.retiredAt ?? now, publishUntil],
        `UPDATE group_configs SET state = 'retired', retired_at = $3, publish_until = $4
          WHERE kid = $1 AND epoch = $2 RETURNING ${COLUMNS}`,
      );
      return retired[0]!;
    });
  }

  list(): Promise<StoredGroupConfig[]> {
    return select(
      this.ctx.db,
      `WHERE state <> 'superseded'
        ORDER BY CASE state WHEN 'current' THEN 0 WHEN 'next' THEN 1 ELSE 2 END,
          published_at DESC, kid`,
      [],
    );
  }

  #locked<T>(fn: (tx: SqlQuerier, now: Date) => Promise<T>): Promise<T> {
    return this.ctx.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [GROUP_LOCK_KEY]);
      return fn(tx, this.ctx.now());
    });
  }
}

async function select(
  db: SqlQuerier,
  where: string,
  params: readonly unknown[],
  sql = `SELECT ${COLUMNS} FROM group_configs ${where}`,
): Promise<StoredGroupConfig[]> {
  const { rows } = await db.query<GroupConfigRow>(sql, params);
  return rows.map((row) => ({
    kid: row.kid,
    epoch: toInt(row.epoch),
    state: row.state,
    config: row.config,
    signers: row.signers,
    source: row.source,
    createdAt: toDate(row.created_at),
    publishedAt: toDate(row.published_at),
    activatedAt: toDateOrNull(row.activated_at),
    retiredAt: toDateOrNull(row.retired_at),
    publishUntil: toDateOrNull(row.publish_until),
  }));
}
