import { createECDH, hkdfSync } from 'node:crypto';
import { z } from 'zod';
import { VaultError } from '../errors.ts';
import {
  aesGcmOpen,
  aesGcmSeal,
  b64uDecode,
  b64uEncode,
  type SealedShare,
  shareAad,
} from '../sealed-file.ts';
import type { ShareBinding } from '../types.ts';

/**
 * ECIES-style sealing of a share to a P-256 key held in a token:
 *
 *   epk, esk  = fresh ephemeral P-256 key pair (software)
 *   Z         = X coordinate of ECDH(esk, rpk)        = ECDH(token key, epk) on the token
 *   key       = HKDF-SHA256(Z, salt = SEAL_SALT, info = kid ‖ signerId ‖ epk ‖ rpk), 32 bytes
 *   sealed    = AES-256-GCM(key, random nonce, share, AAD = shareAad(kid, signerId))
 *
 * Sealing needs only the recipient's public key `rpk`; opening needs the token. The
 * `kdf` field of the sealed file carries `epk` and `rpk`.
 */
export const ECDH_KDF_ALG = 'ECDH-P256+HKDF-SHA256';
const SEAL_SALT = Buffer.from('frostmint/share-seal/pkcs11/v1', 'utf8');

const point = z.string().regex(/^[A-Za-z0-9_-]{87}$/, 'expected a 65-byte base64url P-256 point');
const EcdhKdfSchema = z.object({ alg: z.literal(ECDH_KDF_ALG), epk: point, rpk: point });

/** Sealed-file fields written by `ecdhSeal` (everything but format, version and vault). */
export type EcdhSealed = Pick<SealedShare, 'kid' | 'signerId' | 'kdf' | 'nonce' | 'ciphertext'>;

/**
 * Seals `share` for `binding` to the recipient P-256 public key `rpk` (65-byte point).
 *
 * @example
 * ```ts
 * const fields = ecdhSeal((await token.publicKey(key)).point, binding, share);
 * ```
 */
export function ecdhSeal(rpk: Uint8Array, binding: ShareBinding, share: Uint8Array): EcdhSealed {
  const ephemeral = createECDH('prime256v1');
  const epk = ephemeral.generateKeys();
  const z = ephemeral.computeSecret(rpk);
  const key = deriveKey(z, binding, epk, rpk);
  try {
    const { nonce, ciphertext } = aesGcmSeal(key, share, shareAad(binding));
    return {
      kid: binding.kid,
      signerId: binding.signerId,
      kdf: { alg: ECDH_KDF_ALG, epk: b64uEncode(epk), rpk: b64uEncode(rpk) },
      nonce: b64uEncode(nonce),
      ciphertext: b64uEncode(ciphertext),
    };
  } finally {
    z.fill(0);
    key.fill(0);
  }
}

/**
 * Opens a sealed share with `ecdh`, the token's ECDH against the stored ephemeral key
 * (returns Z, which is zeroed here). Throws `vault_format` for a foreign `kdf` and
 * `vault_unseal_failed` for a wrong key or tampered data. The caller zeroes the result.
 *
 * @example
 * ```ts
 * const share = await ecdhOpen(doc, binding, (epk) => token.ecdh(key, epk));
 * try { use(share); } finally { share.fill(0); }
 * ```
 */
export async function ecdhOpen(
  sealed: EcdhSealed,
  binding: ShareBinding,
  ecdh: (epk: Buffer) => Promise<Buffer>,
): Promise<Buffer> {
  const kdf = EcdhKdfSchema.safeParse(sealed.kdf);
  if (!kdf.success)
    throw new VaultError('vault_format', `sealed share does not use ${ECDH_KDF_ALG}`);
  const epk = b64uDecode(kdf.data.epk);
  const rpk = b64uDecode(kdf.data.rpk);
  const z = await ecdh(epk);
  const key = deriveKey(z, binding, epk, rpk);
  try {
    return aesGcmOpen(
      key,
      b64uDecode(sealed.nonce),
      b64uDecode(sealed.ciphertext),
      shareAad(binding),
    );
  } finally {
    z.fill(0);
    key.fill(0);
  }
}

/**
 * The recipient public key (`rpk`) a sealed share was sealed to, or `undefined` if the
 * file does not say.
 *
 * @example
 * ```ts
 * if (!sealedRecipient(doc)?.equals((await token.publicKey(key)).point)) explainWrongToken();
 * ```
 */
export function sealedRecipient(sealed: EcdhSealed): Buffer | undefined {
  const kdf = EcdhKdfSchema.safeParse(sealed.kdf);
  return kdf.success ? b64uDecode(kdf.data.rpk) : undefined;
}

function deriveKey(z: Uint8Array, binding: ShareBinding, epk: Uint8Array, rpk: Uint8Array): Buffer {
  const info = Buffer.concat([
    lengthPrefixed(Buffer.from(binding.kid, 'utf8')),
    Buffer.from([binding.signerId]),
    lengthPrefixed(epk),
    lengthPrefixed(rpk),
  ]);
  return Buffer.from(hkdfSync('sha256', z, SEAL_SALT, info, 32));
}

function lengthPrefixed(bytes: Uint8Array): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
