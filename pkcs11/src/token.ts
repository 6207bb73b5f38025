import pkcs11js from 'pkcs11js';
import { ckrOf } from './ckr.ts';
import { type Session, TokenConnection } from './connection.ts';
import { withDeadline } from './deadline.ts';
import { ecPointFromAttribute, p256PublicKey } from './ec.ts';
import { Pkcs11Error } from './errors.ts';
import {
  derivedSecretTemplate,
  describeKey,
  findKey,
  type KeyRef,
  type KeyUsage,
  keyPairTemplates,
  readUlong,
  requireP256,
  trimLabel,
} from './objects.ts';
import type { Pkcs11TokenOptions, TouchWaitEvent } from './options.ts';

/** A public key on the token: its `CKA_LABEL`, `CKA_ID` and 65-byte uncompressed point. */
export interface PublicKeyInfo {
  readonly label: string;
  readonly id: Buffer;
  readonly point: Buffer;
}

/** What the token says about itself; all public. */
export interface TokenDescription {
  readonly label: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly serial: string;
  readonly slot: string;
}

const MECHANISM_NAMES = new Map<number, string>([
  [pkcs11js.CKM_ECDH1_DERIVE, 'CKM_ECDH1_DERIVE'],
  [pkcs11js.CKM_ECDSA, 'CKM_ECDSA'],
  [pkcs11js.CKM_EC_KEY_PAIR_GEN, 'CKM_EC_KEY_PAIR_GEN'],
]);

/**
 * A client for one PKCS#11 token (YubiKey PIV via ykcs11, an HSM, SoftHSM2), offering the
 * only operations frostmint needs, all on EC P-256: ECDH (`CKM_ECDH1_DERIVE`), ECDSA
 * (`CKM_ECDSA`), reading public keys and generating key pairs. Sessions, logins, recovery
 * and timeouts are the `TokenConnection`'s; slow operations are reported through
 * `onWaitingForTouch`.
 *
 * @example
 * ```ts
 * const token = Pkcs11Token.open({
 *   module: '/usr/lib/softhsm/libsofthsm2.so',
 *   token: { label: 'signer-1' },
 *   pin: { file: '/run/secrets/token-pin' },
 *   onWaitingForTouch: () => log.warn('touch the YubiKey now'),
 * });
 * const secret = await token.ecdh({ label: 'frostmint-sealing' }, peerPoint);
 * await token.close();
 * ```
 */
export class Pkcs11Token {
  readonly #connection: TokenConnection;
  readonly #options: Pkcs11TokenOptions;

  private constructor(options: Pkcs11TokenOptions) {
    this.#options = options;
    this.#connection = new TokenConnection(options);
  }

  /**
   * Creates a client. Nothing is loaded or opened until the first operation, so a missing
   * module or token surfaces as a typed error from that operation (or from `probe`).
   *
   * @example
   * ```ts
   * const token = Pkcs11Token.open({ module, token: { slot: 0 }, pin: { env: 'TOKEN_PIN' } });
   * ```
   */
  static open(options: Pkcs11TokenOptions): Pkcs11Token {
    return new Pkcs11Token(options);
  }

  /** How messages name the token, e.g. `token "signer-1"`. */
  get name(): string {
    return this.#connection.name;
  }

