import { createHash } from 'node:crypto';
import { type ConventionOptions, renderResult, withConvention } from '@frostmint/client/cli-kit';
import {
  type ApprovalFile,
  approvalInput,
  CEREMONY_APPROVAL_FORMAT,
  ForbiddenError,
  transcriptDigest,
  verifyGuardianSignature,
  writeFileAtomic,
} from '@frostmint/core';
import { Pkcs11Token, p256Thumbprint, readPin } from '@frostmint/pkcs11';
import type { Command } from 'commander';
import { readTranscriptFile } from '../../ceremony/files.ts';
import { describeTranscript } from '../../ceremony/summary.ts';
import type { CliIo } from '../../io.ts';
import { APPROVAL_KEY, keyRefFor } from '../../keys.ts';
import { progress, quietFor } from '../../progress.ts';
import { type TokenCliOptions, tokenOptionsFrom, withTokenOptions } from '../../token-options.ts';

export interface ApproveOptions extends TokenCliOptions, ConventionOptions {
  transcript: string;
  out: string;
  approvalKeyLabel?: string;
  approvalKeyId?: string;
}

/**
 * Registers `ceremony approve` on the `ceremony` command.
 *
 * @example
 * ```ts
 * registerApprove(ceremony, io);
 * ```
 */
export function registerApprove(ceremony: Command, io: CliIo): void {
  withConvention(withTokenOptions(ceremony.command('approve')), { format: {} })
    .description(
      'show what a ceremony transcript does, then sign it with your approval key (touch your ' +
        'YubiKey when it blinks) and write an approval file for the ceremony operator',
    )
    .requiredOption('--transcript <path>', 'the transcript from `ceremony plan`')
    .requiredOption('--out <path>', 'where to write the approval file')
    .option('--approval-key-label <label>', 'approval key label (default: find by id 02)')
    .option('--approval-key-id <hex>', 'approval key CKA_ID (default 02 = PIV slot 9c)')
    .action(async (options: ApproveOptions) => {
      const approval = await approve(options, io);
      const text = `Approved as "${approval.guardian.name}". Approval written to ${options.out}: hand it to the ceremony operator.`;
      io.stdout(renderResult({ text, json: approval }, options.format!));
    });
}

/**
 * Shows the transcript, checks that this token's approval key belongs to one of its
 * guardians, signs SHA-256 of the domain-separated transcript on the token and writes the
 * approval file.
 *
 * @example
 * ```ts
 * const approval = await approve({ transcript: 'dkg.json', out: 'alice.approval.json', module, tokenLabel: 'alice', pinEnv: 'PIN' }, io);
 * ```
 */
export async function approve(options: ApproveOptions, io: CliIo): Promise<ApprovalFile> {
  const transcript = await readTranscriptFile(options.transcript);
  const say = progress(io, quietFor(options.format));
  // Always shown (stderr, also with --json): nobody approves what they have not seen.
  io.stderr(`You are asked to approve this key ceremony:\n\n${describeTranscript(transcript)}\n`);
  const tokenOptions = tokenOptionsFrom(options, io, say.touch);
  const token = Pkcs11Token.open(tokenOptions);
  try {
    await readPin(tokenOptions.pin); // ask now, not while a token operation's timeout runs
    const ref = keyRefFor(APPROVAL_KEY, options.approvalKeyLabel, options.approvalKeyId);
    const kid = p256Thumbprint((await token.publicKey(ref)).point);
    const guardian = transcript.guardians.find((g) => g.approvalKey.kid === kid);
    if (!guardian) {
      throw new ForbiddenError(
        'ceremony_not_a_guardian',
        `the approval key on ${token.name} (${kid}) is not one of this ceremony's guardians`,
      );
    }
    say.say(
      `Signing as guardian "${guardian.name}" with ${token.name}: touch your YubiKey now if it blinks …`,
    );
    const input = approvalInput(transcript);
    const signature = await token.sign(ref, createHash('sha256').update(input).digest());
    if (!verifyGuardianSignature(guardian, input, signature)) {
      throw new ForbiddenError(
        'ceremony_approval_invalid',
        'the token produced a signature that does not verify',
      );
    }
    const approval: ApprovalFile = {
      format: CEREMONY_APPROVAL_FORMAT,
      version: 1,
      kind: transcript.kind,
      ceremonyId: transcript.ceremonyId,
      transcriptSha256: transcriptDigest(transcript).toString('base64url'),
      guardian: { name: guardian.name, kid },
      approvedAt: new Date().toISOString(),
      signature: signature.toString('base64url'),
    };
    await writeFileAtomic(options.out, `${JSON.stringify(approval, null, 2)}\n`, 0o644);
    return approval;
  } finally {
    await token.close();
  }
}
