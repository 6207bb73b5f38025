import { type SigningCommitment, type SigningNonces, UnavailableError } from '@frostmint/core';
import type { PreprocessedCommitment, PreprocessResponse } from '@frostmint/proto';
import type { NonceStore } from './nonce-store.ts';

/** Commitments one stream keeps outstanding at most, whatever the coordinator asks for. */
export const MAX_STREAM_TARGET = 256;

/** Fresh nonces and their commitments, made with this signer's share (RFC 9591 §5.1). */
export type CommitmentSource = (
  count: number,
) => Promise<{ nonces: SigningNonces; commitment: SigningCommitment }[]>;

export interface PreprocessorOptions {
  readonly signerId: number;
  readonly store: NonceStore;
  readonly generate: CommitmentSource;
}

/** One open `PreprocessCommitments` stream, as the transport sees it. */
export interface PreprocessSink {
  /** Sends one batch; false when the stream is gone. */
  send(batch: PreprocessResponse): boolean;
  /** Ends the stream with an error (the signer failed to make commitments). */
  fail(err: unknown): void;
}

interface Stream {
  readonly target: number;
  readonly sink: PreprocessSink;
  readonly outstanding: Set<string>;
  filling: boolean;
  closed: boolean;
}

/**
 * FROST preprocessing streams (Komlo–Goldberg 2020 §5.2; RFC 9591 §5.1 run ahead of time):
 * each open stream gets `target` commitments at once, and is topped up whenever half of
 * them have left the nonce store (used by any coordinator, or expired). Nonces stay in the
 * `NonceStore` (memory only, single use, expiring); a stream that ends wipes the ones it
 * still had outstanding, so a count of `MAX_STREAM_TARGET` per stream, and the store's
 * capacity overall, bound what is kept.
 *
 * @example
 * ```ts
 * const pre = new Preprocessor({ signerId: 1, store, generate });
 * const close = pre.open(64, { send: (b) => call.write(b), fail: (e) => call.destroy(e) });
 * call.on('cancelled', close);
 * ```
 */
export class Preprocessor {
  readonly #options: PreprocessorOptions;
  readonly #streams = new Set<Stream>();
  /** Which stream each outstanding id was handed out on. */
  readonly #owners = new Map<string, Stream>();

  constructor(options: PreprocessorOptions) {
    this.#options = options;
  }

  /** The `NonceStore` `onForget` hook: an id left the store, so its stream may need more. */
  forgotten(id: string): void {
    const stream = this.#owners.get(id);
    if (!stream) return;
    this.#owners.delete(id);
    stream.outstanding.delete(id);
    if (stream.outstanding.size <= stream.target / 2) void this.#fill(stream);
  }

  /** Opens a stream wanting `target` commitments outstanding; returns its close function. */
  open(target: number, sink: PreprocessSink): () => void {
    const stream: Stream = {
      target: Math.max(1, Math.min(MAX_STREAM_TARGET, Math.floor(target) || 1)),
      sink,
      outstanding: new Set(),
      filling: false,
      closed: false,
    };
    this.#streams.add(stream);
    void this.#fill(stream);
    return () => this.#close(stream);
  }

  /** Number of open streams. */
  get streams(): number {
    return this.#streams.size;
  }

  /** Ends every stream (the signer stops, or its group key changed). */
  closeAll(): void {
    for (const stream of [...this.#streams]) {
      this.#close(stream);
      stream.sink.fail(
        new UnavailableError(
          'signer_unavailable',
          'preprocessing ended: the signer stops or its key changed',
        ),
      );
    }
  }

  async #fill(stream: Stream): Promise<void> {
    if (stream.filling || stream.closed) return;
    stream.filling = true;
    try {
      for (;;) {
        const { store } = this.#options;
        const want = Math.min(stream.target - stream.outstanding.size, store.room);
        if (stream.closed || want <= 0 || stream.outstanding.size > stream.target / 2) return;
        const made = await this.#options.generate(want);
        if (stream.closed) {
          for (const { nonces } of made) wipeNonces(nonces);
          return;
        }
        const commitments: PreprocessedCommitment[] = [];
        for (const [i, { nonces, commitment }] of made.entries()) {
          if (store.room === 0) {
            // Full meanwhile (other streams, round one): keep what fits, wait for room.
            for (const rest of made.slice(i)) wipeNonces(rest.nonces);
            break;
          }
          const id = store.issue(commitment, nonces);
          stream.outstanding.add(id);
          this.#owners.set(id, stream);
          commitments.push({
            id,
            hiding: Buffer.from(commitment.hiding),
            binding: Buffer.from(commitment.binding),
          });
        }
        if (commitments.length === 0) return;
        const sent = stream.sink.send({
          signerId: this.#options.signerId,
          ttlMs: store.ttlMs,
          commitments,
        });
        if (!sent) return this.#close(stream);
      }
    } catch (err) {
      this.#close(stream);
      stream.sink.fail(err);
    } finally {
      stream.filling = false;
    }
  }

  #close(stream: Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    this.#streams.delete(stream);
    const ids = [...stream.outstanding];
    for (const id of ids) this.#owners.delete(id);
    stream.outstanding.clear();
    this.#options.store.discard(ids);
  }
}

function wipeNonces(n: SigningNonces): void {
  n.hiding.fill(0);
  n.binding.fill(0);
}
