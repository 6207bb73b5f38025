import pkcs11js from 'pkcs11js';
import { ckrOf, mapCkr, pinError, pinRetriesOf } from './ckr.ts';
import { withDeadline } from './deadline.ts';
import { Pkcs11Error, Pkcs11PinError, Pkcs11UnavailableError } from './errors.ts';
import { Pkcs11Module } from './module.ts';
import { readUlong, trimLabel } from './objects.ts';
import type { Pkcs11TokenOptions } from './options.ts';
import { RejectedPin, readPin } from './pin.ts';

/** An open session on the token, valid while the module's generation is unchanged. */
export interface Session {
  readonly slot: Buffer;
  readonly handle: Buffer;
  readonly generation: number;
  mechanisms?: Set<number>;
}

/** `CKS_RO_USER_FUNCTIONS` and `CKS_RW_USER_FUNCTIONS` (PKCS#11 §5.6), absent from pkcs11js. */
const USER_STATES = new Set([1, 3]);

/**
 * The connection of one token client: finds the token (by label or slot), opens one session
 * and reuses it, logs in with the PIN from its source, serialises operations per module and
 * bounds them in time. It recovers from a lost login (one new login on
 * `CKR_USER_NOT_LOGGED_IN`) and from a token that went away and came back (the module is
 * re-initialised and the token found afresh). A PIN the token rejected is not presented
 * again until the PIN source changes.
 *
 * @example
 * ```ts
 * const connection = new TokenConnection(options);
 * const info = await connection.run('read token info', false, (lib, s) => lib.C_GetTokenInfo(s.slot));
 * await connection.close();
 * ```
 */
export class TokenConnection {
  /** How messages name the token, e.g. `token "signer-1"`. */
  readonly name: string;
  readonly #module: Pkcs11Module;
  readonly #options: Pkcs11TokenOptions;
  readonly #rejected = new RejectedPin();
  #session: Session | undefined;
  #closed = false;

  constructor(options: Pkcs11TokenOptions) {
    this.#options = options;
    this.#module = Pkcs11Module.acquire(options.module);
    this.name =
      'label' in options.token
        ? `token "${options.token.label}"`
        : `token in slot ${options.token.slot}`;
  }

