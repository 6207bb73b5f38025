import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  COORDINATOR_ENTRY,
  coordinatorListening,
  type DaemonProcess,
  DEV_BEARER_ENV,
  type DevIdp,
  type DevLayout,
  type DevLayoutOptions,
  devIdpTrust,
  prepareDevLayout,
  SIGNER_ENTRY,
  spawnDaemon,
  startDevIdp,
  waitUntil,
} from '@frostmint/cli';
import { type SignerEndpoint, SignerPool } from '@frostmint/coordinator';
import { issueDevSignerIdentity } from '@frostmint/core';
import type { CliIo } from '@frostmint/guardian-cli';
import { run } from '@frostmint/guardian-cli';
import { type SoftHsm, softHsm } from '@frostmint/pkcs11/testing';
import type { SignerConfig } from '@frostmint/signer';
import { pino } from 'pino';
import { nodeOptionsFor } from './fixture-process.ts';

export { FAULTY_SIGNER_ENTRY } from './fixture-process.ts';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A production-shaped stack for key ceremonies, with real processes and real tokens: three
 * guardians, each with an ECDSA approval key on their own SoftHSM2 token, and three
 * signers, each sealing its share under an ECDH key on their own SoftHSM2 token, with the
 * guardian set pinned in their configuration. Nothing runs DKG: the test drives the
 * ceremonies with `frostmint-guardian` (in process, as the coordinator), then starts the
 * coordinator process.
 */
export interface CeremonyStack {
  readonly dir: string;
  readonly layout: DevLayout;
  /** The local OpenID Provider whose logins prove enrollments. */
  readonly idp: DevIdp;
  /** Guardian record files (`enroll --json` output), by guardian number 1..3. */
  readonly guardianRecords: string[];
  /** Runs `frostmint-guardian` in process. */
  cli(...argv: string[]): Promise<CliResult>;
  /** Token options of guardian `n` for `ceremony approve`. */
  guardianToken(n: number): string[];
  startSigner(id: number, entry?: string): Promise<void>;
  stopSigner(id: number): Promise<void>;
  /** Starts (or restarts) the coordinator process; returns its URL. */
  restartCoordinator(): Promise<string>;
  /**
   * Sets up a replacement for signer `id`: a new SoftHSM2 token and sealing key, a new TLS
   * identity from the CA, an empty state directory, the same address. Does not start it.
   */
  replaceSigner(id: number): Promise<SignerConfig>;
  /**
   * Starts a second signer set for a key rotation (a signer holds one group key): three new
   * signers, each with its own SoftHSM2 token, TLS identity from the same CA, empty state
   * directory and a new port, with the same guardians. Returns their endpoints.
   */
  startSignerSet(name: string): Promise<SignerEndpoint[]>;
  dispose(): Promise<void>;
}

const GUARDIANS = [1, 2, 3];

/**
 * Starts the ceremony stack in a fresh temp directory (guardians enrolled, signers up, no DKG).
 *
 * @example
 * ```ts
 * const stack = await startCeremonyStack();
 * await stack.cli('ceremony', 'plan', '--kind', 'dkg', …);
 * ```
 */
