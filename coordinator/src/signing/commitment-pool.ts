import { checkCommitment, type SigningCommitment } from '@frostmint/core';
import type { PreprocessResponse } from '@frostmint/proto';
import type { ClientReadableStream } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { SignerPool } from './signer-pool.ts';

/** A preprocessed commitment taken for one signing: what to list, and the id to name. */
export interface PooledCommitment {
  readonly commitmentId: string;
  readonly commitment: SigningCommitment;
}

/** Options of {@link CommitmentPool}. */
export interface CommitmentPoolOptions {
  /** Commitments each signer keeps outstanding on its stream (1..256). */
  readonly target: number;
  readonly log: Logger;
  readonly now?: () => number;
}

interface Pooled extends PooledCommitment {
  /** Local time after which it is not used (a margin before the signer forgets it). */
  readonly usableUntil: number;
}

interface Feed {
  readonly queue: Pooled[];
  stream?: ClientReadableStream<PreprocessResponse>;
  retry?: NodeJS.Timeout;
  backoffMs: number;
}

/** Default of the coordinator's `preprocessCommitments`: commitments kept per signer. */
export const DEFAULT_PREPROCESS_TARGET = 64;
/**
 * Reopening a failed stream waits this long at first, doubling up to `MAX_BACKOFF_MS` (as
 * the pool's reconnect backoff: a restarted signer gets commitments within a second).
 */
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 1_000;
/** A commitment is used only within this share of the lifetime the signer announced. */
const USABLE_SHARE = 0.75;

/**
 * The coordinator's supply of preprocessed commitments (RFC 9591 §5.1 run ahead of time):
 * one `PreprocessCommitments` stream per signer, whose batches are validated on arrival
 * (RFC 9591 §3.1: a malformed commitment marks its signer faulty) and queued. A signing
 * takes one commitment per signer, each at most once, so a mint is one `Sign` round trip.
 * When a stream ends (the signer stopped or restarted: its nonces are gone with its
 * epoch) the signer's queue is dropped and the stream reopened with backoff; a signer that
 * refuses one of its commitments as unknown or spent gets its queue dropped too.
 *
 * @example
 * ```ts
 * const commitments = new CommitmentPool(pool, { target: 64, log });
 * commitments.start();
 * const taken = commitments.take(1); // undefined when empty: run round one instead
 * ```
 */
export class CommitmentPool {
  readonly #pool: SignerPool;
  readonly #options: CommitmentPoolOptions;
  readonly #now: () => number;
  readonly #feeds = new Map<number, Feed>();
  #closed = false;

  constructor(pool: SignerPool, options: CommitmentPoolOptions) {
    this.#pool = pool;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Opens a stream to every signer of the pool. */
  start(): void {
    for (const id of this.#pool.ids()) {
      const feed: Feed = { queue: [], backoffMs: MIN_BACKOFF_MS };
      this.#feeds.set(id, feed);
      this.#open(id, feed);
    }
  }

  /** How many usable commitments of signer `id` are queued. */
  available(id: number): number {
    const feed = this.#feeds.get(id);
    if (!feed) return 0;
    this.#dropExpired(feed);
    return feed.queue.length;
  }

  /** Takes one usable commitment of signer `id` (it leaves the pool for good). */
  take(id: number): PooledCommitment | undefined {
    const feed = this.#feeds.get(id);
    if (!feed) return undefined;
    this.#dropExpired(feed);
    const next = feed.queue.shift();
    return next && { commitmentId: next.commitmentId, commitment: next.commitment };
  }

  /** Drops signer `id`'s queue: it refused one of them (restarted, or another used it). */
  invalidate(id: number): void {
    const feed = this.#feeds.get(id);
    if (feed) feed.queue.length = 0;
  }

  close(): void {
    this.#closed = true;
    for (const feed of this.#feeds.values()) {
      clearTimeout(feed.retry);
      feed.stream?.cancel();
      feed.queue.length = 0;
    }
  }

  #open(id: number, feed: Feed): void {
    if (this.#closed) return;
    const stream = this.#pool.preprocess(id, { target: this.#options.target });
    if (!stream) return;
    feed.stream = stream;
    let over = false;
    const ended = (why: string) => {
      if (over) return;
      over = true;
      // Whatever it handed out on this stream is void on its side now.
      feed.queue.length = 0;
      if (feed.stream === stream) delete feed.stream;
      if (this.#closed) return;
      this.#options.log.debug({ signer: id, why }, 'preprocessing stream ended; reopening');
      feed.retry = setTimeout(() => this.#open(id, feed), feed.backoffMs);
      feed.retry.unref();
      feed.backoffMs = Math.min(MAX_BACKOFF_MS, feed.backoffMs * 2);
    };
    stream.on('data', (batch: PreprocessResponse) => {
      if (over) return;
      const fresh = this.#accept(id, batch);
      if (!fresh) {
        stream.cancel();
        return ended('invalid commitment');
      }
      feed.backoffMs = MIN_BACKOFF_MS;
      feed.queue.push(...fresh);
    });
    stream.on('error', (err: Error) => ended(err.message));
    stream.on('end', () => ended('ended by the signer'));
  }

  /** The batch's commitments, or undefined (signer marked faulty) when one is malformed. */
  #accept(id: number, batch: PreprocessResponse): Pooled[] | undefined {
    const usableUntil = this.#now() + batch.ttlMs * USABLE_SHARE;
    try {
      if (batch.signerId !== id) throw new Error(`batch names signer ${batch.signerId}`);
      return batch.commitments.map((c) => {
        const commitment = { id, hiding: c.hiding, binding: c.binding };
        // RFC 9591 §3.1: validate on arrival, so a malformed commitment blames its signer.
        checkCommitment(commitment);
        if (c.id === '') throw new Error('a commitment without an id');
        return { commitmentId: c.id, commitment, usableUntil };
      });
    } catch (err) {
      this.#pool.markFaulty(id, `invalid preprocessed commitment: ${(err as Error).message}`);
      return undefined;
    }
  }

  #dropExpired(feed: Feed): void {
    const now = this.#now();
    let stale = 0;
    while (stale < feed.queue.length && feed.queue[stale]!.usableUntil <= now) stale++;
    if (stale > 0) feed.queue.splice(0, stale);
  }
}
