import pkcs11js from 'pkcs11js';
import { ckrOf } from './ckr.ts';
import { Pkcs11UnavailableError } from './errors.ts';

const modules = new Map<string, Pkcs11Module>();

/**
 * One loaded PKCS#11 library, shared by every token client of this process that names the
 * same path (Cryptoki allows one `C_Initialize` per process). Reference counted: the last
 * `release()` finalises it. Calls are serialised through `exclusive()`, so a session is
 * never used by two operations at once and `reset()` never races an operation in flight.
 *
 * `reset()` finalises the library and bumps `generation`; it is initialised again on the
 * next use. Token clients re-open their sessions when the generation changed. This is how
 * a token that was removed and returned is found again (SoftHSM2, for one, only scans its
 * token directory in `C_Initialize`).
 */
export class Pkcs11Module {
  readonly path: string;
  #lib: pkcs11js.PKCS11 | undefined;
  #initialized = false;
  #generation = 0;
  #refs = 0;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(path: string) {
    this.path = path;
  }

  /**
   * Returns the shared module for `path` and takes a reference to it. Loading happens
   * lazily on first use, so a missing module surfaces as a typed error, not here.
   *
   * @example
   * ```ts
   * const module = Pkcs11Module.acquire('/usr/lib/softhsm/libsofthsm2.so');
   * try { ... } finally { module.release(); }
   * ```
   */
  static acquire(path: string): Pkcs11Module {
    let module = modules.get(path);
    if (!module) {
      module = new Pkcs11Module(path);
      modules.set(path, module);
    }
    module.#refs++;
    return module;
  }

  /** Bumped by every `reset()`; sessions opened under an older generation are gone. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Runs `fn` after every earlier call on this module settled. If the caller stops
   * waiting (timeout), later calls still wait until `fn` itself settles.
   *
   * @example
   * ```ts
   * const info = await module.exclusive(async () => module.ready().C_GetInfo());
   * ```
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /**
   * The initialised library. Loads and initialises it when needed.
   * Throws `pkcs11_module_unavailable` when that fails.
   *
   * @example
   * ```ts
   * const slots = module.ready().C_GetSlotList(true);
   * ```
   */
  ready(): pkcs11js.PKCS11 {
    const lib = this.#load();
    if (!this.#initialized) {
      try {
        lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
      } catch (err) {
        if (ckrOf(err) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
          const ckr = ckrOf(err);
          throw new Pkcs11UnavailableError(
            'pkcs11_module_unavailable',
            `PKCS#11 module ${this.path} failed to initialise (${ckr ?? 'error'})`,
            { cause: err, ...(ckr ? { ckr } : {}) },
          );
        }
      }
      this.#initialized = true;
    }
    return lib;
  }

  /**
   * Finalises the library (closing every session of every client) so that the next use
   * initialises it afresh.
   *
   * @example
   * ```ts
   * await module.exclusive(async () => module.reset());
   * ```
   */
  reset(): void {
    this.#generation++;
    if (!this.#initialized) return;
    this.#initialized = false;
    try {
      this.#lib?.C_Finalize();
    } catch {
      // The library may already consider itself finalised; nothing is left to release.
    }
  }

  /**
   * Drops one reference; the last one finalises the library.
   *
   * @example
   * ```ts
   * module.release();
   * ```
   */
  async release(): Promise<void> {
    this.#refs--;
    if (this.#refs > 0) return;
    await this.exclusive(async () => {
      if (this.#refs === 0) this.reset();
    });
  }

  #load(): pkcs11js.PKCS11 {
    if (this.#lib) return this.#lib;
    const lib = new pkcs11js.PKCS11();
    try {
      lib.load(this.path);
    } catch (cause) {
      throw new Pkcs11UnavailableError(
        'pkcs11_module_unavailable',
        `cannot load PKCS#11 module ${this.path}`,
        {
          cause,
        },
      );
    }
    this.#lib = lib;
    return lib;
  }
}
