import { FrostmintError, fromRefusal } from '@frostmint/core';
import type { SignBatchResponse, SignRequest, SignResponse } from '@frostmint/proto';
import type { SignerPool } from './signer-pool.ts';

/** Requests one `SignBatch` call carries at most (the signer takes up to 64). */
export const MAX_BATCH = 16;

interface Pending {
  readonly req: SignRequest;
  readonly resolve: (res: SignResponse) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Round-two requests to the same signer that arrive in the same turn of the event loop
 * (concurrent mints) share one RPC: one request alone goes out as a plain `Sign`, several
 * as one `SignBatch`, whose results are matched back in order. Each request is answered on
 * its own — a refusal in the batch rejects only its request, with the same typed error a
 * unary `Sign` refused this way raises. The queue is flushed with `setImmediate`, so a lone
 * request waits for nothing but the current I/O phase to finish.
 *
 * @example
 * ```ts
 * const batcher = new SignBatcher(pool);
 * const { signatureShare } = await batcher.sign(1, request);
 * ```
 */
export class SignBatcher {
  readonly #pool: SignerPool;
  readonly #queues = new Map<number, Pending[]>();
  #scheduled = false;

  constructor(pool: SignerPool) {
    this.#pool = pool;
  }

  /** Asks signer `id` for a signature share, batched with concurrent requests to it. */
  sign(id: number, req: SignRequest): Promise<SignResponse> {
    return new Promise((resolve, reject) => {
      const queue = this.#queues.get(id);
      if (queue) queue.push({ req, resolve, reject });
      else this.#queues.set(id, [{ req, resolve, reject }]);
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const queues = [...this.#queues];
    this.#queues.clear();
    for (const [id, queue] of queues) {
      for (let i = 0; i < queue.length; i += MAX_BATCH)
        this.#send(id, queue.slice(i, i + MAX_BATCH));
    }
  }

  #send(id: number, batch: Pending[]): void {
    if (batch.length === 1) {
      const [one] = batch as [Pending];
      this.#pool.call(id, 'sign', one.req).then(one.resolve, one.reject);
      return;
    }
    this.#pool.call(id, 'signBatch', { requests: batch.map((p) => p.req) }).then(
      (res) => answerEach(id, batch, res),
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  }
}

function answerEach(id: number, batch: readonly Pending[], res: SignBatchResponse): void {
  const peer = `signer ${id}`;
  if (res.results.length !== batch.length) {
    const err = new FrostmintError(
      'signer_answer_invalid',
      `${peer} answered ${res.results.length} results to a batch of ${batch.length}`,
    );
    for (const p of batch) p.reject(err);
    return;
  }
  for (const [i, p] of batch.entries()) {
    const outcome = res.results[i]!.outcome;
    if (outcome?.$case === 'response') p.resolve(outcome.value);
    else if (outcome?.$case === 'refusal') p.reject(fromRefusal(outcome.value, peer));
    else p.reject(new FrostmintError('signer_answer_invalid', `${peer} left a request unanswered`));
  }
}
