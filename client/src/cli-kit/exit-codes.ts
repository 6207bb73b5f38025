/**
 * The exit codes of both frostmint binaries (`frostmint`, `frostmint-guardian`): one table,
 * one number per meaning, never reused. Scripts branch on them; `--help` and docs/cli.md
 * print this table.
 */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  refused: 3,
  notEnrolled: 4,
  timeout: 5,
  unavailable: 6,
  rateLimited: 7,
  unauthenticated: 8,
  aborted: 9,
  incomplete: 10,
  unhealthy: 11,
  notFound: 12,
  idTokenUnavailable: 13,
  unconfirmed: 14,
  tokenUnavailable: 15,
  pin: 16,
  key: 17,
  mechanism: 18,
  logInconsistent: 19,
} as const;
export type ExitName = keyof typeof EXIT;
export type ExitCode = (typeof EXIT)[ExitName];

/** What each exit code means, as `--help` and docs/cli.md show it. */
export const EXIT_MEANINGS: Readonly<Record<ExitName, string>> = {
  ok: 'success',
  internal: 'unexpected failure (a bug): please report it',
  usage: 'bad command line, option, input file, or a request the coordinator called malformed',
  refused:
    'refused: policy, a guardian, a signer or the coordinator said no (tap or report not verified, replay, revoked credential, ceremony refused, policy bundle malformed or refused)',
  notEnrolled: 'no active passkey enrollment: run `frostmint enroll`',
  timeout:
    'nobody acted in time: tap, guardian approvals, sign-in, security-key touch; or the request expired',
  unavailable:
    'the coordinator or the signer quorum is unreachable, unavailable or answered nonsense: retry later',
  rateLimited: 'rate-limited or locked out after failed attempts: wait, then retry',
  unauthenticated:
    'the credential was not accepted (CI ID token untrusted, expired or replayed; operator credential)',
  aborted: 'the ceremony failed midway and was aborted at every signer; nothing was written',
  incomplete:
    'applied at some signers only (ceremony commit, policy rollout): the message says which',
  unhealthy: 'status: no signed group configuration, or a signer is not ready or holds another key',
  notFound: 'no such request (already answered, expired, or never existed)',
  idTokenUnavailable: 'no CI ID token (file, environment variable or GitHub Actions request)',
  unconfirmed: 'not confirmed (answered no, or no terminal and no --yes); nothing was signed',
  tokenUnavailable:
    'hardware token or PKCS#11 module not available (insert the token, check --token-label / --module)',
  pin: 'PIN missing, rejected or locked',
  key: 'key not found, already present, unusable, or not creatable on this token',
  mechanism: 'the token lacks a required mechanism (ECDH / ECDSA on P-256)',
  logInconsistent:
    'audit: the log showed two inconsistent checkpoints (a fork, a rewritten or truncated history)',
};

/**
 * The exit-code table as text (`--help` of both binaries; docs/cli.md shows the same).
 *
 * @example
 * ```ts
 * program.addHelpText('after', exitCodesHelp());
 * ```
 */
export function exitCodesHelp(): string {
  const rows = (Object.keys(EXIT) as ExitName[]).map(
    (name) => `${String(EXIT[name]).padStart(3)}  ${EXIT_MEANINGS[name]}`,
  );
  return `\nExit codes:\n${rows.join('\n')}\n(one table for frostmint and frostmint-guardian: docs/cli.md)`;
}

