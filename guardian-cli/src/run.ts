import { type ExitCode as Code, EXIT, runCli } from '@frostmint/client/cli-kit';
import type { CliIo } from './io.ts';
import { BIN, buildProgram, VERSION } from './program.ts';

/** What to do, per exit code, for a guardian at a hardware token. */
const HINTS: Partial<Record<Code, string>> = {
  [EXIT.tokenUnavailable]:
    'Is the token inserted? List tokens with `pkcs11-tool --module <module> -L` (YubiKey: `ykman list`), then pass --token-label or --slot.',
  [EXIT.pin]:
    'Check the PIN file or variable. A YubiKey blocks the PIN after 3 wrong tries: unblock it with `ykman piv access unblock-pin`.',
  [EXIT.mechanism]:
    'frostmint needs ECDH and ECDSA on P-256 (CKM_ECDH1_DERIVE, CKM_ECDSA) from the token.',
};

/**
 * Runs `frostmint-guardian` with `argv` (without node and script) and returns the exit code
 * (docs/cli.md). A failure prints `frostmint-guardian: <code>: <what to do>` on stderr; with
 * `--format json` also `{"error", "message", "exitCode"}` on stdout.
 *
 * @example
 * ```ts
 * process.exitCode = await run(['enroll', '--name', 'alice', '--token-label', 'alice', '--pin-env', 'PIN'], processIo());
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runCli(buildProgram(io), argv, { bin: BIN, version: VERSION, io, hints: HINTS });
}
