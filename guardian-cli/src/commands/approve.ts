import { type AnswerResult, CoordinatorClient, type PendingRequest } from '@frostmint/client';
import { type ConventionOptions, renderResult, withConvention } from '@frostmint/client/cli-kit';
import {
  enrollmentApprovalDigest,
  FrostmintError,
  InvalidRequestError,
  mintApprovalDigest,
} from '@frostmint/core';
import { Pkcs11Token, p256Thumbprint, readPin } from '@frostmint/pkcs11';
import type { Command } from 'commander';
import { describePending } from '../approvals/summary.ts';
import type { CliIo } from '../io.ts';
import { APPROVAL_KEY, keyRefFor } from '../keys.ts';
import { progress, quietFor } from '../progress.ts';
import { type TokenCliOptions, tokenOptionsFrom, withTokenOptions } from '../token-options.ts';

export interface AnswerOptions extends TokenCliOptions, ConventionOptions {
  request?: string;
  yes?: boolean;
  approvalKeyLabel?: string;
  approvalKeyId?: string;
}

/**
 * Registers `approve` and `deny`: review a pending mint request or enrollment at the coordinator, confirm,
 * and sign the answer with the guardian's approval key (YubiKey slot 9c: touch).
 *
 * @example
 * ```ts
 * registerAnswer(program, io);
 * ```
 */
export function registerAnswer(program: Command, io: CliIo): void {
  for (const deny of [false, true]) {
    const command = withTokenOptions(program.command(deny ? 'deny' : 'approve'));
    withConvention(command, { coordinator: 'required', format: {} })
      .description(
        deny
          ? 'refuse a pending mint request or enrollment: review it, confirm, sign the refusal with your approval key'
          : 'approve a pending mint request (e.g. deploy:prod) or enrollment (e.g. a releaser): review it, confirm, sign with your ' +
              'approval key (touch your YubiKey when it blinks); lists pending requests without --request',
      )
      .option('--request <id>', 'the request to answer (needed when several are pending)')
      .option('--yes', 'do not ask for confirmation (the request is still shown)')
      .option('--approval-key-label <label>', 'approval key label (default: find by id 02)')
      .option('--approval-key-id <hex>', 'approval key CKA_ID (default 02 = PIV slot 9c)')
      .action(async (options: AnswerOptions) => {
        const result = await answer(options, io, deny);
        io.stdout(renderResult({ text: result.summary, json: result }, options.format!));
      });
  }
}

/**
 * Fetches the pending request, shows it, asks for confirmation, signs the approval (or
 * denial) digest on the token and submits it. Throws `approval_not_found`,
 * `approval_ambiguous`, `approval_unconfirmed`, or the coordinator's refusal.
 *
 * @example
 * ```ts
 * await answer({ coordinator, request: id, module, tokenLabel: 'alice', pinEnv: 'PIN' }, io, false);
 * ```
 */
export async function answer(
  options: AnswerOptions,
  io: CliIo,
  deny: boolean,
): Promise<{
  request: string;
  decision: 'approve' | 'deny';
  guardianKid: string;
  summary: string;
  coordinator: AnswerResult;
}> {
  const api = new CoordinatorClient({ baseUrl: options.coordinator!, timeoutMs: 15_000 });
  const request = pick(await api.pendingApprovals(), options.request, io);
  const now = Date.now() / 1000;
  // Always shown (stderr, also with --json): nobody approves what they have not seen.
  io.stderr(
    `You are asked to ${deny ? 'DENY' : 'approve'} this ${request.kind === 'enrollment' ? 'enrollment' : 'mint request'}:\n\n${describePending(request, now)}\n`,
  );
  if (!options.yes) await confirm(io, deny);
  const say = progress(io, quietFor(options.format));
  const tokenOptions = tokenOptionsFrom(options, io, say.touch);
  const token = Pkcs11Token.open(tokenOptions);
  let guardianKid: string;
  let signature: Uint8Array;
  try {
    await readPin(tokenOptions.pin);
    const ref = keyRefFor(APPROVAL_KEY, options.approvalKeyLabel, options.approvalKeyId);
    guardianKid = p256Thumbprint((await token.publicKey(ref)).point);
    if (request.approvals.some((a) => a.guardian_kid === guardianKid)) {
      throw new FrostmintError('approval_duplicate', 'you have already approved this request');
    }
    say.say(`Signing with ${token.name}: touch your YubiKey now if it blinks …`);
    const digest =
      request.kind === 'enrollment'
        ? enrollmentApprovalDigest(request.approval_subject, deny)
        : mintApprovalDigest(request.approval_subject, deny);
    signature = await token.sign(ref, digest);
  } finally {
    await token.close();
  }
  const coordinator = await api.answerApproval(request.id, { guardianKid, signature }, deny);
  const progressText = deny
    ? `Denied request ${request.id}.`
    : `Approved request ${request.id} (${coordinator.approvals ?? '?'} of ${coordinator.required ?? request.required_approvals} approvals).`;
  return {
    request: request.id,
    decision: deny ? 'deny' : 'approve',
    guardianKid,
    summary: progressText,
    coordinator,
  };
}

function pick(pending: PendingRequest[], id: string | undefined, io: CliIo): PendingRequest {
  if (id !== undefined) {
    const found = pending.find((r) => r.id === id);
    if (!found) {
      throw new FrostmintError('approval_not_found', `no pending request ${id} at the coordinator`);
    }
    return found;
  }
  if (pending.length === 1) return pending[0]!;
  if (pending.length === 0) {
    throw new FrostmintError('approval_not_found', 'no request is waiting for approval');
  }
  const now = Date.now() / 1000;
  io.stderr(`${pending.length} requests are pending:\n\n`);
  for (const r of pending) io.stderr(`${describePending(r, now)}\n`);
  throw new InvalidRequestError(
    'approval_ambiguous',
    'several requests are pending: pass --request <id>',
  );
}

async function confirm(io: CliIo, deny: boolean): Promise<void> {
  const question = `${deny ? 'Deny' : 'Approve'} this request? Type "yes" to confirm: `;
  const reply = io.confirm ? await io.confirm(question) : undefined;
  if (reply !== true) {
    throw new FrostmintError(
      'approval_unconfirmed',
      reply === undefined
        ? 'no terminal to confirm on: review the request and pass --yes'
        : 'not confirmed: nothing was signed',
    );
  }
}
