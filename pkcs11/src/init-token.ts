import pkcs11js from 'pkcs11js';
import { mapCkr } from './ckr.ts';
import { Pkcs11Error } from './errors.ts';
import { Pkcs11Module } from './module.ts';
import { trimLabel } from './objects.ts';
import { type PinSource, readPin } from './pin.ts';

export interface InitTokenOptions {
  /** PKCS#11 module path (SoftHSM2: `/usr/lib/softhsm/libsofthsm2.so`). */
  readonly module: string;
  /** Label of the new token (at most 32 characters). */
  readonly label: string;
  /** Security-officer PIN of the new token. */
  readonly soPin: PinSource;
  /** User PIN of the new token. */
  readonly pin: PinSource;
}

/**
 * Initialises a new token in the first free (uninitialised) slot and sets its user PIN,
 * through PKCS#11 itself (`C_InitToken`, `C_InitPIN`), so no PIN ever appears on a command
 * line. Meant for SoftHSM2 in development and tests, which always offers a free slot.
 * Throws `pkcs11_token_exists` if a token already has the label, `pkcs11_no_free_slot`
 * when there is no uninitialised slot.
 *
 * @example
 * ```ts
 * process.env.SOFTHSM2_CONF = '/tmp/t/softhsm2.conf';
 * await initToken({ module: SOFTHSM2, label: 'signer-1', soPin: { env: 'SO_PIN' }, pin: { env: 'PIN' } });
 * ```
 */
export async function initToken(options: InitTokenOptions): Promise<void> {
  if (options.label.length === 0 || Buffer.byteLength(options.label) > 32) {
    throw new Pkcs11Error('pkcs11_failed', 'a token label has 1 to 32 bytes');
  }
  const [soPin, pin] = [await readPin(options.soPin), await readPin(options.pin)];
  const module = Pkcs11Module.acquire(options.module);
  try {
    await module.exclusive(async () => {
      const lib = module.ready();
      const free = findFreeSlot(lib, options.label);
      try {
        // Cryptoki labels are blank-padded to 32 bytes; pkcs11js would pad with NULs.
        lib.C_InitToken(
          free,
          soPin,
          options.label + ' '.repeat(32 - Buffer.byteLength(options.label)),
        );
        const session = lib.C_OpenSession(
          free,
          pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION,
        );
        try {
          lib.C_Login(session, pkcs11js.CKU_SO, soPin);
          lib.C_InitPIN(session, pin);
          lib.C_Logout(session);
        } finally {
          lib.C_CloseSession(session);
        }
      } catch (err) {
        throw mapCkr(err, `initialising token "${options.label}"`);
      } finally {
        // SoftHSM2 moves the new token to its own slot only when initialised again.
        module.reset();
      }
    });
  } finally {
    await module.release();
  }
}

function findFreeSlot(lib: pkcs11js.PKCS11, label: string): Buffer {
  let free: Buffer | undefined;
  for (const slot of lib.C_GetSlotList(true)) {
    const info = tokenInfo(lib, slot);
    if (!info) continue;
    if (!(info.flags & pkcs11js.CKF_TOKEN_INITIALIZED)) free ??= slot;
    else if (trimLabel(info.label) === label) {
      throw new Pkcs11Error('pkcs11_token_exists', `a token labelled "${label}" exists already`);
    }
  }
  if (!free)
    throw new Pkcs11Error('pkcs11_no_free_slot', 'the module offers no uninitialised slot');
  return free;
}

function tokenInfo(lib: pkcs11js.PKCS11, slot: Buffer): pkcs11js.TokenInfo | undefined {
  try {
    return lib.C_GetTokenInfo(slot);
  } catch {
    return undefined; // a token that went away since the slot list was taken
  }
}
