import { ConflictError, encodeBase64, NotFoundError, type Receipt } from '@frostmint/core';
import type { AuditCheckpoint, AuditLeaf, AuditStore } from '../storage/index.ts';
import type { LogTree } from './log-tree.ts';
import type { WitnessCosigner } from './witness/cosigner.ts';

/** Options of {@link Receipts}. */
export interface ReceiptsOptions {
  readonly store: Pick<AuditStore, 'findByKey' | 'latestCheckpoint'>;
  readonly tree: LogTree;
  /** How often waiting receipts look for a new checkpoint, ms (default 50). */
  readonly pollMs?: number;
  /** This coordinator's checkpointer: a wait ends as soon as it cuts a covering checkpoint. */
  readonly checkpointer?: { waitCovering(index: number, timeoutMs: number): Promise<unknown> };
  /**
   * The witness policy (`audit.witnessing.minCosignatures`): a receipt is served only with a
   * checkpoint it accepts, so until the witnesses cosign one covering the entry the receipt
   * stays `receipt_pending`. Without it any quorum-signed checkpoint serves.
   */
  readonly witnesses?: Pick<WitnessCosigner, 'isWitnessed'>;
}

/**
 * Receipts (issue 14, version 1): the audit entry of a mint or enrollment, its leaf index,
 * the RFC 9162 §2.1.3.1 inclusion proof to the latest signed checkpoint (one the witness
 * policy accepts), and that checkpoint note. `receipt` answers at once; `awaitReceipt` waits (bounded) for the checkpointer to
 * cover the entry — one store poll serves every waiter, so waiting mints add no per-mint load.
 *
 * @example
 * ```ts
 * const receipts = new Receipts({ store: store.audit, tree: new LogTree(store.audit) });
 * const receipt = await receipts.receipt(jti); // receipt_not_found, receipt_pending
 * ```
 */
export class Receipts {
  readonly #waiters = new Set<() => void>();
  #polling: NodeJS.Timeout | undefined;
  #latest: AuditCheckpoint | null = null;

  constructor(private readonly options: ReceiptsOptions) {}

  /** The receipt of `key` (a `jti` or `cert_id`): `receipt_not_found`, `receipt_pending`. */
  async receipt(key: string): Promise<Receipt> {
    const leaf = await this.#leaf(key);
    const checkpoint = await this.options.store.latestCheckpoint();
    if (checkpoint === null || checkpoint.treeSize <= leaf.index) {
      throw new ConflictError(
        'receipt_pending',
        'the entry is logged but no signed checkpoint covers it yet: retry in a second',
      );
    }
    if (!this.#witnessed(checkpoint)) {
      throw new ConflictError(
        'receipt_pending',
        'the checkpoint covering the entry lacks the witness cosignatures the policy requires: retry later',
      );
    }
    return this.#build(leaf, checkpoint);
  }

  /**
   * The receipt of `key` once a checkpoint covers it, or null when none did within
   * `timeoutMs`; `receipt_not_found` when no entry has the key.
   */
  async awaitReceipt(key: string, timeoutMs: number): Promise<Receipt | null> {
    const leaf = await this.#leaf(key);
    const deadline = Date.now() + timeoutMs;
    void this.options.checkpointer
      ?.waitCovering(leaf.index, timeoutMs)
      .then(() => this.checkpointed());
    let checkpoint = await this.options.store.latestCheckpoint();
    while (
      checkpoint === null ||
      checkpoint.treeSize <= leaf.index ||
      !this.#witnessed(checkpoint)
    ) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      checkpoint = await this.#nextCheckpoint(left);
    }
    return this.#build(leaf, checkpoint);
  }

  /** Wakes every waiter to look again now (the local checkpointer just stored one). */
  checkpointed(): void {
    void this.#poll();
  }

  /** Stops the poll timer. */
  close(): void {
    clearInterval(this.#polling);
    this.#polling = undefined;
  }

  #witnessed(checkpoint: AuditCheckpoint): boolean {
    const { witnesses } = this.options;
    return !witnesses || witnesses.isWitnessed(Buffer.from(checkpoint.signed).toString('utf8'));
  }

  async #leaf(key: string): Promise<AuditLeaf> {
    const leaf = await this.options.store.findByKey(key);
    if (!leaf) throw new NotFoundError('receipt_not_found', 'no mint or enrollment with this id');
    return leaf;
  }

  async #build(leaf: AuditLeaf, checkpoint: AuditCheckpoint): Promise<Receipt> {
    const tree = await this.options.tree.at(checkpoint);
    return {
      version: 1,
      log_index: leaf.index,
      entry: encodeBase64(Buffer.from(leaf.entryJson, 'utf8')),
      inclusion_proof: tree.inclusionProof(leaf.index, checkpoint.treeSize).map(encodeBase64),
      checkpoint: Buffer.from(checkpoint.signed).toString('utf8'),
    };
  }

  /**
   * The latest checkpoint at the next poll (one store query per tick, whatever the number
   * of waiters), or at a `checkpointed()` call; the last one seen after `ms`.
   */
  #nextCheckpoint(ms: number): Promise<AuditCheckpoint | null> {
    return new Promise((resolve) => {
      const waiters = this.#waiters;
      const wake = (): void => {
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(this.#latest);
      };
      const timer = setTimeout(wake, ms);
      waiters.add(wake);
      this.#polling ??= setInterval(() => void this.#poll(), this.options.pollMs ?? 50);
    });
  }

  async #poll(): Promise<void> {
    if (this.#waiters.size === 0) {
      this.close();
      return;
    }
    try {
      this.#latest = await this.options.store.latestCheckpoint();
    } catch {
      return; // The store is unavailable: waiters try again at the next tick or time out.
    }
    for (const wake of [...this.#waiters]) wake();
  }
}
