import {
  type NoteSignature,
  type NoteVerifier,
  parseCheckpoint,
  parseSignedNote,
  verifierFromKey,
  verifyNote,
} from '@frostmint/core';
import { WitnessError } from './errors.ts';
import { addCheckpointBody, parseCosignatureLines, parseKnownSize } from './protocol.ts';

/** One external witness an operator configured: its name, submission prefix and key. */
export interface WitnessEndpoint {
  /** The witness's key name (its cosignature lines carry it). */
  readonly name: string;
  /** Submission prefix: the client POSTs `${url}/add-checkpoint`. */
  readonly url: string;
  /** Its C2SP verifier key, `name+<key id>+base64(0x04 ‖ Ed25519 public key)`. */
  readonly key: string;
}

/** A quorum-signed checkpoint to submit, and how to prove it extends an older size. */
export interface CheckpointSubmission {
  /** The signed note: checkpoint text, blank line, the quorum's signature line. */
  readonly note: string;
  /** RFC 9162 §2.1.4 consistency proof from `oldSize` to this checkpoint's size. */
  consistencyProof(oldSize: number): Promise<readonly Uint8Array[]>;
}

/** How a client talks to its witness. */
export interface WitnessClientOptions {
  /** Per-request deadline, milliseconds. */
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

/** tlog-witness: a 409 tells the witness's size; one retry from it, then give up. */
const MAX_ATTEMPTS = 3;

/**
 * A client of one C2SP tlog-witness (https://c2sp.org/tlog-witness): submits checkpoints
 * with a consistency proof from the size the witness last cosigned, learns that size from a
 * 409 answer, and returns only cosignatures that verify under the configured key.
 *
 * @example
 * ```ts
 * const client = new WitnessClient({ name, url, key }, { timeoutMs: 5_000 });
 * const cosignature = await client.cosign({ note, consistencyProof: (old) => log.proof(old, size) });
 * ```
 */
export class WitnessClient {
  readonly verifier: NoteVerifier;
  /** The size this witness last cosigned for our log, when known (0: never). */
  private knownSize: number | undefined;

  constructor(
    readonly endpoint: WitnessEndpoint,
    private readonly options: WitnessClientOptions,
  ) {
    this.verifier = verifierFromKey(endpoint.key);
    if (this.verifier.name !== endpoint.name) {
      throw new RangeError(`witness ${endpoint.name}: its key is named ${this.verifier.name}`);
    }
  }

  /** The size the witness last cosigned, as far as this client knows. */
  get lastSize(): number | undefined {
    return this.knownSize;
  }

  /**
   * Submits `submission` and returns the witness's verified cosignature; throws a
   * `WitnessError` (never a cosignature that does not verify).
   */
  async cosign(submission: CheckpointSubmission): Promise<NoteSignature> {
    const { text } = parseSignedNote(submission.note);
    const { size } = parseCheckpoint(text);
    for (let attempt = 1; ; attempt++) {
      const oldSize = Math.min(this.knownSize ?? 0, size);
      const proof =
        oldSize === 0 || oldSize === size ? [] : await submission.consistencyProof(oldSize);
      const { status, body } = await this.post(
        addCheckpointBody({ oldSize, proof, note: submission.note }),
      );
      if (status === 200) {
        const cosignature = this.verified(text, body);
        this.knownSize = size;
        return cosignature;
      }
      if (status === 409) {
        const known = parseKnownSize(body);
        if (known === undefined) throw this.error('witness_answer_invalid', '409 without a size');
        this.knownSize = known;
        if (known > size) {
          throw this.error('witness_conflict', `it cosigned size ${known}, beyond ${size}`);
        }
        if (attempt < MAX_ATTEMPTS) continue;
        throw this.error('witness_conflict', `its size keeps moving (last ${known})`);
      }
      throw this.statusError(status, body);
    }
  }

  private verified(text: string, body: string): NoteSignature {
    const lines = parseCosignatureLines(text, body);
    if (!lines) throw this.error('witness_answer_invalid', 'the answer is not signature lines');
    try {
      // tlog-witness: "use a note verification function configured with the witness keys".
      return verifyNote({ text, signatures: lines }, [this.verifier]).verified[0]!;
    } catch (err) {
      throw this.error('witness_answer_invalid', (err as Error).message, err);
    }
  }

  private async post(body: string): Promise<{ status: number; body: string }> {
    const doFetch = this.options.fetch ?? fetch;
    try {
      const response = await doFetch(new URL('add-checkpoint', withSlash(this.endpoint.url)), {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      return { status: response.status, body: await response.text() };
    } catch (err) {
      throw this.error('witness_unreachable', (err as Error).message, err);
    }
  }

  private statusError(status: number, body: string): WitnessError {
    const said = body.trim().slice(0, 200);
    switch (status) {
      case 403:
      case 404:
        return this.error('witness_refused', `HTTP ${status}: ${said}`);
      case 422:
        return this.error('witness_inconsistent', `HTTP 422: ${said}`);
      default:
        return this.error('witness_unreachable', `HTTP ${status}: ${said}`);
    }
  }

  private error(code: WitnessError['code'], message: string, cause?: unknown): WitnessError {
    return new WitnessError(code, this.endpoint.name, message, { cause });
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
