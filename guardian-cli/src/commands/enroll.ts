import { createHash } from 'node:crypto';
import { type ConventionOptions, renderResult, withConvention } from '@frostmint/client/cli-kit';
import { Pkcs11Token, readPin } from '@frostmint/pkcs11';
import type { Command } from 'commander';
import {
  GUARDIAN_RECORD_FORMAT,
  type GuardianRecord,
  keyRecord,
  recordSigningInput,
  tokenRecord,
  type UnsignedGuardianRecord,
  verifyGuardianRecord,
} from '../guardian-record.ts';
import type { CliIo } from '../io.ts';
import { APPROVAL_KEY, ensureKey, keyRefFor, SEALING_KEY } from '../keys.ts';
import { progress, quietFor } from '../progress.ts';
import {
  type TokenCliOptions,
  tokenOptionsFrom,
  usage,
  withTokenOptions,
} from '../token-options.ts';

export interface EnrollOptions extends TokenCliOptions, ConventionOptions {
  name: string;
  approvalKeyLabel?: string;
  approvalKeyId?: string;
  sealingKeyLabel?: string;
  sealingKeyId?: string;
  /** `--no-sealing-key` sets false. */
  sealingKey: boolean;
  /** `--no-create` sets false. */
  create: boolean;
}

/**
 * Registers `enroll` on `program`.
 *
 * @example
 * ```ts
 * registerEnroll(program, io);
 * ```
 */
export function registerEnroll(program: Command, io: CliIo): void {
  withConvention(withTokenOptions(program.command('enroll')), { format: {} })
    .description(
      'find or create the guardian approval key (ECDSA P-256, PIV 9c) and the sealing key ' +
        '(ECDH P-256, PIV 9d / HSM key), and print the signed guardian record',
    )
    .requiredOption('--name <name>', 'guardian name as it should appear in the group configuration')
    .option('--approval-key-label <label>', 'approval key label (default: find by id 02)')
    .option('--approval-key-id <hex>', 'approval key CKA_ID (default 02 = PIV slot 9c)')
    .option('--sealing-key-label <label>', 'sealing key label (default: find by id 03)')
    .option('--sealing-key-id <hex>', 'sealing key CKA_ID (default 03 = PIV slot 9d)')
    .option('--no-sealing-key', 'enroll the approval key only')
    .option('--no-create', 'only find keys; fail if one is missing')
    .action(async (options: EnrollOptions) => {
      const record = await enroll(options, io);
      if (!quietFor(options.format)) {
        io.stderr(
          `\nGuardian record for "${record.name}": approval key ${record.approvalKey.kid}` +
            (record.sealingKey ? `, sealing key ${record.sealingKey.kid}` : '') +
            '.\nAdd it to the group configuration (it is public; the proof shows the token holds the key).\n\n',
        );
      }
      // The record is a document to hand on: text prints it as JSON too.
      const json = JSON.stringify(record, null, 2);
      io.stdout(renderResult({ text: json, json: record }, options.format!));
    });
}

/**
 * Finds or creates the keys, signs the record with the approval key (the guardian may be
 * asked to touch their YubiKey) and returns it.
 *
 * @example
 * ```ts
 * const record = await enroll({ name: 'alice', module, tokenLabel: 'alice', pinEnv: 'PIN', sealingKey: true, create: true }, io);
 * ```
 */
export async function enroll(options: EnrollOptions, io: CliIo): Promise<GuardianRecord> {
  for (const id of [options.approvalKeyId, options.sealingKeyId]) {
    if (id !== undefined && !/^(?:[0-9a-fA-F]{2})+$/.test(id))
      throw usage(`key id "${id}" is not hex bytes, e.g. 02`);
  }
  const say = progress(io, quietFor(options.format));
  const tokenOptions = tokenOptionsFrom(options, io, say.touch);
  const token = Pkcs11Token.open(tokenOptions);
  try {
    say.say(`Opening ${token.name} …`);
    const described = await token.describe();
    say.say(
      `Using ${described.manufacturer} ${described.model} (serial ${described.serial || 'unknown'}).`,
    );
    await readPin(tokenOptions.pin); // ask now, not while a token operation's timeout runs
    const approvalRef = keyRefFor(APPROVAL_KEY, options.approvalKeyLabel, options.approvalKeyId);
    const approval = await ensureKey(token, APPROVAL_KEY, approvalRef, options.create, say);
    const sealing = options.sealingKey
      ? await ensureKey(
          token,
          SEALING_KEY,
          keyRefFor(SEALING_KEY, options.sealingKeyLabel, options.sealingKeyId),
          options.create,
          say,
        )
      : undefined;
    const unsigned: UnsignedGuardianRecord = {
      format: GUARDIAN_RECORD_FORMAT,
      version: 1,
      name: options.name,
      token: tokenRecord(described),
      approvalKey: keyRecord(approval),
      ...(sealing ? { sealingKey: keyRecord(sealing) } : {}),
      createdAt: new Date().toISOString(),
    };
    say.say('Signing the guardian record with the approval key …');
    const digest = createHash('sha256').update(recordSigningInput(unsigned)).digest();
    const proof = await token.sign(approvalRef, digest);
    return verifyGuardianRecord({ ...unsigned, proof: proof.toString('base64url') });
  } finally {
    await token.close();
  }
}