export async function startCeremonyStack(
  layoutOptions: Omit<DevLayoutOptions, 'port'> = {},
): Promise<CeremonyStack> {
  const dir = await mkdtemp(join(tmpdir(), 'frostmint-ceremony-'));
  const idp = await startDevIdp();
  const hsm = await softHsm();
  const signers = new Map<number, DaemonProcess>();
  let coordinator: DaemonProcess | undefined;
  const pinFile = hsm.pinFile;
  const cli = async (...argv: string[]): Promise<CliResult> => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      promptSecret: async () => undefined,
    };
    const code = await run(argv, io);
    return { code, stdout: out.join(''), stderr: err.join('') };
  };
  const guardianToken = (n: number) => [
    '--module',
    hsm.module,
    '--token-label',
    `guardian-${n}`,
    '--pin-file',
    pinFile,
  ];
  try {
    const guardianRecords: string[] = [];
    for (const n of GUARDIANS) {
      await hsm.createToken(`guardian-${n}`, [
        { label: 'frostmint-approval', id: 2, usage: 'sign' },
      ]);
      const enrolled = await cli(
        'enroll',
        '--name',
        `Guardian ${n}`,
        ...guardianToken(n),
        '--no-sealing-key',
        '--no-create',
        '--json',
      );
      if (enrolled.code !== 0) throw new Error(`enroll guardian ${n}: ${enrolled.stderr}`);
      const path = join(dir, `guardian-${n}.record.json`);
      await writeFile(path, enrolled.stdout);
      guardianRecords.push(path);
    }
    const guardianSet = {
      approvals: 2,
      guardians: await Promise.all(
        guardianRecords.map(async (p) => JSON.parse(await readFile(p, 'utf8'))),
      ),
    };
    const layout = await prepareDevLayout(join(dir, 'stack'), {
      ...layoutOptions,
      enrollmentIdp: devIdpTrust(idp),
    });
    const signerConfigPaths = new Map<number, string>();
    const writeSignerConfig = async (config: SignerConfig, path: string) => {
      await writeFile(path, JSON.stringify(config, null, 2));
      signerConfigPaths.set(config.id, path);
    };
    for (const [i, base] of layout.signers.entries()) {
      await hsm.createToken(`signer-${base.id}`, [
        { label: 'frostmint-sealing', id: 3, usage: 'derive' },
      ]);
      await writeSignerConfig(
        {
          ...base,
          vault: pkcs11Vault(hsm, `signer-${base.id}`),
          guardians: guardianSet,
          allowDevRequester: true,
        },
        layout.signerConfigPaths[i]!,
      );
    }
    const pool = new SignerPool(layout.coordinator.signers, layout.coordinator.tls, {
      deadlineMs: 2_000,
      healthIntervalMs: 3_600_000,
      log: pino({ level: 'silent' }),
    });
    const env = { [DEV_BEARER_ENV]: layout.bearer };
    const startSigner = async (id: number, entry = SIGNER_ENTRY) => {
      const daemon = spawnDaemon(
        `signer-${id}`,
        entry,
        signerConfigPaths.get(id)!,
        env,
        nodeOptionsFor(entry),
      );
      signers.set(id, daemon);
      await waitUntil(daemon, () => pool.call(id, 'info', {}).then(() => true));
    };
    const stopSigner = async (id: number) => {
      await signers.get(id)?.stop();
      signers.delete(id);
    };
    await Promise.all(layout.signers.map((s) => startSigner(s.id)));
    const extra: DaemonProcess[] = [];
    /** A signer `id` with a new token, TLS identity (same CA and name) and empty state. */
    const freshSigner = async (id: number, suffix: string): Promise<SignerConfig> => {
      const base = JSON.parse(await readFile(signerConfigPaths.get(id)!, 'utf8')) as SignerConfig;
      const label = `signer-${id}-${suffix}`;
      await hsm.createToken(label, [{ label: 'frostmint-sealing', id: 3, usage: 'derive' }]);
      const stateDir = join(dir, `signer-${id}-${suffix}`);
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
      const tls = {
        ...base.tls,
        cert: join(stateDir, 'tls.pem'),
        key: join(stateDir, 'tls-key.pem'),
      };
      await issueDevSignerIdentity(join(layout.stateDir, 'pki'), id, tls);
      return { ...base, stateDir, tls, vault: pkcs11Vault(hsm, label) };
    };
    return {
      dir,
      layout,
      idp,
      guardianRecords,
      cli,
      guardianToken,
      startSigner,
      stopSigner,
      async restartCoordinator() {
        await coordinator?.stop();
        coordinator = spawnDaemon(
          'coordinator',
          COORDINATOR_ENTRY,
          layout.coordinatorConfigPath,
          env,
        );
        const url = layout.coordinator.issuer;
        const current = coordinator;
        await waitUntil(
          current,
          async () => coordinatorListening(current) && (await fetch(`${url}/readyz`)).ok,
        );
        return url;
      },
      async replaceSigner(id) {
        const config = await freshSigner(id, 'new');
        await writeSignerConfig(config, join(dir, `signer-${id}-new.json`));
        return config;
      },
      async startSignerSet(name) {
        const endpoints: SignerEndpoint[] = [];
        const configs = await Promise.all(
          layout.signers.map(async (base) => {
            const fresh = await freshSigner(base.id, name);
            const config = { ...fresh, listen: `127.0.0.1:${await freePort()}` };
            await writeFile(join(dir, `signer-${base.id}-${name}.json`), JSON.stringify(config));
            endpoints.push({
              id: config.id,
              address: config.listen,
              tlsName: layout.coordinator.signers.find((s) => s.id === base.id)!.tlsName,
            });
            return config;
          }),
        );
        const setPool = new SignerPool(endpoints, layout.coordinator.tls, {
          deadlineMs: 2_000,
          healthIntervalMs: 3_600_000,
          log: pino({ level: 'silent' }),
        });
        try {
          for (const config of configs) {
            const daemon = spawnDaemon(
              `signer-${config.id}-${name}`,
              SIGNER_ENTRY,
              join(dir, `signer-${config.id}-${name}.json`),
              env,
            );
            extra.push(daemon);
            await waitUntil(daemon, () => setPool.call(config.id, 'info', {}).then(() => true));
          }
        } finally {
          setPool.close();
        }
        return endpoints.sort((a, b) => a.id - b.id);
      },
      async dispose() {
        pool.close();
        await Promise.all([
          coordinator?.stop(),
          ...[...signers.values(), ...extra].map((s) => s.stop()),
        ]);
        await hsm.cleanup();
        await idp.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all([...signers.values()].map((s) => s.stop()));
    await hsm.cleanup();
    await idp.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function pkcs11Vault(hsm: SoftHsm, tokenLabel: string): SignerConfig['vault'] {
  return { kind: 'pkcs11', module: hsm.module, tokenLabel, keyId: '03', pinFile: hsm.pinFile };
}
