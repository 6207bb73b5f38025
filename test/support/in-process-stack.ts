import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEV_BEARER_ENV,
  DEV_PASSPHRASE_ENV,
  type DevIdp,
  type DevLayout,
  type DevLayoutOptions,
  devIdpTrust,
  prepareDevLayout,
  startDevIdp,
  THRESHOLD,
} from '@frostmint/cli';
import {
  pinSigners,
  type RunningCoordinator,
  runCeremony,
  SignerPool,
  startCoordinator,
} from '@frostmint/coordinator';
import {
  ecJwkThumbprint,
  type GuardianKey,
  newTranscript,
  writeGroupConfig,
} from '@frostmint/core';
import { openVault, type RunningSigner, startSigner } from '@frostmint/signer';
import { pino } from 'pino';

/** The local stack in this process: three signers, a coordinator and its real store. */
export interface InProcessStack {
  readonly layout: DevLayout;
  /** Coordinator base URL (`http://127.0.0.1:<port>`). */
  readonly coordinatorUrl: string;
  readonly coordinator: RunningCoordinator;
  /** The local OpenID Provider every signer trusts for enrollment proof. */
  readonly idp: DevIdp;
  dispose(): Promise<void>;
}

/**
 * Starts three dev signers and the coordinator in this process (real mTLS gRPC, real
 * PGlite store, the shipped policy, the dev OpenID Provider for enrollments) after a DKG whose group names three guardians, so every
 * route family is served: one-step and two-step mints, guardian approvals (API and web),
 * enrollments, policy. No guardian ever approves anything here: their keys are fresh P-256
 * keys held by nobody.
 *
 * @example
 * ```ts
 * const stack = await startInProcessStack();
 * await fetch(`${stack.coordinatorUrl}/readyz`);
 * await stack.dispose();
 * ```
 */
export async function startInProcessStack(
  options: {
    /** How long a prepared WebAuthn request waits for its tap (default 300 s, at least 30). */
    challengeTtlSeconds?: number;
    /** The transparency log sections (see `DevLayoutOptions.audit`). */
    audit?: DevLayoutOptions['audit'];
  } = {},
): Promise<InProcessStack> {
  const log = pino({ level: 'silent' });
  const dir = await mkdtemp(join(tmpdir(), 'frostmint-inproc-'));
  const idp = await startDevIdp();
  const layout = await prepareDevLayout(dir, {
    enrollmentIdp: devIdpTrust(idp),
    ...(options.audit ? { audit: options.audit } : {}),
  });
  process.env[DEV_PASSPHRASE_ENV] = layout.passphrase;
  process.env[DEV_BEARER_ENV] = layout.bearer;
  const signers: RunningSigner[] = [];
  let coordinator: RunningCoordinator | undefined;
  const dispose = async () => {
    await coordinator?.close();
    await Promise.all(signers.map((s) => s.close()));
    await idp.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const config of layout.signers)
      signers.push(await startSigner({ config, vault: openVault(config, log), log }));
    const { signers: endpoints, tls } = layout.coordinator;
    const pool = new SignerPool(endpoints, tls, {
      deadlineMs: 10_000,
      healthIntervalMs: 60_000,
      log,
    });
    try {
      const transcript = newTranscript(
        {
          kind: 'dkg',
          threshold: THRESHOLD,
          maxSigners: endpoints.length,
          ceremonyApprovals: 2,
          signers: await pinSigners(endpoints, tls),
          guardians: [1, 2, 3].map(unheldGuardian),
        },
        { validForMs: 10 * 60_000 },
      );
      // Dev signers ("dev-unguarded") take a first DKG without approvals.
      const group = await runCeremony(pool, { transcript, approvals: [], log });
      await writeGroupConfig(layout.coordinator.stateDir, group);
    } finally {
      pool.close();
    }
    const config =
      options.challengeTtlSeconds === undefined
        ? layout.coordinator
        : {
            ...layout.coordinator,
            webauthn: {
              ...layout.coordinator.webauthn!,
              challengeTtlSeconds: options.challengeTtlSeconds,
            },
          };
    coordinator = await startCoordinator({ config, log });
    return { layout, coordinatorUrl: coordinator.url, coordinator, idp, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** A guardian record with a fresh approval key whose private half is discarded. */
function unheldGuardian(n: number): GuardianKey {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = publicKey.export({ format: 'jwk' });
  const jwk = { kty: 'EC' as const, crv: 'P-256' as const, x: x!, y: y! };
  return {
    name: `guardian ${n}`,
    approvalKey: {
      kid: ecJwkThumbprint(jwk),
      spki: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
      jwk,
    },
  };
}
