import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_AUDIT_ORIGIN, ForbiddenError, writeFileAtomic } from '@frostmint/core';
import type { CheckpointProofs } from '@frostmint/proto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type SigningLog, signedSince } from '../signing-log.ts';
import { checkCheckpoint, type WitnessedHead } from './check-checkpoint.ts';
import type { SignerAuditConfig } from './config.ts';

/** The witness state file in the signer's state directory. */
export const WITNESS_STATE_FILE = 'audit-witness.json';

const StateSchema = z
  .object({
    version: z.literal(1),
    /** The last checkpoint co-signed: tree size and base64 root. */
    head: z.object({ size: z.number().int().nonnegative(), root: z.string() }).nullable(),
    /** Co-signed signing inputs not yet proven in a checkpoint: hex SHA-256 → ms since epoch. */
    pending: z.record(z.string(), z.number()),
    /** Signing-log sequence number this state accounts for (later `signed` entries are pending too). */
    journalSeq: z.number().int().nonnegative(),
  })
  .strict();

/** Options of {@link LogWitness.open}. */
export interface LogWitnessOptions {
  readonly stateDir: string;
  /** The signer's `audit` section; absent: checkpoints of the default origin, no merge-delay rule. */
  readonly config: SignerAuditConfig | undefined;
  readonly journal: SigningLog;
  readonly log: Logger;
  readonly now?: () => number;
}

/**
 * The signer as the audit log's first witness. It keeps, durably, the last checkpoint it
 * co-signed (`audit-witness.json`, written atomically before a checkpoint share leaves) and
 * co-signs a new one only when it extends that one (see `checkCheckpoint`). With an `audit`
 * section it also remembers the signing input of every token and certificate it co-signs
 * (SHA-256; durably through the signing log, whose `signed` entries carry it and are synced
 * before the share leaves) until a checkpoint it co-signs proves it logged; one still missing
 * after `maxMergeDelaySeconds` makes it refuse every signature (`log_merge_overdue`) except a
 * checkpoint that proves every overdue one logged.
 *
 * @example
 * ```ts
 * const witness = await LogWitness.open({ stateDir, config: config.audit, journal, log });
 * witness.assertLogged();
 * const sha = witness.cosigned(message);
 * ```
 */
export class LogWitness {
  readonly #options: LogWitnessOptions;
  readonly #origin: string;
  readonly #delayMs: number | undefined;
  readonly #now: () => number;
  #head: WitnessedHead | undefined;
  readonly #pending: Map<string, number>;
  /** Serializes checkpoint co-signing: one at a time, each against the last one's head. */
  #queue: Promise<unknown> = Promise.resolve();
  #alarmed = false;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #listeners: ((overdue: boolean) => void)[] = [];

  private constructor(
    options: LogWitnessOptions,
    head: WitnessedHead | undefined,
    pending: Map<string, number>,
  ) {
    this.#options = options;
    this.#origin = options.config?.origin ?? DEFAULT_AUDIT_ORIGIN;
    this.#delayMs = options.config && options.config.maxMergeDelaySeconds * 1000;
    this.#now = options.now ?? Date.now;
    this.#head = head;
    this.#pending = pending;
    if (this.#delayMs !== undefined) {
      this.#timer = setInterval(() => this.overdue(), 1000);
      this.#timer.unref();
    }
  }

  /** Loads the state file and the signing-log entries written after it. */
  static async open(options: LogWitnessOptions): Promise<LogWitness> {
    const state = await readState(options.stateDir);
    const pending = new Map(Object.entries(state?.pending ?? {}));
    if (options.config) {
      for (const signed of await signedSince(options.stateDir, state?.journalSeq ?? 0)) {
        pending.set(signed.signingInputSha256, signed.at);
      }
    }
    const head = state?.head
      ? { size: state.head.size, root: Buffer.from(state.head.root, 'base64') }
      : undefined;
    return new LogWitness(options, head, pending);
  }

  /** Tree size of the last checkpoint co-signed (0: none). */
  get checkpointSize(): number {
    return this.#head?.size ?? 0;
  }

