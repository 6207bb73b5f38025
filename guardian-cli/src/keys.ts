import {
  describeKey,
  type KeyRef,
  type KeyUsage,
  Pkcs11Error,
  type Pkcs11Token,
  type PublicKeyInfo,
} from '@frostmint/pkcs11';
import type { Progress } from './progress.ts';

/** A guardian token's two keys: the approval key (PIV 9c) and the sealing key (PIV 9d). */
export interface KeyRole {
  readonly name: 'approval' | 'sealing';
  readonly usage: KeyUsage;
  readonly pivSlot: '9c' | '9d';
  /** Label and id used to create the key; the id also finds it (ykcs11 fixes ids per PIV slot). */
  readonly defaults: { readonly label: string; readonly id: number };
}

export const APPROVAL_KEY: KeyRole = {
  name: 'approval',
  usage: 'sign',
  pivSlot: '9c',
  defaults: { label: 'frostmint-approval', id: 0x02 },
};

export const SEALING_KEY: KeyRole = {
  name: 'sealing',
  usage: 'derive',
  pivSlot: '9d',
  defaults: { label: 'frostmint-sealing', id: 0x03 },
};

/**
 * How to find a role's key: the label and/or hex id given on the command line, else the
 * role's default id.
 *
 * @example
 * ```ts
 * keyRefFor(APPROVAL_KEY, undefined, undefined); // { id: <Buffer 02> }
 * ```
 */
export function keyRefFor(
  role: KeyRole,
  label: string | undefined,
  idHex: string | undefined,
): KeyRef {
  if (label === undefined && idHex === undefined) return { id: Buffer.from([role.defaults.id]) };
  return {
    ...(label !== undefined ? { label } : {}),
    ...(idHex !== undefined ? { id: Buffer.from(idHex, 'hex') } : {}),
  };
}

/**
 * Finds the role's key on the token, or creates it when `create` is set and it is missing.
 * Creation works on SoftHSM2 and HSMs; a YubiKey's PIV keys are made with ykman, and the
 * error says how.
 *
 * @example
 * ```ts
 * const approval = await ensureKey(token, APPROVAL_KEY, { id: Buffer.from([2]) }, true, progress);
 * ```
 */
export async function ensureKey(
  token: Pkcs11Token,
  role: KeyRole,
  ref: KeyRef,
  create: boolean,
  progress: Progress,
): Promise<PublicKeyInfo> {
  if (await token.hasKey(ref)) {
    progress.say(`Found the ${role.name} key (${describeKey(ref)}) on ${token.name}.`);
    return token.publicKey(ref);
  }
  if (!create) {
    throw new Pkcs11Error(
      'pkcs11_key_not_found',
      `${token.name} has no ${role.name} key (${describeKey(ref)}). ${ykmanHint(role)}`,
    );
  }
  const spec = {
    label: ref.label ?? role.defaults.label,
    id: ref.id ?? Buffer.from([role.defaults.id]),
  };
  progress.say(`Creating the ${role.name} key (${describeKey(spec)}, EC P-256) on ${token.name} …`);
  try {
    return await token.generateKeyPair(spec, role.usage);
  } catch (err) {
    if (!(err instanceof Pkcs11Error && err.code === 'pkcs11_failed')) throw err;
    throw new Pkcs11Error(
      'pkcs11_key_not_creatable',
      `${token.name} cannot create the ${role.name} key through PKCS#11 (${err.ckr ?? 'refused'}). ${ykmanHint(role)}`,
      { cause: err },
    );
  }
}

function ykmanHint(role: KeyRole): string {
  const touch = role.name === 'approval' ? 'ALWAYS' : 'NEVER';
  return (
    `On a YubiKey create it with: ykman piv keys generate --algorithm ECCP256 --pin-policy ONCE ` +
    `--touch-policy ${touch} ${role.pivSlot} ${role.name}.pem && ykman piv certificates generate ` +
    `--subject "CN=frostmint ${role.name}" ${role.pivSlot} ${role.name}.pem (docs/operators/hardware-tokens.md).`
  );
}
