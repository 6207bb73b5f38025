import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@frostmint/core';
import { z } from 'zod';
import { VaultError } from './errors.ts';
import type { ShareBinding } from './types.ts';

/**
 * The on-disk format of a sealed share, shared by every vault backend: a versioned JSON
 * document with base64url binary fields. Backend-specific key-derivation parameters live
 * under `kdf` (scrypt salt for `dev`, the ephemeral ECDH public key for `pkcs11`).
 */
export const SEALED_SHARE_FORMAT = 'frostmint-sealed-share';
export const SEALED_SHARE_VERSION = 1;

const b64u = z.string().regex(/^[A-Za-z0-9_-]*$/);

export const SealedShareSchema = z.object({
  format: z.literal(SEALED_SHARE_FORMAT),
  version: z.literal(SEALED_SHARE_VERSION),
  vault: z.string().min(1),
  kid: z.string().min(1),
  signerId: z.number().int().min(1).max(255),
  kdf: z.record(z.string(), z.union([z.string(), z.number()])),
  nonce: b64u,
  ciphertext: b64u,
});
export type SealedShare = z.infer<typeof SealedShareSchema>;

/** AEAD associated data: binds the ciphertext to one group key and one signer. */
export function shareAad(binding: ShareBinding): Buffer {
  return Buffer.from(`frostmint/share/v1\0${binding.kid}\0${binding.signerId}`, 'utf8');
}

/** AES-256-GCM seal; returns nonce and ciphertext‖tag. */
export function aesGcmSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { nonce, ciphertext: body };
}

/** AES-256-GCM open; throws `vault_unseal_failed` on a wrong key or tampered data. */
export function aesGcmOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
): Buffer {
  if (ciphertext.length < 16) throw new VaultError('vault_format', 'sealed share is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  try {
    return Buffer.concat([
      decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
      decipher.final(),
    ]);
  } catch (cause) {
    throw new VaultError(
      'vault_unseal_failed',
      'sealed share failed authentication: wrong key or tampered ciphertext',
      { cause },
    );
  }
}

/** Path of the sealed share for `binding` inside a vault directory. */
export function sealedSharePath(dir: string, binding: ShareBinding): string {
  return join(dir, `share-${binding.kid}-${binding.signerId}.sealed.json`);
}

/** True when a sealed share file exists for `binding`. */
export function sealedShareExists(dir: string, binding: ShareBinding): Promise<boolean> {
  return access(sealedSharePath(dir, binding)).then(
    () => true,
    () => false,
  );
}

/** Passes an unsealed share to `use` and zeroes it once `use` settles, also on throw. */
export async function useThenZero<T>(
  share: Buffer,
  use: (share: Uint8Array) => T | Promise<T>,
): Promise<T> {
  try {
    return await use(share);
  } finally {
    share.fill(0);
  }
}

/**
 * Parsed sealed share files by path, with the identity of the file version they came from
 * (device, inode, size, modification and change times in nanoseconds): only ciphertext and public parameters,
 * never a share. See `readSealedShare`.
 */
const parsedFiles = new Map<string, { version: string; parsed: Promise<SealedShare> }>();

/** Writes `doc` atomically (temp file, fsync, rename). */
export async function writeSealedShare(path: string, doc: SealedShare): Promise<void> {
  parsedFiles.delete(path);
  await writeFileAtomic(path, JSON.stringify(doc, null, 2), 0o600);
}

/**
 * Reads and validates a sealed share and checks that it was sealed for `binding`
 * (the AAD check at unseal time enforces it again cryptographically). The file is read and
 * parsed again only when it changed (another inode, size or nanosecond modification time,
 * from one `stat`): every signature share used to cost an open, a read and a schema parse
 * of the same bytes. A file replaced or edited on disk is read afresh.
 */
export async function readSealedShare(path: string, binding: ShareBinding): Promise<SealedShare> {
  const version = fileVersion(path, binding);
  let known = parsedFiles.get(path);
  if (known?.version !== version) {
    known = { version, parsed: readSealedFile(path, binding) };
    parsedFiles.set(path, known);
    // A failed read is not remembered.
    known.parsed.catch(() => {
      if (parsedFiles.get(path) === known) parsedFiles.delete(path);
    });
  }
  const parsed = await known.parsed;
  if (parsed.kid !== binding.kid || parsed.signerId !== binding.signerId) {
    throw new VaultError(
      'vault_binding_mismatch',
      `sealed share belongs to signer ${parsed.signerId} of group ${parsed.kid}, not signer ${binding.signerId} of group ${binding.kid}`,
    );
  }
  return parsed;
}

/**
 * Synchronous on purpose: a `stat` of a local file takes microseconds, while the async one
 * waits for a libuv pool thread, behind the signing log's `fdatasync`s under load.
 */
function fileVersion(path: string, binding: ShareBinding): string {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw missing(binding);
    throw new VaultError('vault_format', 'sealed share cannot be read', { cause });
  }
}

function missing(binding: ShareBinding): VaultError {
  return new VaultError(
    'vault_share_missing',
    `no sealed share for signer ${binding.signerId} of group ${binding.kid}`,
  );
}

async function readSealedFile(path: string, binding: ShareBinding): Promise<SealedShare> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw missing(binding);
    throw new VaultError('vault_format', 'sealed share cannot be read', { cause });
  }
  try {
    return SealedShareSchema.parse(JSON.parse(raw));
  } catch (cause) {
    throw new VaultError('vault_format', 'sealed share file is malformed', { cause });
  }
}

export const b64uEncode = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
export const b64uDecode = (s: string): Buffer => Buffer.from(s, 'base64url');
