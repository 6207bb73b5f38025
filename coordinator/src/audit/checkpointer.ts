import { EventEmitter } from 'node:events';
import {
  formatCheckpoint,
  formatSignedNote,
  noteSignature,
  noteVerifier,
  verifyNote,
} from '@frostmint/core';
import { type CheckpointProofs, SigningPurpose } from '@frostmint/proto';
import type { Logger } from 'pino';
import type { TokenSigner } from '../signing/round-driver.ts';
import type { SignerPool } from '../signing/signer-pool.ts';
import type { AuditStore } from '../storage/index.ts';
import type { AuditLog } from './audit-log.ts';
import type { AuditConfig } from './config.ts';
import type { LogTree } from './log-tree.ts';
import type { WitnessCosigner } from './witness/cosigner.ts';

/** How many reported signing inputs a coordinator remembers having logged (never twice). */
const LOGGED_REPORTS = 4096;

/** A checkpoint the quorum co-signed, as stored in `audit_checkpoints`. */
export interface CutCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  /** The signed note: checkpoint text, blank line, the quorum's signature line. */
  readonly note: string;
}

/** The signers that co-sign a checkpoint and the group key their signature verifies under. */
export interface CheckpointQuorum {
  readonly pool: Pick<SignerPool, 'status' | 'call'>;
  readonly signer: TokenSigner;
  /** The FROST group public key (32 bytes): the quorum's note key. */
  readonly groupKey: Uint8Array;
  readonly threshold: number;
}

/** Options of {@link Checkpointer}. */
export interface CheckpointerOptions {
  readonly config: AuditConfig;
  readonly store: AuditStore;
  readonly tree: LogTree;
  /** Where the signing inputs signers report unlogged are recorded (`unlogged_signing`). */
  readonly audit: Pick<AuditLog, 'record'>;
  /**
   * The quorum that co-signs the next checkpoint, asked at every cut: the live group's, so a
   * key switch moves checkpoints to the new key and its signers. Undefined before the DKG.
   */
  readonly quorum: () => CheckpointQuorum | undefined;
  readonly log: Logger;
  /** External witnesses: each co-signed checkpoint is submitted, their cosignatures attached. */
  readonly witnesses?: Pick<WitnessCosigner, 'cosign'>;
  /** Told of every signing input logged from a signer's report (`unlogged_signing`). */
  readonly onUnlogged?: (signer: number) => void;
  /** Told of every checkpoint cut and how long cutting + co-signing took. */
  readonly onCut?: (checkpoint: CutCheckpoint, ms: number) => void;
}

/**
 * Cuts audit-log checkpoints (C2SP tlog-checkpoint) and has the signer quorum co-sign them
 * (purpose CHECKPOINT): every `checkpointIntervalMs` while the log grew, or once
 * `checkpointEntries` entries were appended. When the log did not grow it cuts only to let
 * a signer that answered but did not co-sign the last tree co-sign it too (same size). Each round carries
 * a consistency proof from every old size the signers report (`Info.checkpoint_size`) and
 * inclusion proofs of the entries since the smallest, so each signer can check it extends
 * its last checkpoint and find the tokens it co-signed; the signers who saw the oldest
 * checkpoint are asked first, so every signer keeps up. The signed note is stored in
 * `audit_checkpoints`.
 *
 * @example
 * ```ts
 * const quorum = () => ({ pool, signer: driver, groupKey, threshold });
 * const checkpointer = new Checkpointer({ config, store: store.audit, tree, audit, quorum, log });
 * checkpointer.start();
 * const cut = await checkpointer.cut();
 * ```
 */
export class Checkpointer {
  readonly #options: CheckpointerOptions;
  readonly #events = new EventEmitter();
  #timer: NodeJS.Timeout | undefined;
  #lastSize = -1;
  #lastCutAt = 0;
  /**
   * A signer answered at the last cut but did not co-sign it: it may hold tokens that only a
   * checkpoint it co-signs proves logged, so the tree is co-signed again (same size) at the
   * next interval even when the log did not grow.
   */
  #behind = false;
  #running: Promise<CutCheckpoint | undefined> | undefined;
  /** Signing inputs signers reported unlogged that this coordinator has logged, oldest first. */
  readonly #loggedReports = new Set<string>();

  constructor(options: CheckpointerOptions) {
    this.#options = options;
    this.#events.setMaxListeners(0);
  }

