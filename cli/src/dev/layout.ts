import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoordinatorConfig } from '@frostmint/coordinator';
import {
  type DevPki,
  ensureDevPki,
  type OidcConfigInput,
  OidcConfigSchema,
  signerTlsName,
  writeFileAtomic,
} from '@frostmint/core';
import type { SignerConfig } from '@frostmint/signer';

export const SIGNER_COUNT = 3;
export const THRESHOLD = 2;
export const DEV_PASSPHRASE_ENV = 'FROSTMINT_DEV_VAULT_PASSPHRASE';
export const DEV_BEARER_ENV = 'FROSTMINT_DEV_BEARER';

/** The shipped policy (policy/build/policy.wasm, policy/data.json). */
export const DEMO_POLICY = {
  wasm: fileURLToPath(import.meta.resolve('@frostmint/policy/policy.wasm')),
  data: fileURLToPath(import.meta.resolve('@frostmint/policy/data.json')),
};

/** Optional settings of the local stack (tests use them to trust a local OIDC issuer). */
export interface DevLayoutOptions {
  readonly port?: number;
  /** Trusted OIDC issuers, given to the coordinator and to every signer. */
  readonly oidc?: OidcConfigInput;
  /** Another policy bundle than the shipped one. */
  readonly policy?: { wasm: string; data: string };
  /** The IdP whose logins prove enrollments, given to the coordinator and every signer. */
  readonly enrollmentIdp?: OidcConfigInput;
  /** The coordinator's `storage` section (benchmarks compare durable and not). */
  readonly storage?: CoordinatorConfig['storage'];
  /**
   * The transparency log: the coordinator's `audit` section (it then cuts checkpoints) and
   * the signers' (they then enforce the maximum merge delay). Off when absent.
   */
  readonly audit?: {
    readonly coordinator?: CoordinatorConfig['audit'];
    readonly signers?: SignerConfig['audit'];
  };
  /** Every signer serves Prometheus `/metrics` on a free loopback port (benchmarks count RPCs). */
  readonly signerMetrics?: boolean;
  /** The coordinator's `trustedProxies` (tests of `X-Forwarded-For` behind a proxy). */
  readonly trustedProxies?: readonly string[];
}

/** Everything the local stack needs on disk, and the per-run secrets passed by environment. */
export interface DevLayout {
  readonly stateDir: string;
  readonly pki: DevPki;
  readonly coordinatorConfigPath: string;
  readonly signerConfigPaths: string[];
  readonly coordinator: CoordinatorConfig;
  readonly signers: SignerConfig[];
  /** Dev vault passphrase (kept in `dev-secrets.json`, mode 0600: demo only). */
  readonly passphrase: string;
  /** Dev bearer credential; fresh every run, never written to disk. */
  readonly bearer: string;
}

/**
 * Prepares the state directory of the local stack: dev CA and certificates, one config per
 * process on free loopback ports, and the dev secrets.
 *
 * @example
 * ```ts
 * const layout = await prepareDevLayout('.frostmint/dev');
 * ```
 */
