import type { TouchWaitEvent } from '@frostmint/pkcs11';
import type { CliIo } from './io.ts';

/** Human progress on stderr: what happens, and what the guardian must do. */
export interface Progress {
  /** A step ("Logging in to token …"); silent with `--json`. */
  say(message: string): void;
  /** The token waits for a touch; always shown, also with `--json`. */
  touch(event: TouchWaitEvent): void;
}

const WAITING_FOR: Record<TouchWaitEvent['operation'], string> = {
  sign: 'sign',
  ecdh: 'unseal',
  generate: 'create the key',
};

/**
 * Progress reporting for one command run.
 *
 * @example
 * ```ts
 * const p = progress(io, opts.json);
 * p.say('Creating the approval key …');
 * ```
 */
export function progress(io: CliIo, json: boolean): Progress {
  return {
    say: (message) => {
      if (!json) io.stderr(`${message}\n`);
    },
    touch: (event) => {
      io.stderr(
        `>>> Touch your YubiKey now (it blinks): ${event.token} waits to ${WAITING_FOR[event.operation]} with key ${event.key}.\n`,
      );
    },
  };
}

/**
 * Whether step messages stay silent: machine formats (`--format json|env`) keep stderr for
 * touch prompts, warnings and errors only.
 *
 * @example
 * ```ts
 * const say = progress(io, quietFor(options.format));
 * ```
 */
export function quietFor(format: string | undefined): boolean {
  return format === 'json' || format === 'env';
}
