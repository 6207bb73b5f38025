import { z } from 'zod';
import type { KeyRef } from './objects.ts';
import type { Pkcs11TokenOptions, TouchWaitEvent } from './options.ts';

/**
 * Configuration of a PKCS#11 token and key, as it appears in JSON config files. The PIN is
 * never part of it: only the path of a PIN file or the name of an environment variable.
 *
 * ```json
 * { "module": "/usr/lib/x86_64-linux-gnu/libykcs11.so", "tokenLabel": "YubiKey PIV #12345678",
 *   "keyId": "03", "pinFile": "/run/credentials/frostmint-signer/token-pin" }
 * ```
 */
export const tokenConfigFields = {
  /** Path of the PKCS#11 module (.so). */
  module: z.string().min(1),
  /** Token label (`CK_TOKEN_INFO.label`), or else… */
  tokenLabel: z.string().min(1).max(32).optional(),
  /** …the numeric slot id. */
  slot: z.number().int().min(0).optional(),
  /** Path of a file holding the user PIN, or else… */
  pinFile: z.string().min(1).optional(),
  /** …the name of the environment variable holding it. */
  pinEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
  /** Report "waiting for touch" after this many milliseconds (default 1 000). */
  touchNoticeMs: z.number().int().min(0).max(60_000).optional(),
  /** Give up on a token operation after this many milliseconds (default 30 000). */
  timeoutMs: z.number().int().min(1_000).max(600_000).optional(),
};

/** The key: `keyLabel` (`CKA_LABEL`), `keyId` (`CKA_ID`, hex; `03` = PIV slot 9d on a YubiKey), or both. */
export const keyConfigFields = {
  keyLabel: z.string().min(1).optional(),
  keyId: z
    .string()
    .regex(/^(?:[0-9a-fA-F]{2})+$/, 'expected hex bytes, e.g. "03"')
    .optional(),
};

type TokenConfigInput = { tokenLabel?: string; slot?: number; pinFile?: string; pinEnv?: string };
type KeyConfigInput = { keyLabel?: string; keyId?: string };

/**
 * zod refinement: exactly one of `tokenLabel` / `slot`, exactly one of `pinFile` / `pinEnv`.
 *
 * @example
 * ```ts
 * const Schema = z.object(tokenConfigFields).strict().superRefine(checkTokenConfig);
 * ```
 */
export function checkTokenConfig(config: TokenConfigInput, ctx: z.RefinementCtx): void {
  if ((config.tokenLabel === undefined) === (config.slot === undefined)) {
    ctx.addIssue({
      code: 'custom',
      message: 'set exactly one of tokenLabel and slot',
      path: ['tokenLabel'],
    });
  }
  if ((config.pinFile === undefined) === (config.pinEnv === undefined)) {
    ctx.addIssue({
      code: 'custom',
      message: 'set exactly one of pinFile and pinEnv',
      path: ['pinFile'],
    });
  }
}

/**
 * zod refinement: at least one of `keyLabel` / `keyId`.
 *
 * @example
 * ```ts
 * const Schema = z.object(keyConfigFields).superRefine(checkKeyConfig);
 * ```
 */
export function checkKeyConfig(config: KeyConfigInput, ctx: z.RefinementCtx): void {
  if (config.keyLabel === undefined && config.keyId === undefined) {
    ctx.addIssue({ code: 'custom', message: 'set keyLabel, keyId or both', path: ['keyLabel'] });
  }
}

/** A validated token configuration (module, token, PIN source, timings). */
export type Pkcs11TokenConfig = z.infer<z.ZodObject<typeof tokenConfigFields>>;

/**
 * Client options for a validated token configuration.
 *
 * @example
 * ```ts
 * const token = Pkcs11Token.open(tokenOptionsFromConfig(Pkcs11VaultConfigSchema.parse(json)));
 * ```
 */
export function tokenOptionsFromConfig(
  config: Pkcs11TokenConfig,
  onWaitingForTouch?: (event: TouchWaitEvent) => void,
): Pkcs11TokenOptions {
  return {
    module: config.module,
    token:
      config.tokenLabel !== undefined ? { label: config.tokenLabel } : { slot: config.slot ?? 0 },
    pin: config.pinFile !== undefined ? { file: config.pinFile } : { env: config.pinEnv ?? '' },
    ...(config.touchNoticeMs !== undefined ? { touchNoticeMs: config.touchNoticeMs } : {}),
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
    ...(onWaitingForTouch ? { onWaitingForTouch } : {}),
  };
}

/**
 * The key reference of a validated key configuration.
 *
 * @example
 * ```ts
 * keyRefFromConfig({ keyId: '03' }); // { id: <Buffer 03> }
 * ```
 */
export function keyRefFromConfig(config: KeyConfigInput): KeyRef {
  return {
    ...(config.keyLabel !== undefined ? { label: config.keyLabel } : {}),
    ...(config.keyId !== undefined ? { id: Buffer.from(config.keyId, 'hex') } : {}),
  };
}
