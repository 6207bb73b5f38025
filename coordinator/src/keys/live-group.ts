import { type GroupJwk, UnavailableError } from '@frostmint/core';
import type { Logger } from 'pino';
import type { QuorumSignature, SignAttempt, TokenSigner } from '../signing/round-driver.ts';
import type { GroupLifecycle } from './group-lifecycle.ts';
import { JwksKeyring, type KeyringEntry } from './jwks-keyring.ts';

/** What signs for one group configuration (one key at one epoch). */
export interface GroupRuntime {
  readonly entry: KeyringEntry;
  /** The round driver over this configuration's verifying shares. */
  readonly driver: TokenSigner;
}

/**
 * The refusal of a request that needs a group key before there is one (503 `group_missing`).
 *
 * @example
 * ```ts
 * if (!group.runtime) throw groupMissing();
 * ```
 */
export function groupMissing(): UnavailableError {
  return new UnavailableError('group_missing', 'no group key yet: run the DKG ceremony first');
}

/** Options of {@link LiveGroup}. */
export interface LiveGroupOptions<R extends GroupRuntime> {
  readonly lifecycle: GroupLifecycle;
  /**
   * Builds the runtime of a configuration that became current; `previous` is the one it
   * replaces (same kid: a share refresh).
   */
  readonly build: (entry: KeyringEntry, previous: R | undefined) => Promise<R> | R;
  /** Called after every swap, with the runtime now signing. */
  readonly swapped?: (runtime: R, previous: R | undefined) => void;
  /** Re-imported at every poll (`group.json`, `group.next.json`): a ceremony on PGlite writes there. */
  readonly stateDir: string;
  /** How often the store is read, milliseconds. */
  readonly pollMs: number;
  readonly log: Logger;
  readonly now?: () => number;
}

/**
 * The group configuration every replica follows from the store: it polls the stored
 * configurations and, when the current one changes (a share refresh, a switch to a new
 * key), builds what signs for it and swaps that and the JWKS keyring in one assignment, so
 * a mint sees either the old group or the new one, never a mix. It is itself the token
 * signer of the mint flows: each signing goes to the runtime current at that moment, and a
 * message naming another kid than the current key's (a request prepared before a switch)
 * is refused with `group_key_switched` rather than signed under a key it does not name.
 *
 * @example
 * ```ts
 * const live = new LiveGroup({ lifecycle, build, stateDir, pollMs: 1000, log });
 * await live.start();
 * app.get('/.well-known/jwks.json', () => ({ keys: live.keys() }));
 * ```
 */
export class LiveGroup<R extends GroupRuntime> implements TokenSigner {
  #keyring: JwksKeyring | undefined;
  #runtime: R | undefined;
  #seen = '';
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #lastError = '';
  #reloading: Promise<void> = Promise.resolve();
  readonly #now: () => number;

  constructor(private readonly options: LiveGroupOptions<R>) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Imports the state directory's group files, loads the store, then keeps polling.
   * Throws when the first load fails (the coordinator does not start on a bad group).
   *
   * @example
   * ```ts
   * await live.start();
   * ```
   */
  async start(): Promise<void> {
    await this.options.lifecycle.importFiles(this.options.stateDir, this.options.log);
    await this.reload();
    this.#schedule();
  }

  /** What signs now; undefined before any group exists. */
  get runtime(): R | undefined {
    return this.#runtime;
  }

  /** The keys the JWKS publishes now (current, next, retired within retention). */
  keys(): GroupJwk[] {
    return this.#keyring?.keys() ?? [];
  }

  /**
   * Reads the store and swaps when the current configuration changed. Safe to call any
   * time; the poll calls it.
   *
   * @example
   * ```ts
   * await live.reload(); // right after an operator's switch on this replica
   * ```
   */
  reload(): Promise<void> {
    // One reload at a time: the poll and an operator's change never build twice.
    const run = this.#reloading.then(() => this.#load());
    this.#reloading = run.catch(() => {});
    return run;
  }

  async #load(): Promise<void> {
    const rows = await this.options.lifecycle.list();
    const seen = rows
      .map((r) => `${r.kid}:${r.epoch}:${r.state}:${r.publishUntil?.getTime() ?? ''}`)
      .join('|');
    if (seen === this.#seen) return;
    const keyring = await JwksKeyring.fromStored(rows, this.#now);
    const current = keyring.current;
    const previous = this.#runtime;
    const changed =
      current?.row.kid !== previous?.entry.row.kid ||
      current?.row.epoch !== previous?.entry.row.epoch;
    const runtime = !changed ? previous : current && (await this.options.build(current, previous));
    // The swap: both assignments happen in one synchronous step.
    this.#keyring = keyring;
    this.#runtime = runtime;
    this.#seen = seen;
    if (runtime && changed) {
      this.options.log.info(
        {
          kid: runtime.entry.row.kid,
          epoch: runtime.entry.row.epoch,
          previous: previous?.entry.row.kid,
        },
        'group configuration switched: signing with the stored current configuration',
      );
      this.options.swapped?.(runtime, previous);
    }
  }

  async sign(attempt: SignAttempt): Promise<QuorumSignature> {
    const runtime = this.#runtime;
    if (!runtime) throw groupMissing();
    const named = messageKid(attempt.messageFor([...(attempt.signers ?? [])]));
    if (named !== undefined && named !== runtime.entry.jwk.kid) {
      throw new UnavailableError(
        'group_key_switched',
        `this request names group key ${named}; the coordinators sign with ${runtime.entry.jwk.kid} now: start it again`,
      );
    }
    return runtime.driver.sign(attempt);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#tick(), this.options.pollMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    try {
      await this.options.lifecycle.importFiles(this.options.stateDir, this.options.log);
      await this.reload();
      this.#lastError = '';
    } catch (err) {
      const message = (err as Error).message;
      // One line per distinct failure, not one per poll.
      if (message !== this.#lastError) {
        this.options.log.warn(
          { code: (err as { code?: string }).code, err: message },
          'group configuration poll failed: keeping the group in use',
        );
      }
      this.#lastError = message;
    } finally {
      this.#schedule();
    }
  }
}

/**
 * The kid a message to sign names: the `kid` of a JWS signing input's protected header
 * (RFC 7515 §5.1), or of a canonical-JSON enrollment certificate. Undefined otherwise.
 */
function messageKid(message: Uint8Array): string | undefined {
  const text = Buffer.from(message).toString('utf8');
  const json = (() => {
    try {
      return JSON.parse(
        text.startsWith('{')
          ? text
          : Buffer.from(text.slice(0, text.indexOf('.')), 'base64url').toString(),
      ) as unknown;
    } catch {
      return undefined;
    }
  })();
  const kid = (json as { kid?: unknown } | undefined)?.kid;
  return typeof kid === 'string' ? kid : undefined;
}
