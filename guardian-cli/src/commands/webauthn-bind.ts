import { createHash } from 'node:crypto';
import { CoordinatorClient } from '@frostmint/client';
import {
  CliError,
  type ConventionOptions,
  EXIT,
  renderResult,
  withConvention,
} from '@frostmint/client/cli-kit';
import {
  FrostmintError,
  GUARDIAN_BINDING_FORMAT,
  type GuardianBinding,
  type GuardianBindingBody,
  guardianBindingInput,
} from '@frostmint/core';
import { Pkcs11Token, p256Thumbprint, readPin } from '@frostmint/pkcs11';
import type { Command } from 'commander';
import type { CliIo } from '../io.ts';
import { APPROVAL_KEY, keyRefFor } from '../keys.ts';
import { progress, quietFor } from '../progress.ts';
import { type TokenCliOptions, tokenOptionsFrom, withTokenOptions } from '../token-options.ts';

export interface BindOptions extends TokenCliOptions, ConventionOptions {
  days: string;
  yes?: boolean;
  approvalKeyLabel?: string;
  approvalKeyId?: string;
}

/**
 * Registers `webauthn bind`: register a security key or passkey on the coordinator's page
 * and bind it to this guardian with a binding signed by the approval key, so the guardian
 * can approve on the web approval page.
 *
 * @example
 * ```ts
 * registerWebAuthnBind(program, io);
 * ```
 */
export function registerWebAuthnBind(program: Command, io: CliIo): void {
  const webauthn = program
    .command('webauthn')
    .description('WebAuthn credentials for the approval web page');
  withConvention(withTokenOptions(webauthn.command('bind')), {
    coordinator: 'required',
    format: {},
    wait: {
      what: 'the tap on the page',
      defaultSeconds: 300,
      maxSeconds: 3600,
      deprecatedFlags: ['--wait-seconds'],
    },
  })
    .description(
      'register a security key or passkey on the coordinator (open the printed page and tap), ' +
        'then sign its binding to you with your approval key (touch your YubiKey)',
    )
    .option('--days <n>', 'how long the binding is valid (1..366)', '90')
    .option('--yes', 'do not ask for confirmation (the credential is still shown)')
    .option('--approval-key-label <label>', 'approval key label (default: find by id 02)')
    .option('--approval-key-id <hex>', 'approval key CKA_ID (default 02 = PIV slot 9c)')
    .action(async (options: BindOptions) => {
      const result = await bindCredential(options, io);
      io.stdout(renderResult({ text: result.summary, json: result }, options.format!));
    });
}

/**
 * Runs the binding: opens a registration for this guardian's key, prints the page URL,
 * waits for the registered credential, shows it, asks for confirmation, signs the binding
 * on the token and submits it. Throws `registration_timeout` (exit 5), `approval_unconfirmed`
 * or the coordinator's refusal.
 *
 * @example
 * ```ts
 * await bindCredential({ coordinator, days: '90', wait: 300, module, tokenLabel, pinEnv: 'PIN' }, io);
 * ```
 */
export async function bindCredential(
  options: BindOptions,
  io: CliIo,
): Promise<{
  credentialId: string;
  guardianKid: string;
  notAfter: number;
  binding: GuardianBinding;
  summary: string;
}> {
  const days = boundedInt(options.days, 1, 366, '--days');
  const waitSeconds = options.wait ?? 300;
  const api = new CoordinatorClient({ baseUrl: options.coordinator!, timeoutMs: 15_000 });
  const say = progress(io, quietFor(options.format));
  const tokenOptions = tokenOptionsFrom(options, io, say.touch);
  const ref = keyRefFor(APPROVAL_KEY, options.approvalKeyLabel, options.approvalKeyId);
  const token = Pkcs11Token.open(tokenOptions);
  try {
    await readPin(tokenOptions.pin);
    const guardianKid = p256Thumbprint((await token.publicKey(ref)).point);
    const registration = await api.startGuardianRegistration(guardianKid);
    io.stderr(
      `Open this page in your browser and tap your security key or passkey:\n\n  ${registration.url}\n\n`,
    );
    const registered = await waitForTap(api, registration.registration_id, waitSeconds);
    const credential = registered.credential!;
    const body: GuardianBindingBody = {
      format: GUARDIAN_BINDING_FORMAT,
      guardian_kid: guardianKid,
      credential_id: credential.credential_id,
      public_key: credential.public_key,
      rp_id: registered.rp_id,
      not_after: Math.floor(Date.now() / 1000) + days * 86_400,
    };
    // Always shown: the page shows the credential id it registered; they must match.
    io.stderr(
      `The page registered credential ${body.credential_id} for RP ${body.rp_id}.\n` +
        `Binding it to you until ${new Date(body.not_after * 1000).toISOString()}.\n`,
    );
    if (!options.yes) await confirm(io);
    say.say(`Signing the binding with ${token.name}: touch your YubiKey now if it blinks …`);
    const digest = createHash('sha256').update(guardianBindingInput(body)).digest();
    const signature = Buffer.from(await token.sign(ref, digest)).toString('base64url');
    const binding: GuardianBinding = { ...body, signature };
    await api.bindGuardianCredential(registration.registration_id, binding);
    return {
      credentialId: body.credential_id,
      guardianKid,
      notAfter: body.not_after,
      binding,
      summary: `Bound credential ${body.credential_id}: you can approve on the coordinator's approval page.`,
    };
  } finally {
    await token.close();
  }
}

async function waitForTap(api: CoordinatorClient, id: string, waitSeconds: number) {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const status = await api.guardianRegistration(id);
    if (status.status === 'registered' && status.credential) return status;
    if (status.status === 'bound') {
      throw new CliError(
        'registration_bound',
        EXIT.refused,
        'this registration is already bound: run webauthn bind again',
      );
    }
    if (Date.now() >= deadline) {
      throw new CliError(
        'registration_timeout',
        EXIT.timeout,
        'nobody registered a credential on the page in time: run webauthn bind again and tap within --wait',
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function confirm(io: CliIo): Promise<void> {
  const reply = io.confirm
    ? await io.confirm('Does the page show the same credential id? Type "yes" to sign: ')
    : undefined;
  if (reply !== true) {
    throw new FrostmintError(
      'approval_unconfirmed',
      reply === undefined
        ? 'no terminal to confirm on: compare the credential id and pass --yes'
        : 'not confirmed: nothing was signed',
    );
  }
}

function boundedInt(value: string, min: number, max: number, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new FrostmintError('cli_usage', `${name} must be an integer ${min}..${max}`);
  }
  return n;
}
