import { FrostmintError } from '@frostmint/core';
import { CommanderError } from 'commander';
import { ExitCode, exitCodeFor, ReportedFailure } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { buildProgram } from './program.ts';

const HINTS: Partial<Record<number, string>> = {
  [ExitCode.tokenUnavailable]:
    'Is the token inserted? List tokens with `pkcs11-tool --module <module> -L` (YubiKey: `ykman list`), then pass --token-label or --slot.',
  [ExitCode.pin]:
    'Check the PIN file or variable. A YubiKey blocks the PIN after 3 wrong tries: unblock it with `ykman piv access unblock-pin`.',
  [ExitCode.timeout]: 'Touch the YubiKey when it blinks, then run the command again.',
  [ExitCode.mechanism]:
    'frostmint needs ECDH and ECDSA on P-256 (CKM_ECDH1_DERIVE, CKM_ECDSA) from the token.',
};

/**
 * Runs `frostmint-guardian` with `argv` (without node and script) and returns the exit code.
 * With `--json`, a failure is also reported as `{"error", "message", "exitCode"}` on stdout.
 *
 * @example
 * ```ts
 * process.exitCode = await run(['enroll', '--name', 'alice', '--token-label', 'alice', '--pin-env', 'PIN'], processIo());
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (err) {
    const exitCode = exitCodeFor(err);
    if (err instanceof CommanderError) return exitCode; // commander has printed it
    const code = err instanceof FrostmintError ? err.code : 'internal';
    const message = err instanceof Error ? err.message : String(err);
    if (argv.includes('--json') && !(err instanceof ReportedFailure))
      io.stdout(`${JSON.stringify({ error: code, message, exitCode })}\n`);
    io.stderr(`error: ${message} [${code}]\n`);
    const hint = HINTS[exitCode];
    if (hint) io.stderr(`hint: ${hint}\n`);
    return exitCode;
  }
}
