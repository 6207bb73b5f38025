import { StoreError } from '../errors.ts';
import { GroupCommitter } from '../group-commit.ts';
import type { AuditAppendStats, AuditCheckpoint, AuditLeaf, AuditStore } from '../store.ts';
import type { StoreContext } from './context.ts';
import { assertDate, assertInt, toBytes, toDate, toInt } from './values.ts';

/** The most leaves one `read` returns. */
const MAX_READ = 10_000;

interface LeafRow {
  idx: unknown;
  leaf_hash: unknown;
  entry_json: string;
  created_at: unknown;
}

interface CheckpointRow {
  tree_size: unknown;
  root_hash: unknown;
  signed: unknown;
  created_at: unknown;
}

/** Parameters one appended entry binds: leaf hash, entry, time, receipt key (or null). */
const COLUMNS = 4;

/**
 * {@link AuditStore} in SQL (tables `audit_log`, `audit_log_size`, `audit_checkpoints`).
 * Appends are group-committed: the entries that arrive while a transaction runs go
 * together in the next one (one fsync), and each `append` resolves after its own commit.
 */
export class SqlAuditStore implements AuditStore {
  readonly #appends: GroupCommitter<Omit<AuditLeaf, 'index'>, number>;

  constructor(private readonly ctx: StoreContext) {
    this.#appends = new GroupCommitter({ commit: (entries) => this.#appendAll(entries) });
  }

  async append(entry: Omit<AuditLeaf, 'index'>): Promise<number> {
    assertDate(entry.createdAt, 'createdAt');
    assertHash(entry.leafHash, 'leafHash');
    if (entry.key !== undefined && (typeof entry.key !== 'string' || entry.key.length === 0)) {
      throw new StoreError('store_invalid_argument', 'key must be a non-empty string');
    }
    return this.#appends.submit(entry);
  }

  appendStats(): AuditAppendStats {
    const { items, commits } = this.#appends.stats();
    return { entries: items, transactions: commits };
  }