  /**
   * Label, manufacturer, model, serial and slot of the token. Needs no PIN.
   *
   * @example
   * ```ts
   * const { serial } = await token.describe();
   * ```
   */
  describe(): Promise<TokenDescription> {
    return this.#connection.run('read token info', false, (lib, s) => {
      const info = lib.C_GetTokenInfo(s.slot);
      return {
        label: trimLabel(info.label),
        manufacturer: info.manufacturerID.trim(),
        model: info.model.trim(),
        serial: info.serialNumber.trim(),
        slot: readUlong(s.slot).toString(),
      };
    });
  }

  /**
   * Checks that the token is reachable, the PIN works and (when `key` is given) the
   * private key exists and is an EC P-256 key. Throws the typed error otherwise.
   *
   * @example
   * ```ts
   * await token.probe({ label: 'frostmint-sealing' });
   * ```
   */
  probe(key?: KeyRef): Promise<void> {
    return this.#connection.run('token check', key !== undefined, (lib, s) => {
      if (key) this.#privateKey(lib, s, key);
    });
  }

  /**
   * The public key of `key`: its label, its id and the 65-byte uncompressed P-256 point, read
   * from the public key object (or from the private key where the token exposes
   * `CKA_EC_POINT` there). Needs no PIN for public objects.
   *
   * @example
   * ```ts
   * const { point, label } = await token.publicKey({ id: Buffer.from([0x03]) });
   * ```
   */
  publicKey(key: KeyRef): Promise<PublicKeyInfo> {
    return this.#connection.run('read public key', false, (lib, s) => {
      const handle =
        findKey(lib, s.handle, pkcs11js.CKO_PUBLIC_KEY, key) ??
        findKey(lib, s.handle, pkcs11js.CKO_PRIVATE_KEY, key);
      if (!handle) throw this.#keyNotFound('public', key);
      requireP256(lib, s.handle, handle, key);
      const [label, id, point] = lib.C_GetAttributeValue(s.handle, handle, [
        { type: pkcs11js.CKA_LABEL },
        { type: pkcs11js.CKA_ID },
        { type: pkcs11js.CKA_EC_POINT },
      ]);
      const raw = ecPointFromAttribute(point?.value ?? Buffer.alloc(0));
      p256PublicKey(raw);
      return {
        label: label?.value.toString('utf8') ?? '',
        id: Buffer.from(id?.value ?? []),
        point: raw,
      };
    });
  }

  /**
   * True when a private key matching `key` exists (logs in to see private objects).
   *
   * @example
   * ```ts
   * if (!(await token.hasKey({ label: 'frostmint-approval' }))) await token.generateKeyPair(spec, 'sign');
   * ```
   */
  hasKey(key: KeyRef): Promise<boolean> {
    return this.#connection.run(
      'find key',
      true,
      (lib, s) => findKey(lib, s.handle, pkcs11js.CKO_PRIVATE_KEY, key) !== undefined,
    );
  }

  /**
   * ECDH on P-256 between the token's private `key` and `peer` (65-byte uncompressed point),
   * via `CKM_ECDH1_DERIVE` with `CKD_NULL`. Returns the 32-byte shared secret (X coordinate);
   * the caller must zero it. The private key never leaves the token.
   *
   * @example
   * ```ts
   * const z = await token.ecdh({ label: 'frostmint-sealing' }, ephemeralPublic);
   * try { useSecret(z); } finally { z.fill(0); }
   * ```
   */
  async ecdh(key: KeyRef, peer: Uint8Array): Promise<Buffer> {
    p256PublicKey(peer);
    return this.#connection.run('ECDH key agreement', true, async (lib, s) => {
      const privateKey = this.#privateKey(lib, s, key);
      this.#requireMechanism(lib, s, pkcs11js.CKM_ECDH1_DERIVE);
      const parameter: pkcs11js.ECDH1 = {
        type: pkcs11js.CK_PARAMS_EC_DH,
        kdf: pkcs11js.CKD_NULL,
        publicData: Buffer.from(peer),
      };
      const mechanism: pkcs11js.Mechanism = { mechanism: pkcs11js.CKM_ECDH1_DERIVE, parameter };
      const derived = await this.#touch(
        'ecdh',
        key,
        lib.C_DeriveKeyAsync(s.handle, mechanism, privateKey, derivedSecretTemplate()),
      );
      let secret: Buffer | undefined;
      try {
        secret = lib.C_GetAttributeValue(s.handle, derived, [{ type: pkcs11js.CKA_VALUE }])[0]
          ?.value;
      } finally {
        destroyQuietly(lib, s.handle, derived);
      }
      if (secret?.length !== 32) {
        secret?.fill(0);
        throw new Pkcs11Error(
          'pkcs11_failed',
          `ECDH with key ${describeKey(key)} returned no 32-byte secret`,
        );
      }
      return secret;
    });
  }

  /**
   * ECDSA P-256 signature (`CKM_ECDSA`) over a 32-byte SHA-256 `digest`, returned as the
   * 64-byte `r‖s` (the JOSE ES256 encoding). Keys that demand a login per use
   * (`CKA_ALWAYS_AUTHENTICATE`, e.g. PIV slot 9c with PIN policy "always") get it.
   *
   * @example
   * ```ts
   * const sig = await token.sign({ id: Buffer.from([0x02]) }, createHash('sha256').update(msg).digest());
   * ```
   */
  async sign(key: KeyRef, digest: Uint8Array): Promise<Buffer> {
    if (digest.length !== 32)
      throw new Pkcs11Error('pkcs11_failed', 'ECDSA P-256 signs a 32-byte SHA-256 digest');
    return this.#connection.run('ECDSA signature', true, async (lib, s) => {
      const privateKey = this.#privateKey(lib, s, key);
      this.#requireMechanism(lib, s, pkcs11js.CKM_ECDSA);
      const perUse = alwaysAuthenticate(lib, s.handle, privateKey);
      lib.C_SignInit(s.handle, { mechanism: pkcs11js.CKM_ECDSA }, privateKey);
      if (perUse) await this.#connection.loginForOperation(lib, s);
      return this.#touch(
        'sign',
        key,
        lib.C_SignAsync(s.handle, Buffer.from(digest), Buffer.alloc(72)),
      );
    });
  }

  /**
   * Generates a P-256 key pair on the token (`CKM_EC_KEY_PAIR_GEN`); the private key is
   * sensitive and not extractable. Returns the new public key. Throws `pkcs11_key_exists`
   * if a private key with this label or id is already there. Works on SoftHSM2 and HSMs; on
   * a YubiKey, create PIV keys with `ykman piv keys generate` instead.
   *
   * @example
   * ```ts
   * const { point } = await token.generateKeyPair({ label: 'frostmint-sealing', id: Buffer.from([3]) }, 'derive');
   * ```
   */
  generateKeyPair(key: { label: string; id: Uint8Array }, usage: KeyUsage): Promise<PublicKeyInfo> {
    return this.#connection.run('EC key generation', true, async (lib, s) => {
      for (const ref of [{ label: key.label }, { id: key.id }]) {
        if (findKey(lib, s.handle, pkcs11js.CKO_PRIVATE_KEY, ref)) {
          throw new Pkcs11Error(
            'pkcs11_key_exists',
            `${this.name} already has a key with ${describeKey(ref)}`,
          );
        }
      }
      this.#requireMechanism(lib, s, pkcs11js.CKM_EC_KEY_PAIR_GEN);
      const { publicTemplate, privateTemplate } = keyPairTemplates(key, usage);
      const mechanism = { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN };
      const pair = await this.#touch(
        'generate',
        key,
        lib.C_GenerateKeyPairAsync(s.handle, mechanism, publicTemplate, privateTemplate),
      );
      const [point] = lib.C_GetAttributeValue(s.handle, pair.publicKey, [
        { type: pkcs11js.CKA_EC_POINT },
      ]);
      const raw = ecPointFromAttribute(point?.value ?? Buffer.alloc(0));
      return { label: key.label, id: Buffer.from(key.id), point: raw };
    });
  }

  /**
   * Ends the login of this application on the token (PKCS#11 login state is per token, so
   * this affects every session of this process on it).
   *
   * @example
   * ```ts
   * await token.logout();
   * ```
   */
  logout(): Promise<void> {
    return this.#connection.run('logout', false, (lib, s) => {
      try {
        lib.C_Logout(s.handle);
      } catch (err) {
        if (ckrOf(err) !== 'CKR_USER_NOT_LOGGED_IN') throw err;
      }
    });
  }

  /**
   * Closes the session and releases the module (finalised when no client uses it).
   * Idempotent.
   *
   * @example
   * ```ts
   * await token.close();
   * ```
   */
  close(): Promise<void> {
    return this.#connection.close();
  }

  #privateKey(lib: pkcs11js.PKCS11, s: Session, key: KeyRef): Buffer {
    const handle = findKey(lib, s.handle, pkcs11js.CKO_PRIVATE_KEY, key);
    if (!handle) throw this.#keyNotFound('private', key);
    requireP256(lib, s.handle, handle, key);
    return handle;
  }

  #keyNotFound(kind: 'public' | 'private', key: KeyRef): Pkcs11Error {
    return new Pkcs11Error(
      'pkcs11_key_not_found',
      `${this.name} has no ${kind} key with ${describeKey(key)}`,
    );
  }

  #requireMechanism(lib: pkcs11js.PKCS11, s: Session, mechanism: number): void {
    s.mechanisms ??= new Set(lib.C_GetMechanismList(s.slot));
    if (!s.mechanisms.has(mechanism)) {
      const name = MECHANISM_NAMES.get(mechanism) ?? `mechanism 0x${mechanism.toString(16)}`;
      throw new Pkcs11Error('pkcs11_mechanism_unsupported', `${this.name} does not offer ${name}`);
    }
  }

  #touch<T>(operation: TouchWaitEvent['operation'], key: KeyRef, work: Promise<T>): Promise<T> {
    const notify = this.#options.onWaitingForTouch;
    if (!notify) return work;
    const event = { operation, token: this.name, key: describeKey(key) };
    return withDeadline(work, {
      notice: { ms: this.#options.touchNoticeMs ?? 1_000, call: () => notify(event) },
    });
  }
}

/** True for keys that need a context-specific login before every use (PIN policy "always"). */
function alwaysAuthenticate(lib: pkcs11js.PKCS11, session: Buffer, key: Buffer): boolean {
  try {
    const [attr] = lib.C_GetAttributeValue(session, key, [
      { type: pkcs11js.CKA_ALWAYS_AUTHENTICATE },
    ]);
    return attr?.value[0] === 1;
  } catch {
    return false; // the module does not know the attribute: no per-use login
  }
}

function destroyQuietly(lib: pkcs11js.PKCS11, session: Buffer, handle: Buffer): void {
  try {
    lib.C_DestroyObject(session, handle);
  } catch {
    // Some modules (ykcs11) refuse to destroy the derived secret; it dies with the session.
  }
}
