import pkcs11js from 'pkcs11js';
import { P256_EC_PARAMS } from './ec.ts';
import { Pkcs11Error } from './errors.ts';

/**
 * Which key on the token: its `CKA_LABEL`, its `CKA_ID`, or both (then both must match).
 * On a YubiKey (ykcs11) the ids are fixed per PIV slot: `02` = 9c, `03` = 9d.
 */
export interface KeyRef {
  readonly label?: string;
  readonly id?: Uint8Array;
}

/** What a generated key pair may do: ECDSA signatures or ECDH key agreement. */
export type KeyUsage = 'sign' | 'derive';

/**
 * A human-readable name of a key for messages, e.g. `label "seal", id 03`.
 *
 * @example
 * ```ts
 * describeKey({ id: Buffer.from([3]) }); // 'id 03'
 * ```
 */
export function describeKey(key: KeyRef): string {
  const parts: string[] = [];
  if (key.label !== undefined) parts.push(`label "${key.label}"`);
  if (key.id !== undefined) parts.push(`id ${Buffer.from(key.id).toString('hex')}`);
  return parts.join(', ') || 'no key reference';
}

/**
 * Reads a little-endian `CK_ULONG` (8 bytes on LP64, 4 elsewhere), as pkcs11js returns
 * slot ids and ulong attributes.
 *
 * @example
 * ```ts
 * readUlong(lib.C_GetAttributeValue(s, key, [{ type: CKA_KEY_TYPE }])[0].value); // 3n (CKK_EC)
 * ```
 */
export function readUlong(bytes: Buffer): bigint {
  return bytes.length >= 8 ? bytes.readBigUInt64LE(0) : BigInt(bytes.readUInt32LE(0));
}

/**
 * A `CK_TOKEN_INFO.label` without its padding (blanks per the standard, NULs from some
 * writers).
 *
 * @example
 * ```ts
 * trimLabel('signer-1                        '); // 'signer-1'
 * ```
 */
export function trimLabel(label: string): string {
  return label.replace(/[\s\0]+$/, '');
}

/**
 * Finds the object of class `cls` (`CKO_PRIVATE_KEY`, `CKO_PUBLIC_KEY`) matching `key`.
 * Returns `undefined` when there is none; throws `pkcs11_key_ambiguous` when several match.
 *
 * @example
 * ```ts
 * const handle = findKey(lib, session, pkcs11js.CKO_PUBLIC_KEY, { label: 'seal' });
 * ```
 */
export function findKey(
  lib: pkcs11js.PKCS11,
  session: Buffer,
  cls: number,
  key: KeyRef,
): Buffer | undefined {
  if (key.label === undefined && key.id === undefined) {
    throw new Pkcs11Error('pkcs11_key_not_found', 'a key needs a label or an id');
  }
  const template: pkcs11js.Template = [{ type: pkcs11js.CKA_CLASS, value: cls }];
  if (key.label !== undefined) template.push({ type: pkcs11js.CKA_LABEL, value: key.label });
  if (key.id !== undefined) template.push({ type: pkcs11js.CKA_ID, value: Buffer.from(key.id) });
  lib.C_FindObjectsInit(session, template);
  let found: Buffer[];
  try {
    found = lib.C_FindObjects(session, 2);
  } finally {
    lib.C_FindObjectsFinal(session);
  }
  if (found.length > 1) {
    throw new Pkcs11Error(
      'pkcs11_key_ambiguous',
      `several keys match ${describeKey(key)}: give both label and id`,
    );
  }
  return found[0];
}

/**
 * Checks that `handle` is an EC key on P-256; throws `pkcs11_key_unusable` otherwise.
 *
 * @example
 * ```ts
 * requireP256(lib, session, handle, { label: 'seal' });
 * ```
 */
export function requireP256(
  lib: pkcs11js.PKCS11,
  session: Buffer,
  handle: Buffer,
  key: KeyRef,
): void {
  const [type, params] = lib.C_GetAttributeValue(session, handle, [
    { type: pkcs11js.CKA_KEY_TYPE },
    { type: pkcs11js.CKA_EC_PARAMS },
  ]);
  const isEc = type !== undefined && readUlong(type.value) === BigInt(pkcs11js.CKK_EC);
  if (!isEc || !params?.value.equals(P256_EC_PARAMS)) {
    throw new Pkcs11Error('pkcs11_key_unusable', `key ${describeKey(key)} is not an EC P-256 key`);
  }
}

/**
 * Public and private templates for `C_GenerateKeyPair(CKM_EC_KEY_PAIR_GEN)` of a P-256 token
 * key that is sensitive and never extractable.
 *
 * @example
 * ```ts
 * const { publicTemplate, privateTemplate } = keyPairTemplates({ label: 'seal', id }, 'derive');
 * ```
 */
export function keyPairTemplates(key: { label: string; id: Uint8Array }, usage: KeyUsage) {
  const common: pkcs11js.Template = [
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_LABEL, value: key.label },
    { type: pkcs11js.CKA_ID, value: Buffer.from(key.id) },
  ];
  const publicTemplate: pkcs11js.Template = [
    ...common,
    { type: pkcs11js.CKA_PRIVATE, value: false },
    { type: pkcs11js.CKA_EC_PARAMS, value: P256_EC_PARAMS },
    { type: pkcs11js.CKA_VERIFY, value: usage === 'sign' },
  ];
  const privateTemplate: pkcs11js.Template = [
    ...common,
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    { type: pkcs11js.CKA_SIGN, value: usage === 'sign' },
    { type: pkcs11js.CKA_DERIVE, value: usage === 'derive' },
  ];
  return { publicTemplate, privateTemplate };
}

/**
 * The template of the secret an ECDH derivation yields: a session-only, extractable generic
 * secret of 32 bytes (the X coordinate of the shared point). This is the one template that
 * both SoftHSM2/HSMs and Yubico's ykcs11 accept; ykcs11 ignores `CKA_VALUE_LEN`.
 *
 * @example
 * ```ts
 * lib.C_DeriveKey(session, mechanism, privateKey, derivedSecretTemplate());
 * ```
 */
export function derivedSecretTemplate(): pkcs11js.Template {
  return [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
    { type: pkcs11js.CKA_TOKEN, value: false },
    { type: pkcs11js.CKA_SENSITIVE, value: false },
    { type: pkcs11js.CKA_EXTRACTABLE, value: true },
    { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
  ];
}