  /** Starts the background loop (checks the log size every interval, up to 4 times a second). */
  start(): void {
    const { checkpointIntervalMs } = this.#options.config;
    this.#timer = setInterval(() => void this.#tick(), Math.min(checkpointIntervalMs, 250));
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  /**
   * Resolves with the first checkpoint stored from now on whose tree covers leaf `index`
   * (its size is above `index`), or undefined after `timeoutMs`.
   */
  waitCovering(index: number, timeoutMs: number): Promise<CutCheckpoint | undefined> {
    return new Promise((resolve) => {
      const done = (checkpoint?: CutCheckpoint) => {
        clearTimeout(timer);
        this.#events.off('cut', onCut);
        resolve(checkpoint);
      };
      const onCut = (checkpoint: CutCheckpoint) => {
        if (checkpoint.size > index) done(checkpoint);
      };
      const timer = setTimeout(() => done(), timeoutMs);
      timer.unref();
      this.#events.on('cut', onCut);
    });
  }

  /**
   * Cuts and co-signs one checkpoint now, unless the log did not grow or there is no group
   * key yet; one at a time.
   */
  cut(): Promise<CutCheckpoint | undefined> {
    this.#running ??= this.#cut().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #tick(): Promise<void> {
    if (this.#running) return;
    const { checkpointIntervalMs, checkpointEntries } = this.#options.config;
    try {
      const size = await this.#options.store.size();
      const due =
        Date.now() - this.#lastCutAt >= checkpointIntervalMs ||
        size - this.#lastSize >= checkpointEntries;
      if ((size > this.#lastSize || this.#behind) && due) await this.cut();
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'internal';
      this.#options.log.warn({ code, reason: (err as Error).message }, 'checkpoint not co-signed');
    }
  }

  async #cut(): Promise<CutCheckpoint | undefined> {
    const started = performance.now();
    const { config, store, tree } = this.#options;
    const quorum = this.#options.quorum();
    if (!quorum) return undefined;
    let logSize = await tree.sync();
    const latest = await store.latestCheckpoint();
    this.#lastCutAt = Date.now();
    // The log did not grow: co-sign the same tree again only for a signer left behind.
    const again = latest !== null && latest.treeSize >= logSize;
    if (logSize === 0 || (again && !this.#behind)) {
      this.#lastSize = Math.max(this.#lastSize, latest?.treeSize ?? 0);
      return undefined;
    }
    const witnesses = await signerHeads(quorum.pool);
    if (await this.#logReported(witnesses)) logSize = await tree.sync();
    // Always the whole log: a smaller tree than any signer's last would be refused as shrunk.
    const size = logSize;
    const oldest = Math.min(...witnesses.map((w) => w.size).filter((s) => s <= size), size);
    // Inclusion proofs only for the newest entries: a signer's unproven tokens are recent.
    const from = Math.max(oldest, size - config.maxEntriesPerCheckpoint);
    const root = tree.root(size);
    const text = formatCheckpoint({ origin: config.origin, size, root });
    const message = Buffer.from(text);
    const proofs = await this.#proofs(size, witnesses, from);
    const { signature, signers } = await this.#sign(quorum, message, proofs, witnesses, size);
    this.#behind = witnesses.some((w) => w.size < size && !signers.includes(w.id));
    const note = formatSignedNote({
      text,
      signatures: [noteSignature(config.origin, quorum.groupKey, signature)],
    });
    verifyNote(note, [noteVerifier(config.origin, quorum.groupKey)]);
    // The same tree again: the stored note (with its witnesses' cosignatures) stays.
    const witnessed = again ? note : await this.#witness(note, size);
    await store.putCheckpoint({
      treeSize: size,
      rootHash: root,
      signed: Buffer.from(witnessed),
      createdAt: new Date(),
    });
    this.#lastSize = size;
    const checkpoint = { size, root, note: witnessed };
    this.#options.onCut?.(checkpoint, performance.now() - started);
    this.#events.emit('cut', checkpoint);
    return checkpoint;
  }

  /**
   * Logs each signing input a signer reports co-signed but unproven (`unlogged_signing`),
   * once per coordinator, so this checkpoint proves it; whether any was logged.
   */
  async #logReported(heads: readonly SignerHead[]): Promise<boolean> {
    let logged = false;
    for (const { id, unlogged } of heads) {
      for (const sha of unlogged) {
        if (this.#loggedReports.has(sha)) continue;
        await this.#options.audit.record({
          type: 'unlogged_signing',
          signer: id,
          signing_input_sha256: sha,
        });
        this.#options.log.error(
          { signer: id, signingInputSha256: sha },
          'a signer co-signed a signing input no audit entry holds: logged from its report',
        );
        this.#options.onUnlogged?.(id);
        this.#loggedReports.add(sha);
        if (this.#loggedReports.size > LOGGED_REPORTS) {
          this.#loggedReports.delete(this.#loggedReports.values().next().value!);
        }
        logged = true;
      }
    }
    return logged;
  }

  /**
   * The note with the external witnesses' verified cosignatures appended (C2SP
   * tlog-witness, consistency proofs from the log tree); unchanged without witnesses.
   */
  async #witness(note: string, size: number): Promise<string> {
    const { witnesses, tree } = this.#options;
    if (!witnesses) return note;
    const consistencyProof = async (oldSize: number) => tree.consistencyProof(oldSize, size);
    return (await witnesses.cosign({ note, consistencyProof })).note;
  }

  /**
   * RFC 9162 §2.1.4.1 consistency proofs from each old size to `size`, and §2.1.3.1
   * inclusion proofs of the entries in [from, size) that name a signing input.
   */
  async #proofs(
    size: number,
    witnesses: readonly { size: number }[],
    from: number,
  ): Promise<CheckpointProofs> {
    const { store, tree } = this.#options;
    const olds = [...new Set(witnesses.map((w) => w.size))].filter((m) => m > 0 && m < size);
    const leaves = await readRange(store, from, size);
    return {
      consistency: olds.map((oldSize) => ({
        oldSize,
        hashes: tree.consistencyProof(oldSize, size).map((h) => Buffer.from(h)),
      })),
      entries: leaves
        .filter((leaf) => leaf.entryJson.includes('"signing_input_sha256"'))
        .map((leaf) => ({
          index: leaf.index,
          entry: Buffer.from(leaf.entryJson, 'utf8'),
          inclusion: tree.inclusionProof(leaf.index, size).map((h) => Buffer.from(h)),
        })),
    };
  }