/** Error codes (ours, the coordinator's, the PKCS#11 layer's) with a fixed meaning. */
const BY_CODE: Readonly<Record<string, ExitName>> = {
  usage: 'usage',
  cli_usage: 'usage',
  ceremony_file_invalid: 'usage',
  guardian_record_invalid: 'usage',
  approval_ambiguous: 'usage',
  not_enrolled: 'notEnrolled',
  request_expired: 'timeout',
  challenge_expired: 'timeout',
  approval_timeout: 'timeout',
  registration_timeout: 'timeout',
  pkcs11_timeout: 'timeout',
  request_denied: 'refused',
  approval_duplicate: 'refused',
  coordinator_refused: 'refused',
  ceremony_unauthorized: 'refused',
  ceremony_unguarded: 'refused',
  ceremony_transcript_invalid: 'refused',
  ceremony_transcript_mismatch: 'refused',
  ceremony_approval_invalid: 'refused',
  ceremony_approvals_insufficient: 'refused',
  dkg_group_exists: 'refused',
  group_config_unsigned: 'refused',
  // A bundle is refused whether the coordinator or the local check finds it malformed.
  policy_bundle_invalid: 'refused',
  policy_bundle_rejected: 'refused',
  policy_approval_invalid: 'refused',
  attestation_not_verified: 'refused',
  coordinator_unreachable: 'unavailable',
  coordinator_answer_invalid: 'unavailable',
  ceremony_aborted: 'aborted',
  ceremony_commit_incomplete: 'incomplete',
  policy_rollout_incomplete: 'incomplete',
  status_unhealthy: 'unhealthy',
  approval_not_found: 'notFound',
  request_not_found: 'notFound',
  request_unknown: 'notFound',
  id_token_missing: 'idTokenUnavailable',
  id_token_unreadable: 'idTokenUnavailable',
  id_token_malformed: 'idTokenUnavailable',
  id_token_request_failed: 'idTokenUnavailable',
  approval_unconfirmed: 'unconfirmed',
  pkcs11_token_not_present: 'tokenUnavailable',
  pkcs11_token_unavailable: 'tokenUnavailable',
  pkcs11_module_unavailable: 'tokenUnavailable',
  pkcs11_token_ambiguous: 'tokenUnavailable',
  pkcs11_token_exists: 'tokenUnavailable',
  pkcs11_no_free_slot: 'tokenUnavailable',
  pkcs11_pin_incorrect: 'pin',
  pkcs11_pin_locked: 'pin',
  pkcs11_pin_unavailable: 'pin',
  pkcs11_key_not_found: 'key',
  pkcs11_key_ambiguous: 'key',
  pkcs11_key_exists: 'key',
  pkcs11_key_not_creatable: 'key',
  pkcs11_key_unusable: 'key',
  ceremony_not_a_guardian: 'key',
  pkcs11_mechanism_unsupported: 'mechanism',
  // issue 14: `frostmint audit` (receipts, checkpoints, the log).
  audit_jwks_invalid: 'usage',
  note_malformed: 'refused',
  note_signature_invalid: 'refused',
  note_unverified: 'refused',
  checkpoint_malformed: 'refused',
  checkpoint_witnesses_missing: 'refused',
  receipt_malformed: 'refused',
  receipt_origin_mismatch: 'refused',
  receipt_signature_invalid: 'refused',
  receipt_inclusion_invalid: 'refused',
  receipt_entry_mismatch: 'refused',
  receipt_witness_invalid: 'refused',
  receipt_witnesses_missing: 'refused',
  audit_log_unreachable: 'unavailable',
  audit_fork_detected: 'logInconsistent',
  export_source_invalid: 'refused',
  export_conflict: 'refused',
  export_target_failed: 'unavailable',
  // A file named on the command line that is not there or not readable (see `failureOf`).
  file_not_found: 'usage',
  file_unreadable: 'usage',
};

/**
 * The exit code for an error code, with the HTTP status of a coordinator answer as the
 * fallback (400 usage, 401 unauthenticated, 403/409 refused, 404 not found, 429
 * rate-limited, 5xx or no answer unavailable).
 *
 * @example
 * ```ts
 * exitCodeFor('policy_denied', 403); // 3
 * ```
 */
export function exitCodeFor(code: string, status?: number): ExitCode {
  const named = BY_CODE[code];
  if (named) return EXIT[named];
  if (status === undefined) return EXIT.internal;
  if (status === 400 || status === 413 || status === 415) return EXIT.usage;
  if (status === 401) return EXIT.unauthenticated;
  if (status === 404) return EXIT.notFound;
  if (status === 429) return EXIT.rateLimited;
  if (status === 0 || status >= 500) return EXIT.unavailable;
  if (status >= 400) return EXIT.refused;
  return EXIT.internal;
}