  /**
   * One statement for `entries`, so one implicit transaction and one commit: indexes
   * `size … size + n - 1`, in the order given, with each entry's receipt key if it has one.
   * Bumping the single size row by n takes its row lock until commit: concurrent appenders
   * (any coordinator) queue there, so each group's indexes are contiguous, and a failed
   * statement gives all of them back. The receipt keys' foreign key is checked at the end of
   * the statement, after the sibling INSERT into `audit_log`.
   */
  async #appendAll(entries: readonly Omit<AuditLeaf, 'index'>[]): Promise<number[]> {
    const rows = entries.map((_, i) => {
      const p = i * COLUMNS + 1;
      return `(${i}, $${p + 1}::bytea, $${p + 2}::text, $${p + 3}::timestamptz, $${p + 4}::text)`;
    });
    const { rows: grown } = await this.ctx.db.query<{ first: unknown }>(
      `WITH grown AS (
         UPDATE audit_log_size SET size = size + $1 RETURNING size - $1 AS first
       ), batch (ord, leaf_hash, entry_json, created_at, key) AS (
         VALUES ${rows.join(', ')}
       ), logged AS (
         INSERT INTO audit_log (idx, leaf_hash, entry_json, created_at)
         SELECT grown.first + batch.ord, batch.leaf_hash, batch.entry_json, batch.created_at
           FROM grown, batch
       ), keyed AS (
         INSERT INTO audit_receipt_keys (key, idx)
         SELECT batch.key, grown.first + batch.ord FROM grown, batch WHERE batch.key IS NOT NULL
         ON CONFLICT (key) DO NOTHING
       )
       SELECT first FROM grown`,
      [
        entries.length,
        ...entries.flatMap((e) => [e.leafHash, e.entryJson, e.createdAt, e.key ?? null]),
      ],
    );
    const first = toInt(grown[0]?.first);
    return entries.map((_, i) => first + i);
  }

  async read(start: number, end: number): Promise<AuditLeaf[]> {
    assertInt(start, 'start');
    assertInt(end, 'end');
    if (end - start > MAX_READ) {
      throw new StoreError('store_invalid_argument', `read at most ${MAX_READ} leaves at a time`);
    }
    const { rows } = await this.ctx.db.query<LeafRow>(
      `SELECT idx, leaf_hash, entry_json, created_at FROM audit_log
        WHERE idx >= $1 AND idx < $2 ORDER BY idx`,
      [start, end],
    );
    return rows.map(fromLeafRow);
  }

  async findByKey(key: string): Promise<AuditLeaf | null> {
    const { rows } = await this.ctx.db.query<LeafRow>(
      `SELECT l.idx, l.leaf_hash, l.entry_json, l.created_at
         FROM audit_receipt_keys k JOIN audit_log l ON l.idx = k.idx
        WHERE k.key = $1`,
      [key],
    );
    const row = rows[0];
    return row === undefined ? null : { ...fromLeafRow(row), key };
  }

  async size(): Promise<number> {
    const { rows } = await this.ctx.db.query<{ size: unknown }>('SELECT size FROM audit_log_size');
    return toInt(rows[0]?.size);
  }

  async putCheckpoint(checkpoint: AuditCheckpoint): Promise<void> {
    assertInt(checkpoint.treeSize, 'treeSize');
    assertHash(checkpoint.rootHash, 'rootHash');
    assertDate(checkpoint.createdAt, 'createdAt');
    await this.ctx.db.transaction(async (tx) => {
      const { rows: sizes } = await tx.query<{ size: unknown }>('SELECT size FROM audit_log_size');
      if (checkpoint.treeSize > toInt(sizes[0]?.size)) {
        throw new StoreError(
          'store_invalid_argument',
          'the checkpoint covers more leaves than the log has',
        );
      }
      await tx.query(
        `INSERT INTO audit_checkpoints (tree_size, root_hash, signed, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size) DO NOTHING`,
        [checkpoint.treeSize, checkpoint.rootHash, checkpoint.signed, checkpoint.createdAt],
      );
      // A separate statement: it sees a racing coordinator's committed checkpoint too.
      const { rows } = await tx.query<{ root_hash: unknown }>(
        'SELECT root_hash FROM audit_checkpoints WHERE tree_size = $1',
        [checkpoint.treeSize],
      );
      const stored = rows[0] === undefined ? undefined : toBytes(rows[0].root_hash);
      if (stored === undefined || !equalBytes(stored, checkpoint.rootHash)) {
        throw new StoreError(
          'store_conflict',
          `a checkpoint of tree size ${checkpoint.treeSize} with another root hash is stored`,
        );
      }
    });
  }

  async latestCheckpoint(): Promise<AuditCheckpoint | null> {
    const { rows } = await this.ctx.db.query<CheckpointRow>(
      `SELECT tree_size, root_hash, signed, created_at FROM audit_checkpoints
        ORDER BY tree_size DESC LIMIT 1`,
    );
    return rows[0] === undefined ? null : fromCheckpointRow(rows[0]);
  }

  async getCheckpoint(treeSize: number): Promise<AuditCheckpoint | null> {
    assertInt(treeSize, 'treeSize');
    const { rows } = await this.ctx.db.query<CheckpointRow>(
      'SELECT tree_size, root_hash, signed, created_at FROM audit_checkpoints WHERE tree_size = $1',
      [treeSize],
    );
    return rows[0] === undefined ? null : fromCheckpointRow(rows[0]);
  }
}

function fromLeafRow(row: LeafRow): AuditLeaf {
  return {
    index: toInt(row.idx),
    leafHash: toBytes(row.leaf_hash),
    entryJson: row.entry_json,
    createdAt: toDate(row.created_at),
  };
}

function fromCheckpointRow(row: CheckpointRow): AuditCheckpoint {
  return {
    treeSize: toInt(row.tree_size),
    rootHash: toBytes(row.root_hash),
    signed: toBytes(row.signed),
    createdAt: toDate(row.created_at),
  };
}

function assertHash(hash: Uint8Array, name: string): void {
  if (!(hash instanceof Uint8Array) || hash.length !== 32) {
    throw new StoreError('store_invalid_argument', `${name} must be 32 bytes`);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
