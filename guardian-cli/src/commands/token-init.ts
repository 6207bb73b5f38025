import { type ConventionOptions, renderResult, withConvention } from '@frostmint/client/cli-kit';
import {
  findSoftHsm2Module,
  initToken,
  Pkcs11Token,
  readPin,
  type TokenDescription,
} from '@frostmint/pkcs11';
import type { Command } from 'commander';
import { type KeyRecord, keyRecord } from '../guardian-record.ts';
import type { CliIo } from '../io.ts';
import { APPROVAL_KEY, ensureKey, keyRefFor, SEALING_KEY } from '../keys.ts';
import { progress, quietFor } from '../progress.ts';
import { MODULE_ENV, pinSourceFrom, usage } from '../token-options.ts';

export interface TokenInitOptions extends ConventionOptions {
  label: string;
  module?: string;
  soPinFile?: string;
  soPinEnv?: string;
  pinFile?: string;
  pinEnv?: string;
  /** `--no-keys` sets false. */
  keys: boolean;
}

export interface TokenInitResult {
  readonly token: TokenDescription;
  readonly keys: { readonly approval?: KeyRecord; readonly sealing?: KeyRecord };
}

/**
 * Registers `token init` on `program`.
 *
 * @example
 * ```ts
 * registerTokenInit(program, io);
 * ```
 */
export function registerTokenInit(program: Command, io: CliIo): void {
  const init = program
    .command('token')
    .description('token helpers for development and tests')
    .command('init');
  withConvention(init, { format: {} })
    .description(
      'SoftHSM2 helper: create a token in a free slot, set its PINs, and create the approval and ' +
        'sealing keys (SoftHSM2 reads its token directory from $SOFTHSM2_CONF). Never touches ' +
        'an initialised token.',
    )
    .requiredOption('--label <label>', 'label of the new token (at most 32 bytes)')
    .option(
      '--module <path>',
      `PKCS#11 module (default: $${MODULE_ENV}, else SoftHSM2's usual path)`,
    )
    .option('--so-pin-file <path>', 'security-officer PIN from this file')
    .option('--so-pin-env <name>', 'security-officer PIN from this environment variable')
    .option('--pin-file <path>', 'user PIN from this file')
    .option('--pin-env <name>', 'user PIN from this environment variable')
    .option('--no-keys', 'create the token only')
    .action(async (options: TokenInitOptions) => {
      const result = await tokenInit(options, io);
      if (!quietFor(options.format))
        io.stderr(`\nToken "${result.token.label}" is ready in slot ${result.token.slot}.\n\n`);
      // The result (token and key records) is a document: text prints it as JSON too.
      const json = `${JSON.stringify(result, null, 2)}`;
      io.stdout(renderResult({ text: json, json: result }, options.format!));
    });
}

/**
 * Creates and sets up a SoftHSM2 token; returns its description and key records.
 *
 * @example
 * ```ts
 * const { token, keys } = await tokenInit({ label: 'dev-guardian', soPinEnv: 'SO_PIN', pinEnv: 'PIN', keys: true }, io);
 * ```
 */
export async function tokenInit(options: TokenInitOptions, io: CliIo): Promise<TokenInitResult> {
  const module = options.module ?? process.env[MODULE_ENV] ?? findSoftHsm2Module();
  if (!module)
    throw usage(`SoftHSM2 not found: install softhsm2 or pass --module / $${MODULE_ENV}`);
  const say = progress(io, quietFor(options.format));
  const soPin = await readPin(
    pinSourceFrom(options.soPinFile, options.soPinEnv, io, 'New token SO PIN: '),
  );
  const pin = await readPin(
    pinSourceFrom(options.pinFile, options.pinEnv, io, 'New token user PIN: '),
  );
  const known = (value: string) => ({ prompt: async () => value });

  say.say(`Creating token "${options.label}" with ${module} …`);
  await initToken({ module, label: options.label, soPin: known(soPin), pin: known(pin) });
  const token = Pkcs11Token.open({
    module,
    token: { label: options.label },
    pin: known(pin),
    onWaitingForTouch: say.touch,
  });
  try {
    const keys: { approval?: KeyRecord; sealing?: KeyRecord } = {};
    if (options.keys) {
      for (const role of [APPROVAL_KEY, SEALING_KEY]) {
        keys[role.name] = keyRecord(
          await ensureKey(token, role, keyRefFor(role, undefined, undefined), true, say),
        );
      }
    }
    return { token: await token.describe(), keys };
  } finally {
    await token.close();
  }
}
