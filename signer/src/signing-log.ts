import { createHash } from 'node:crypto';
import { type FileHandle, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from '@frostmint/core';

/** The log's file name inside the signer's state directory. */
export const SIGNING_LOG_FILE = 'signing-log.jsonl';

/** Hash of the (absent) entry before the first one. */
const GENESIS = '0'.repeat(64);

/** What a signer did with one signing request. */
export type SigningLogEvent =
  | {
      readonly kind: 'signed';
      /** `token` or `enrollment`. */
      readonly purpose: string;
      readonly requestId: string;
      /** The token's `jti`, or the enrollment certificate's id. */
      readonly id: string;
      readonly sub: string;
      /**
       * Hex SHA-256 of the signed message: the signer requires inclusion proofs of it in the
       * audit log before co-signing later checkpoints (transparency/log-witness.ts).
       */
      readonly signingInputSha256?: string;
    }
  | {
      readonly kind: 'refused';
      readonly requestId: string;
      /** The stable refusal code the coordinator received. */
      readonly code: string;
    };

/** One line of the log: the event, its position, time, and the hash chain. */
export type SigningLogEntry = SigningLogEvent & {
  readonly seq: number;
  readonly at: string;
  /** `hash` of the previous entry (64 zeros for the first). */
  readonly prev: string;
  /** SHA-256 of the canonical JSON of this entry without `hash`. */
  readonly hash: string;
};

/**
 * The signer's own append-only record of what it signed and refused, hash chained, in its
 * state directory (`signing-log.jsonl`). Appends are grouped: each batch is written and
 * `fdatasync`ed once, and `append` resolves only when its entry is on disk, so a share is
 * never returned before the signer's log holds it. Cross-check it against the
 * coordinator's audit log; `frostmint-signer log verify` checks the chain.
 *
 * @example
 * ```ts
 * const log = await SigningLog.open(stateDir);
 * await log.append({ kind: 'refused', requestId, code: 'token_iat_skew' });
 * ```
 */
export class SigningLog {
  readonly #file: FileHandle;
  #seq: number;
  #head: string;
  #queue: { line: string; done: (err?: unknown) => void }[] = [];
  #flushing: Promise<void> | undefined;

  private constructor(file: FileHandle, seq: number, head: string) {
    this.#file = file;
    this.#seq = seq;
    this.#head = head;
  }

  /** Sequence number of the last entry appended (0 when empty). */
  get seq(): number {
    return this.#seq;
  }

  /** Opens (creating) the log in `stateDir`, continuing its chain after checking it. */
  static async open(stateDir: string): Promise<SigningLog> {
    const path = join(stateDir, SIGNING_LOG_FILE);
    const checked = await verifySigningLog(path);
    if (!checked.ok) throw new Error(`signing log ${path} is damaged: ${checked.error}`);
    const file = await open(path, 'a', 0o600);
    // A line cut short by a crash was never synced, so no answer depended on it: drop it.
    if (checked.tornBytes > 0) await file.truncate(checked.validBytes);
    return new SigningLog(file, checked.entries, checked.head);
  }

  /** Appends one event; resolves once it is on disk. */
  append(event: SigningLogEvent, now = new Date()): Promise<void> {
    const body = { ...event, seq: this.#seq + 1, at: now.toISOString(), prev: this.#head };
    const hash = entryHash(body);
    this.#seq += 1;
    this.#head = hash;
    const line = `${canonicalJson({ ...body, hash })}\n`;
    return new Promise((resolve, reject) => {
      this.#queue.push({ line, done: (err) => (err ? reject(err) : resolve()) });
      this.#flushing ??= this.#flush();
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        await this.#file.appendFile(batch.map((b) => b.line).join(''));
        await this.#file.datasync();
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err);
      }
    }
    this.#flushing = undefined;
  }

  async close(): Promise<void> {
    await this.#flushing;
    await this.#file.close();
  }
}

/**
 * The `signed` entries after sequence number `after` that name a signing input hash, from
 * the log in `stateDir` (complete lines only; the chain is checked when the log is opened).
 *
 * @example
 * ```ts
 * const recent = await signedSince(stateDir, state.journalSeq);
 * ```
 */
export async function signedSince(
  stateDir: string,
  after: number,
): Promise<{ signingInputSha256: string; at: number }[]> {
  let text: string;
  try {
    text = await readFile(join(stateDir, SIGNING_LOG_FILE), 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return [];
    throw err;
  }
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  return lines.flatMap((line) => {
    if (line.length === 0) return [];
    const entry = JSON.parse(line) as SigningLogEntry;
    if (entry.seq <= after || entry.kind !== 'signed' || !entry.signingInputSha256) return [];
    return [{ signingInputSha256: entry.signingInputSha256, at: Date.parse(entry.at) }];
  });
}

function entryHash(body: object): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** Result of {@link verifySigningLog}. */
export type SigningLogCheck =
  | {
      readonly ok: true;
      readonly entries: number;
      readonly head: string;
      /** Length of the complete lines. */
      readonly validBytes: number;
      /** Bytes of an unterminated last line (a write cut short by a crash), else 0. */
      readonly tornBytes: number;
    }
  | { readonly ok: false; readonly entries: number; readonly error: string };

/**
 * Checks a signing log: every line parses, sequence numbers run 1, 2, 3…, each entry's
 * `prev` is the previous entry's `hash`, and each `hash` matches its entry. A missing file
 * is an empty log; an unterminated last line (a crash mid-write) is reported, not counted.
 *
 * @example
 * ```ts
 * const check = await verifySigningLog('/var/lib/frostmint/signer-1/signing-log.jsonl');
 * if (!check.ok) console.error(check.error);
 * ```
 */
export async function verifySigningLog(path: string): Promise<SigningLogCheck> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT')
      return { ok: true, entries: 0, head: GENESIS, validBytes: 0, tornBytes: 0 };
    throw err;
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  let head = GENESIS;
  const lines = complete.split('\n').filter((l) => l.length > 0);
  for (const [i, line] of lines.entries()) {
    const at = `entry ${i + 1}`;
    let entry: SigningLogEntry;
    try {
      entry = JSON.parse(line) as SigningLogEntry;
    } catch {
      return { ok: false, entries: i, error: `${at}: not JSON (truncated write?)` };
    }
    const { hash, ...body } = entry;
    if (body.seq !== i + 1) return { ok: false, entries: i, error: `${at}: seq ${body.seq}` };
    if (body.prev !== head) return { ok: false, entries: i, error: `${at}: chain broken` };
    if (entryHash(body) !== hash) return { ok: false, entries: i, error: `${at}: hash mismatch` };
    head = hash;
  }
  const validBytes = Buffer.byteLength(complete);
  return {
    ok: true,
    entries: lines.length,
    head,
    validBytes,
    tornBytes: Buffer.byteLength(text) - validBytes,
  };
}
