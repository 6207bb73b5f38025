import { createHash, verify } from 'node:crypto';
import { type ConventionOptions, renderResult, withConvention } from '@frostmint/client/cli-kit';
import {
  encodePolicyBundle,
  ForbiddenError,
  policyApprovalInput,
  writeFileAtomic,
} from '@frostmint/core';
import { Pkcs11Token, p256PublicKey, p256Thumbprint, readPin } from '@frostmint/pkcs11';
import type { Command } from 'commander';
import type { CliIo } from '../../io.ts';
import { APPROVAL_KEY, keyRefFor } from '../../keys.ts';
import { progress } from '../../progress.ts';
import { type TokenCliOptions, tokenOptionsFrom, withTokenOptions } from '../../token-options.ts';
import { describeBundle, readBundleFile } from './bundle-file.ts';

interface PolicyApproveOptions extends TokenCliOptions, ConventionOptions {
  bundle: string;
  approvalKeyLabel?: string;
  approvalKeyId?: string;
}

/**
 * Registers `policy approve`: show the bundle, sign its policy id with the approval key, and
 * add the approval to the bundle file (pass the file on to the next guardian).
 *
 * @example
 * ```ts
 * registerPolicyApprove(policy, io);
 * ```
 */
export function registerPolicyApprove(policy: Command, io: CliIo): void {
  withConvention(withTokenOptions(policy.command('approve')), { format: {} })
    .description(
      'show a policy bundle, sign its policy id with your approval key (touch your YubiKey ' +
        'when it blinks) and add the approval to the bundle file',
    )
    .requiredOption('--bundle <path>', 'bundle file from `policy pack` (updated in place)')
    .option('--approval-key-label <label>', 'approval key label (default: find by id 02)')
    .option('--approval-key-id <hex>', 'approval key CKA_ID (default 02 = PIV slot 9c)')
    .action(async (options: PolicyApproveOptions) => {
      const count = await approvePolicy(options, io);
      const text = `Approved. ${options.bundle} now carries ${count} approval(s).`;
      io.stdout(
        renderResult({ text, json: { bundle: options.bundle, approvals: count } }, options.format!),
      );
    });
}

/**
 * Signs SHA-256 of `policyApprovalInput(id)` on the token and writes the bundle back with
 * this guardian's approval (replacing an earlier one by the same key). Returns how many
 * approvals the bundle carries.
 *
 * @example
 * ```ts
 * await approvePolicy({ bundle: 'policy-bundle.json', module, tokenLabel: 'alice', pinFile }, io);
 * ```
 */
export async function approvePolicy(options: PolicyApproveOptions, io: CliIo): Promise<number> {
  const bundle = await readBundleFile(options.bundle);
  const say = progress(io, false);
  // Always shown: nobody approves what they have not seen.
  io.stderr(`You are asked to approve this policy bundle:\n\n${describeBundle(bundle)}\n`);
  const tokenOptions = tokenOptionsFrom(options, io, say.touch);
  const token = Pkcs11Token.open(tokenOptions);
  try {
    await readPin(tokenOptions.pin);
    const ref = keyRefFor(APPROVAL_KEY, options.approvalKeyLabel, options.approvalKeyId);
    const { point } = await token.publicKey(ref);
    say.say(`Signing with ${token.name}: touch your YubiKey now if it blinks …`);
    const input = policyApprovalInput(bundle.id);
    const signature = await token.sign(ref, createHash('sha256').update(input).digest());
    const key = { key: p256PublicKey(point), dsaEncoding: 'ieee-p1363' as const };
    if (!verify('sha256', input, key, signature)) {
      throw new ForbiddenError(
        'policy_approval_invalid',
        'the token produced a signature that does not verify',
      );
    }
    const guardian = p256Thumbprint(point);
    const approvals = [
      ...bundle.approvals.filter((a) => a.guardian !== guardian),
      { guardian, signature },
    ];
    await writeFileAtomic(options.bundle, encodePolicyBundle({ ...bundle, approvals }), 0o644);
    return approvals.length;
  } finally {
    await token.close();
  }
}
