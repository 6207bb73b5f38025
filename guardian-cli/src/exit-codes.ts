import { FrostmintError } from '@frostmint/core';
import { CommanderError } from 'commander';

/**
 * The documented exit codes of `frostmint-guardian`. Scripts may branch on them; they are
 * part of the interface and never change meaning.
 */
export const ExitCode = {
  /** Done. */
  ok: 0,
  /** Unexpected failure (a bug or an unclassified token error). */
  failure: 1,
  /** Bad command line or options. */
  usage: 2,
  /** The token or the PKCS#11 module is not there (not inserted, wrong label, module missing). */
  tokenUnavailable: 3,
  /** PIN problem: missing, rejected, or locked. */
  pin: 4,
  /** Key problem: not found, already there, not usable, or cannot be created on this token. */
  key: 5,
  /** The token did not answer in time, usually because nobody touched it. */
  timeout: 6,
  /** The token lacks a mechanism frostmint needs (ECDH or ECDSA on P-256). */
  mechanism: 7,
  /** A signer refused the ceremony (approvals, transcript or group state); nothing changed. */
  ceremonyRefused: 8,
  /** The ceremony failed midway and was aborted at every signer; nothing was written. */
  ceremonyAborted: 9,
  /** The signed result was committed at some signers only (see the message). */
  ceremonyIncomplete: 10,
  /** status: no signed group configuration, or a signer is not ready or holds another key. */
  unhealthy: 11,
  /** approve/deny: the coordinator refused the answer, or no such pending request. */
  approvalRefused: 12,
  /** approve/deny, policy submit: the coordinator could not be reached or answered nonsense. */
  coordinatorUnavailable: 13,
  /** approve/deny: not confirmed (answered no, or no terminal and no --yes); nothing signed. */
  unconfirmed: 14,
  /** policy: the bundle is malformed, or it was refused (too few valid guardian approvals). */
  policyRefused: 15,
  /** policy submit: too few signers installed the bundle; the coordinator keeps its policy. */
  policyIncomplete: 16,
} as const;

/**
 * A failure whose result the command has already printed (an unhealthy `status`): `run`
 * sets the exit code but prints no second JSON document.
 *
 * @example
 * ```ts
 * throw new ReportedFailure('status_unhealthy', 'not every signer is ready');
 * ```
 */
export class ReportedFailure extends FrostmintError {}

/** The exit code table, as shown in `--help`. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  unexpected failure
  2  bad command line or options
  3  token or PKCS#11 module not available (insert the token, check --token-label / --module)
  4  PIN missing, rejected or locked
  5  key not found, already present, unusable, or not creatable on this token
  6  the token did not answer in time (touch it when it blinks)
  7  the token lacks a required mechanism (ECDH / ECDSA on P-256)
  8  a signer refused the ceremony (approvals, transcript, group state); nothing changed
  9  the ceremony failed midway and was aborted at every signer; nothing was written
 10  the ceremony committed at some signers only; the message says which (replace-signer them)
 11  status: no signed group configuration, or a signer is not ready / holds another key
 12  approve/deny/webauthn bind: the coordinator refused, no such request, or no tap in time
 13  approve/deny/webauthn bind, policy submit: the coordinator could not be reached
 14  approve/deny/webauthn bind: not confirmed; nothing was signed
 15  policy: the bundle is malformed or was refused (too few valid guardian approvals)
 16  policy submit: too few signers installed it; the old policy stays`;

const BY_CODE: Record<string, number> = {
  cli_usage: ExitCode.usage,
  pkcs11_token_not_present: ExitCode.tokenUnavailable,
  pkcs11_token_unavailable: ExitCode.tokenUnavailable,
  pkcs11_module_unavailable: ExitCode.tokenUnavailable,
  pkcs11_token_ambiguous: ExitCode.tokenUnavailable,
  pkcs11_token_exists: ExitCode.tokenUnavailable,
  pkcs11_no_free_slot: ExitCode.tokenUnavailable,
  pkcs11_pin_incorrect: ExitCode.pin,
  pkcs11_pin_locked: ExitCode.pin,
  pkcs11_pin_unavailable: ExitCode.pin,
  pkcs11_key_not_found: ExitCode.key,
  pkcs11_key_ambiguous: ExitCode.key,
  pkcs11_key_exists: ExitCode.key,
  pkcs11_key_not_creatable: ExitCode.key,
  pkcs11_key_unusable: ExitCode.key,
  pkcs11_timeout: ExitCode.timeout,
  pkcs11_mechanism_unsupported: ExitCode.mechanism,
  ceremony_file_invalid: ExitCode.usage,
  guardian_record_invalid: ExitCode.usage,
  ceremony_not_a_guardian: ExitCode.key,
  ceremony_unauthorized: ExitCode.ceremonyRefused,
  ceremony_unguarded: ExitCode.ceremonyRefused,
  ceremony_transcript_invalid: ExitCode.ceremonyRefused,
  ceremony_transcript_mismatch: ExitCode.ceremonyRefused,
  ceremony_approval_invalid: ExitCode.ceremonyRefused,
  ceremony_approvals_insufficient: ExitCode.ceremonyRefused,
  dkg_group_exists: ExitCode.ceremonyRefused,
  group_config_unsigned: ExitCode.ceremonyRefused,
  ceremony_aborted: ExitCode.ceremonyAborted,
  ceremony_commit_incomplete: ExitCode.ceremonyIncomplete,
  status_unhealthy: ExitCode.unhealthy,
  approval_not_found: ExitCode.approvalRefused,
  approval_duplicate: ExitCode.approvalRefused,
  approval_ambiguous: ExitCode.usage,
  coordinator_refused: ExitCode.approvalRefused,
  coordinator_unreachable: ExitCode.coordinatorUnavailable,
  coordinator_answer_invalid: ExitCode.coordinatorUnavailable,
  approval_unconfirmed: ExitCode.unconfirmed,
  registration_timeout: ExitCode.approvalRefused,
  policy_bundle_invalid: ExitCode.policyRefused,
  policy_bundle_rejected: ExitCode.policyRefused,
  policy_approval_invalid: ExitCode.policyRefused,
  policy_rollout_incomplete: ExitCode.policyIncomplete,
};

/**
 * The exit code for an error that ended a command.
 *
 * @example
 * ```ts
 * process.exitCode = exitCodeFor(err); // 4 for a wrong PIN
 * ```
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (err instanceof FrostmintError) return BY_CODE[err.code] ?? ExitCode.failure;
  return ExitCode.failure;
}
