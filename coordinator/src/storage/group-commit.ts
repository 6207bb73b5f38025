/** The most items one commit carries (keeps one INSERT well under PostgreSQL's 65 535 parameters). */
export const MAX_GROUP = 256;

/** How many items were committed in how many commits, since the committer was made. */
export interface GroupCommitStats {
  readonly items: number;
  readonly commits: number;
}

/** Options of {@link GroupCommitter}. */
export interface GroupCommitOptions<T, R> {
  /**
   * Writes `items` in ONE transaction and returns one result per item, in order. It must
   * be all or nothing: when it throws, none of the items may be stored.
   */
  readonly commit: (items: readonly T[]) => Promise<readonly R[]>;
  /** Most items per commit; defaults to {@link MAX_GROUP}. */
  readonly maxGroup?: number;
}

interface Waiter<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit: items submitted while a commit is running (or in the same tick) wait and
 * go together in the next commit, so N concurrent writers pay one transaction (one fsync)
 * instead of N. Every `submit` settles only after the commit holding its item returned:
 * resolved once it is durable, rejected with the commit's error otherwise (the whole group
 * fails — fail closed). Items are committed in submission order. One commit runs at a time
 * per committer; a lone writer commits at once (no added wait beyond one microtask).
 *
 * @example
 * ```ts
 * const appends = new GroupCommitter({ commit: (entries) => insertAllInOneTransaction(entries) });
 * const index = await appends.submit(entry); // durable here
 * ```
 */
export class GroupCommitter<T, R> {
  readonly #commit: (items: readonly T[]) => Promise<readonly R[]>;
  readonly #maxGroup: number;
  #queue: Waiter<T, R>[] = [];
  #draining = false;
  #items = 0;
  #commits = 0;

  constructor(options: GroupCommitOptions<T, R>) {
    this.#commit = options.commit;
    this.#maxGroup = options.maxGroup ?? MAX_GROUP;
  }

  /**
   * Queues `item` for the next commit; resolves with its result once that commit returned.
   *
   * @example
   * ```ts
   * const [a, b] = await Promise.all([appends.submit(x), appends.submit(y)]); // one commit
   * ```
   */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        // One microtask: what the same tick submits joins the first commit.
        queueMicrotask(() => void this.#drain());
      }
    });
  }

  /**
   * Items and commits so far (`items / commits` = the mean group size).
   *
   * @example
   * ```ts
   * const { items, commits } = appends.stats();
   * ```
   */
  stats(): GroupCommitStats {
    return { items: this.#items, commits: this.#commits };
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#queue.splice(0, this.#maxGroup);
      let results: readonly R[];
      try {
        results = await this.#commit(group.map((w) => w.item));
        if (results.length !== group.length) {
          throw new Error(`a commit of ${group.length} items returned ${results.length} results`);
        }
      } catch (err) {
        for (const w of group) w.reject(err);
        continue;
      }
      this.#items += group.length;
      this.#commits += 1;
      for (const [i, w] of group.entries()) w.resolve(results[i] as R);
    }
    this.#draining = false;
  }
}
