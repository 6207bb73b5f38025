import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConflictError,
  type GroupConfig,
  hasCode,
  InvalidRequestError,
  parseGroupConfig,
} from '@frostmint/core';
import type { Logger } from 'pino';
import type { SignerEndpoint } from '../config.ts';
import type {
  GroupConfigSource,
  GroupConfigStore,
  JsonObject,
  StoredGroupConfig,
} from '../storage/index.ts';

/** The group configuration files a coordinator imports from its state directory. */
export const GROUP_FILES = ['group.json', 'group.next.json'] as const;

/** Options of {@link GroupLifecycle}. */
export interface GroupLifecycleOptions {
  readonly store: GroupConfigStore;
  /**
   * How long a replaced key stays published after the switch, seconds: the longest token
   * lifetime, the verifiers' clock tolerance and their JWKS cache window.
   */
  readonly retainSeconds: number;
  /** How long a next key must have been published before it may sign, seconds. */
  readonly prepublishSeconds: number;
  readonly now?: () => number;
}

/** `force`: switch before the pre-publish window, or withdraw a retired key early (compromise). */
export interface LifecycleChange {
  readonly force?: boolean;
}

/**
 * The key lifecycle rules over the stored group configurations: record a ceremony's
 * result, pre-publish, switch, retire. The store keeps the state; this class decides what
 * is allowed when.
 *
 * @example
 * ```ts
 * const lifecycle = new GroupLifecycle({ store: store.groups, retainSeconds: 1500, prepublishSeconds: 300 });
 * await lifecycle.record(signed, 'ceremony'); // next (a current key exists)
 * await lifecycle.switchTo(signed.kid);       // after 300 s
 * ```
 */
export class GroupLifecycle {
  readonly #now: () => number;

  constructor(private readonly options: GroupLifecycleOptions) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Stores a checked group configuration (see `GroupConfigStore.add`): a refresh of a
   * stored key takes its state, a new key is current when there is none, next otherwise.
   * `signers`: the endpoints holding its shares (absent: the key's stored ones, else the
   * coordinators' configured signers).
   *
   * @example
   * ```ts
   * const row = await lifecycle.record(await parseGroupConfig(json, 'body'), 'operator');
   * ```
   */
  record(
    config: GroupConfig,
    source: GroupConfigSource,
    signers?: readonly SignerEndpoint[],
  ): Promise<StoredGroupConfig> {
    return this.options.store.add({
      kid: config.kid,
      epoch: config.version === 2 ? config.epoch : 0,
      config: config as unknown as JsonObject,
      source,
      ...(signers ? { signers: signers.map((s) => ({ ...s })) } : {}),
    });
  }

  /**
   * Imports `group.json` and `group.next.json` from the state directory (deployments from
   * before the store held the group). A file the store has already moved past (an older
   * epoch, a key since retired) is left alone: the store wins. Returns what was imported.
   *
   * @example
   * ```ts
   * await lifecycle.importFiles(config.stateDir, log);
   * ```
   */
  async importFiles(stateDir: string, log: Logger): Promise<StoredGroupConfig[]> {
    const imported: StoredGroupConfig[] = [];
    for (const name of GROUP_FILES) {
      const path = join(stateDir, name);
      const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (text === undefined) continue;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new InvalidRequestError('group_config_invalid', `${path} is not JSON`);
      }
      const config = await parseGroupConfig(json, path);
      try {
        imported.push(await this.record(config, 'file'));
      } catch (err) {
        if (!hasCode(err, 'store_conflict') && !hasCode(err, 'store_invalid_transition')) throw err;
        log.info({ kid: config.kid, file: name }, 'group file is older than the store: ignored');
      }
    }
    return imported;
  }

  /**
   * Makes the next key `kid` current; the current one is retired and stays published for
   * `retainSeconds`. Refused with `group_key_not_prepublished` while the next key has been
   * published for less than `prepublishSeconds`, unless forced.
   *
   * @example
   * ```ts
   * await lifecycle.switchTo('kid-of-the-new-dkg');
   * ```
   */
  async switchTo(kid: string, change: LifecycleChange = {}): Promise<StoredGroupConfig> {
    const now = this.#now();
    const next = (await this.options.store.list()).find((r) => r.kid === kid && r.state === 'next');
    const publishedFor = next ? (now - next.publishedAt.getTime()) / 1000 : 0;
    if (next && publishedFor < this.options.prepublishSeconds && !change.force) {
      throw new ConflictError(
        'group_key_not_prepublished',
        `${kid} has been published for ${Math.floor(publishedFor)} s; verifiers may not hold it ` +
          `before ${this.options.prepublishSeconds} s`,
      );
    }
    return this.options.store.switchTo(kid, new Date(now + this.options.retainSeconds * 1000));
  }

  /**
   * Stops publishing a key: a next key at once (it never signed), a retired key only once
   * its retention is over (then it is gone already) or, forced, at once (a compromised key:
   * tokens it signed stop verifying). Refused with `group_key_in_use` otherwise.
   *
   * @example
   * ```ts
   * await lifecycle.retire(leaked.kid, { force: true });
   * ```
   */
  async retire(kid: string, change: LifecycleChange = {}): Promise<StoredGroupConfig> {
    const now = this.#now();
    const row = (await this.options.store.list()).find((r) => r.kid === kid);
    const until = row?.publishUntil?.getTime();
    if (row?.state === 'retired' && until !== undefined && until > now && !change.force) {
      throw new ConflictError(
        'group_key_in_use',
        `${kid} may have unexpired tokens: it stays published until ${new Date(until).toISOString()}`,
      );
    }
    return this.options.store.retire(kid, new Date(Math.min(now, until ?? now)));
  }

  /**
   * Every stored configuration not superseded: current, then next, then retired.
   *
   * @example
   * ```ts
   * const rows = await lifecycle.list();
   * ```
   */
  list(): Promise<StoredGroupConfig[]> {
    return this.options.store.list();
  }
}