export async function prepareDevLayout(
  stateDirArg: string,
  options: DevLayoutOptions = {},
): Promise<DevLayout> {
  const stateDir = resolve(stateDirArg);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const pki = await ensureDevPki(join(stateDir, 'pki'), SIGNER_COUNT);
  const ports = await freePorts(
    SIGNER_COUNT + 1 + (options.signerMetrics ? SIGNER_COUNT : 0),
    options.port,
  );
  const coordinatorPort = ports[0]!;
  const issuer = `http://127.0.0.1:${coordinatorPort}`;
  // WebAuthn needs a domain RP ID (not an IP): the tap pages are served as localhost.
  const webauthn = {
    rpId: 'localhost',
    rpName: 'frostmint dev',
    origins: [`http://localhost:${coordinatorPort}`],
    challengeTtlSeconds: 300,
    certificateLifetimeSeconds: 86_400,
  };
  const enrollmentIdp = options.enrollmentIdp && OidcConfigSchema.parse(options.enrollmentIdp);
  const signers: SignerConfig[] = pki.signers.map((files, i) => ({
    id: i + 1,
    listen: `127.0.0.1:${ports[i + 1]}`,
    issuer,
    maxTtlSeconds: 900,
    clockSkewSeconds: 30,
    nonceTtlSeconds: 30,
    stateDir: join(stateDir, `signer-${i + 1}`),
    tls: { ca: pki.ca, cert: files.cert, key: files.key },
    coordinatorName: 'coordinator.frostmint.local',
    vault: { kind: 'dev', passphraseEnv: DEV_PASSPHRASE_ENV },
    policy: options.policy ?? DEMO_POLICY,
    policyGraceSeconds: 60,
    ...(options.oidc ? { oidc: OidcConfigSchema.parse(options.oidc) } : {}),
    ...(enrollmentIdp ? { enrollmentIdp } : {}),
    // Local demo only: the first DKG runs without guardian approval, and the signer says so.
    guardians: 'dev-unguarded',
    allowDevRequester: true,
    attestation: { kind: 'none' },
    requirePeerAttestation: false,
    webauthn,
    ...(options.audit?.signers ? { audit: options.audit.signers } : {}),
    ...(options.signerMetrics ? { metricsListen: `127.0.0.1:${ports[SIGNER_COUNT + 1 + i]}` } : {}),
  }));
  const coordinator: CoordinatorConfig = {
    listen: `127.0.0.1:${coordinatorPort}`,
    issuer,
    stateDir: join(stateDir, 'coordinator'),
    signers: signers.map((s) => ({ id: s.id, address: s.listen, tlsName: signerTlsName(s.id) })),
    tls: { ca: pki.ca, cert: pki.coordinator.cert, key: pki.coordinator.key },
    defaultTtlSeconds: 900,
    maxTtlSeconds: 900,
    policy: options.policy ?? DEMO_POLICY,
    ...(options.oidc ? { oidc: OidcConfigSchema.parse(options.oidc) } : {}),
    ...(enrollmentIdp ? { enrollmentIdp } : {}),
    ...(options.storage ? { storage: options.storage } : {}),
    ...(options.audit?.coordinator ? { audit: options.audit.coordinator } : {}),
    ...(options.trustedProxies ? { trustedProxies: [...options.trustedProxies] } : {}),
    // Generous: on a loaded laptop the first round-one call (vault unlock) can take seconds.
    rpcDeadlineMs: 10_000,
    healthIntervalMs: 1_000,
    devBearerEnv: DEV_BEARER_ENV,
    webauthn,
    abuse: {
      prepareLimit: 20,
      prepareWindowSeconds: 60,
      maxFailures: 5,
      failureWindowSeconds: 900,
      lockoutSeconds: 900,
    },
    clockSkewSeconds: 30,
    approvalWindowSeconds: 1800,
  };
  const coordinatorConfigPath = join(stateDir, 'coordinator.json');
  const signerConfigPaths = signers.map((s) => join(stateDir, `signer-${s.id}.json`));
  for (const dir of [coordinator.stateDir, ...signers.map((s) => s.stateDir)]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  await writeFileAtomic(coordinatorConfigPath, JSON.stringify(coordinator, null, 2));
  for (const [i, s] of signers.entries())
    await writeFileAtomic(signerConfigPaths[i]!, JSON.stringify(s, null, 2));
  return {
    stateDir,
    pki,
    coordinatorConfigPath,
    signerConfigPaths,
    coordinator,
    signers,
    passphrase: await devPassphrase(stateDir),
    bearer: randomBytes(32).toString('base64url'),
  };
}

async function devPassphrase(stateDir: string): Promise<string> {
  const path = join(stateDir, 'dev-secrets.json');
  try {
    const { passphrase } = JSON.parse(await readFile(path, 'utf8')) as { passphrase: string };
    return passphrase;
  } catch {
    const passphrase = randomBytes(24).toString('base64url');
    const note =
      'DEV ONLY: the passphrase of the dev share vaults. Production signers use the pkcs11 vault.';
    await writeFileAtomic(path, JSON.stringify({ note, passphrase }, null, 2), 0o600);
    return passphrase;
  }
}

/** `count` free loopback ports: consecutive from `first` when given, else OS-assigned. */
async function freePorts(count: number, first?: number): Promise<number[]> {
  if (first) return Array.from({ length: count }, (_, i) => first + i);
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import('node:net').Server>((res, rej) => {
          const s = createServer();
          s.once('error', rej);
          s.listen(0, '127.0.0.1', () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