  /**
   * Closes the session and releases the module (finalised when no client uses it).
   * Idempotent.
   *
   * @example
   * ```ts
   * await connection.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#module.exclusive(async () => {
      const s = this.#session;
      this.#session = undefined;
      if (s && s.generation === this.#module.generation)
        closeQuietly(this.#module.ready(), s.handle);
    });
    await this.#module.release();
  }

  /**
   * Runs `op` (named `what` in errors) exclusively on this module with a live and, if
   * `login`, logged-in session, bounded by `timeoutMs`. Errors come out typed. Retries once
   * after `CKR_USER_NOT_LOGGED_IN` (with a new login) and once after the token was found
   * unreachable (with the module re-initialised).
   *
   * @example
   * ```ts
   * const mechanisms = await connection.run('list mechanisms', false, (lib, s) => lib.C_GetMechanismList(s.slot));
   * ```
   */
  run<T>(
    what: string,
    login: boolean,
    op: (lib: pkcs11js.PKCS11, s: Session) => T | Promise<T>,
  ): Promise<T> {
    if (this.#closed)
      return Promise.reject(
        new Pkcs11Error('pkcs11_failed', `${what}: the token client is closed`),
      );
    const timeoutMs = this.#options.timeoutMs ?? 30_000;
    let abandoned = false;
    const work = this.#module.exclusive(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const lib = this.#module.ready();
          const s = this.#connect(lib);
          if (login) await this.#ensureLogin(lib, s, attempt > 1);
          const result = await op(lib, s);
          if (abandoned && result instanceof Uint8Array) result.fill(0);
          return result;
        } catch (err) {
          const mapped = this.#classify(err, what);
          const relogin = login && ckrOf(err) === 'CKR_USER_NOT_LOGGED_IN';
          if (attempt === 1 && (relogin || mapped instanceof Pkcs11UnavailableError)) continue;
          throw mapped;
        }
      }
    });
    return withDeadline(work, {
      timeout: {
        ms: timeoutMs,
        message: `${what}: ${this.name} did not answer within ${timeoutMs / 1000} s (if it blinks, touch it)`,
      },
    }).catch((err: unknown) => {
      abandoned = true;
      throw err;
    });
  }

  /**
   * Maps `err` and discards the session. If the token is unreachable, also resets the
   * module so that the next attempt finds the token afresh.
   */
  #classify(err: unknown, what: string): unknown {
    let mapped = mapCkr(err, what);
    if (!(mapped instanceof Pkcs11UnavailableError) && !this.#alive()) {
      mapped = new Pkcs11UnavailableError(
        'pkcs11_token_not_present',
        `${what}: ${this.name} is not reachable`,
        {
          cause: err,
        },
      );
    }
    const s = this.#session;
    this.#session = undefined;
    if (mapped instanceof Pkcs11UnavailableError) {
      this.#module.reset();
    } else if (s && s.generation === this.#module.generation) {
      // A fresh session next time: no operation left half-initialised on this one.
      closeQuietly(this.#module.ready(), s.handle);
    }
    return mapped;
  }

  /** True when the token still answers `C_GetTokenInfo` on the current session's slot. */
  #alive(): boolean {
    const s = this.#session;
    if (!s || s.generation !== this.#module.generation) return false;
    try {
      this.#module.ready().C_GetTokenInfo(s.slot);
      return true;
    } catch {
      return false;
    }
  }

  #connect(lib: pkcs11js.PKCS11): Session {
    const current = this.#session;
    if (current && current.generation === this.#module.generation) return current;
    const slot = this.#findSlot(lib);
    const handle = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    this.#session = { slot, handle, generation: this.#module.generation };
    return this.#session;
  }

  #findSlot(lib: pkcs11js.PKCS11): Buffer {
    const selector = this.#options.token;
    const slots = lib.C_GetSlotList(true);
    const matches =
      'slot' in selector
        ? slots.filter((slot) => readUlong(slot) === BigInt(selector.slot))
        : slots.filter((slot) => tokenLabel(lib, slot) === selector.label);
    if (matches.length > 1) {
      throw new Pkcs11Error(
        'pkcs11_token_ambiguous',
        `several tokens match ${this.name}: select it by slot`,
      );
    }
    const [slot] = matches;
    if (!slot)
      throw new Pkcs11UnavailableError('pkcs11_token_not_present', `${this.name} is not present`);
    return slot;
  }

  async #ensureLogin(lib: pkcs11js.PKCS11, s: Session, force: boolean): Promise<void> {
    if (!force && USER_STATES.has(lib.C_GetSessionInfo(s.handle).state)) return;
    await this.#login(lib, s, pkcs11js.CKU_USER);
  }

  /**
   * The `CKU_CONTEXT_SPECIFIC` login a key with `CKA_ALWAYS_AUTHENTICATE` demands after the
   * operation's `C_*Init`, from the same PIN source.
   *
   * @example
   * ```ts
   * lib.C_SignInit(s.handle, mechanism, key);
   * await connection.loginForOperation(lib, s);
   * ```
   */
  loginForOperation(lib: pkcs11js.PKCS11, s: Session): Promise<void> {
    return this.#login(lib, s, pkcs11js.CKU_CONTEXT_SPECIFIC);
  }

  async #login(lib: pkcs11js.PKCS11, s: Session, userType: number): Promise<void> {
    const pin = await readPin(this.#options.pin);
    if (this.#rejected.has(pin)) {
      const { code, message, retries } = pinError(
        undefined,
        pinRetriesOf(lib.C_GetTokenInfo(s.slot).flags),
      );
      throw new Pkcs11PinError(code, `${message} (not tried again: change the PIN source first)`, {
        retries,
      });
    }
    try {
      lib.C_Login(s.handle, userType, pin);
      this.#rejected.clear();
    } catch (err) {
      const ckr = ckrOf(err);
      if (ckr === 'CKR_USER_ALREADY_LOGGED_IN') return;
      if (ckr === 'CKR_PIN_INCORRECT' || ckr === 'CKR_PIN_LOCKED') {
        this.#rejected.remember(pin);
        throw pinError(
          ckr,
          ckr === 'CKR_PIN_LOCKED' ? 'locked' : pinRetriesOf(lib.C_GetTokenInfo(s.slot).flags),
        );
      }
      throw err;
    }
  }
}

function tokenLabel(lib: pkcs11js.PKCS11, slot: Buffer): string | undefined {
  try {
    return trimLabel(lib.C_GetTokenInfo(slot).label);
  } catch {
    return undefined; // an empty reader or an unrecognised card: not our token
  }
}

function closeQuietly(lib: pkcs11js.PKCS11, session: Buffer): void {
  try {
    lib.C_CloseSession(session);
  } catch {
    // The session is gone already (token removed); nothing to release.
  }
}