  /**
   * Hex SHA-256 of the co-signed signing inputs not proven logged for over half the merge
   * delay, oldest first, at most `max` (none without an `audit` section): `Info` reports
   * them so a coordinator logs each before the signer would have to refuse. A coordinator
   * that crashed between signing and logging, or hid a token, leaves such inputs behind.
   */
  unlogged(max = 64): string[] {
    if (this.#delayMs === undefined) return [];
    const limit = this.#now() - this.#delayMs / 2;
    return [...this.#pending]
      .filter(([, at]) => at < limit)
      .sort((a, b) => a[1] - b[1])
      .slice(0, max)
      .map(([sha]) => sha);
  }

  /** Told when the signer starts or stops refusing for an overdue token (health status). */
  onOverdueChange(listener: (overdue: boolean) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Co-signed signing inputs missing from the log past the merge delay (0 without an
   * `audit` section). Logs the first time it finds some, once.
   */
  overdue(): number {
    if (this.#delayMs === undefined) return 0;
    const limit = this.#now() - this.#delayMs;
    let count = 0;
    for (const at of this.#pending.values()) if (at < limit) count++;
    if (count > 0 !== this.#alarmed) {
      this.#alarmed = count > 0;
      if (this.#alarmed) {
        this.#options.log.error(
          { overdue: count, maxMergeDelaySeconds: this.#delayMs / 1000 },
          'a token this signer co-signed is not in the audit log after the maximum merge delay: refusing to sign',
        );
      } else {
        this.#options.log.warn(
          'every token this signer co-signed is logged again: signing resumes',
        );
      }
      for (const listener of this.#listeners) listener(this.#alarmed);
    }
    return count;
  }

  /** Why the signer refuses to sign, or undefined. */
  refusal(): string | undefined {
    const count = this.overdue();
    if (count === 0) return undefined;
    return `${count} token(s) this signer co-signed are not in the audit log after ${this.#delayMs! / 1000} s (maximum merge delay): it signs nothing until a checkpoint proves them logged`;
  }

  /** Throws `log_merge_overdue` while a co-signed token is missing past the merge delay. */
  assertLogged(): void {
    const reason = this.refusal();
    if (reason !== undefined) throw new ForbiddenError('log_merge_overdue', reason);
  }

  /**
   * Remembers a signing input this signer is about to release a share for; returns its hex
   * SHA-256 for the signing log (append it in the same tick, before the share leaves).
   */
  cosigned(message: Uint8Array): string {
    const sha = createHash('sha256').update(message).digest('hex');
    if (this.#delayMs !== undefined && !this.#pending.has(sha)) this.#pending.set(sha, this.#now());
    return sha;
  }

  /**
   * Co-signs a checkpoint: checks it (`checkCheckpoint`), forgets the signing inputs it
   * proves logged, refuses while an overdue one remains, then runs `sign` and stores the
   * new head before the share is returned.
   */
  cosignCheckpoint<T>(
    message: Uint8Array,
    proofs: CheckpointProofs | undefined,
    sign: () => Promise<T>,
  ): Promise<T> {
    const run = this.#queue.then(async () => {
      const { checkpoint, logged } = checkCheckpoint(message, proofs, this.#head, this.#origin);
      const remaining = new Map(this.#pending);
      for (const sha of logged) remaining.delete(sha);
      if (this.#delayMs !== undefined) {
        const limit = this.#now() - this.#delayMs;
        const overdue = [...remaining.values()].filter((at) => at < limit).length;
        if (overdue > 0) {
          throw new ForbiddenError(
            'log_merge_overdue',
            `the checkpoint leaves out ${overdue} token(s) this signer co-signed more than ${this.#delayMs / 1000} s ago`,
          );
        }
      }
      const share = await sign();
      const head = { size: checkpoint.size, root: checkpoint.root };
      // Tokens co-signed meanwhile are in `#pending` and in the journal up to `seq`.
      for (const sha of logged) this.#pending.delete(sha);
      await this.#persist(head);
      this.#head = head;
      this.overdue();
      return share;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #persist(head: WitnessedHead): Promise<void> {
    const state: z.infer<typeof StateSchema> = {
      version: 1,
      head: { size: head.size, root: Buffer.from(head.root).toString('base64') },
      pending: Object.fromEntries(this.#pending),
      journalSeq: this.#options.journal.seq,
    };
    await writeFileAtomic(join(this.#options.stateDir, WITNESS_STATE_FILE), JSON.stringify(state));
  }
}

async function readState(stateDir: string): Promise<z.infer<typeof StateSchema> | undefined> {
  let text: string;
  try {
    text = await readFile(join(stateDir, WITNESS_STATE_FILE), 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw err;
  }
  return StateSchema.parse(JSON.parse(text));
}