  /**
   * The quorum signature: first by the `threshold` signers with the oldest checkpoints (so
   * each keeps proving its tokens logged), then by any quorum if one of them fails.
   */
  async #sign(
    { signer, threshold }: CheckpointQuorum,
    message: Uint8Array,
    checkpointProofs: CheckpointProofs,
    witnesses: readonly { id: number; size: number }[],
    size: number,
  ): Promise<{ signature: Uint8Array; signers: readonly number[] }> {
    const attempt = {
      messageFor: () => message,
      evidence: { kind: undefined },
      purpose: SigningPurpose.SIGNING_PURPOSE_CHECKPOINT,
      checkpointProofs,
      requestId: `checkpoint-${size}`,
    };
    const laggards = [...witnesses]
      .sort((a, b) => a.size - b.size || Math.random() - 0.5)
      .slice(0, threshold)
      .map((w) => w.id);
    if (laggards.length === threshold) {
      try {
        return await signer.sign({ ...attempt, signers: laggards });
      } catch (err) {
        this.#options.log.info(
          { signers: laggards, code: (err as { code?: string }).code },
          'checkpoint: the lagging signers did not co-sign, asking any quorum',
        );
      }
    }
    return signer.sign(attempt);
  }
}

/** A signer's last co-signed tree size and the signing inputs it reports unproven. */
interface SignerHead {
  readonly id: number;
  readonly size: number;
  readonly unlogged: readonly string[];
}

/** Every reachable signer's head (`Info.checkpoint_size`, `Info.unlogged_signing_inputs`). */
async function signerHeads(pool: CheckpointQuorum['pool']): Promise<SignerHead[]> {
  const answers = await Promise.allSettled(
    pool.status().map(async ({ id }) => {
      const info = await pool.call(id, 'info', {});
      const unlogged = info.unloggedSigningInputs.filter((sha) => /^[0-9a-f]{64}$/.test(sha));
      return { id, size: Number(info.checkpointSize), unlogged };
    }),
  );
  return answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
}

async function readRange(store: AuditStore, start: number, end: number) {
  const out = [];
  for (let at = start; at < end; ) {
    const chunk = await store.read(at, end);
    if (chunk.length === 0) break;
    out.push(...chunk);
    at += chunk.length;
  }
  return out;
}
