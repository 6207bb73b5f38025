import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initToken } from '../init-token.ts';
import type { KeyUsage } from '../objects.ts';
import type { Pkcs11TokenOptions } from '../options.ts';
import { findSoftHsm2Module } from '../softhsm2.ts';
import { Pkcs11Token } from '../token.ts';

/**
 * Test fixture: a private SoftHSM2 instance (its own SOFTHSM2_CONF and token directory in a
 * temp dir) with real tokens and keys created through frostmint's own PKCS#11 code
 * (`initToken`, `Pkcs11Token.generateKeyPair`), PINs in files, never on a command line.
 *
 * SOFTHSM2_CONF is read by `C_Initialize`, so a test must close every token client it
 * opened before the next test creates its own instance.
 */

/** Path of the SoftHSM2 module; throws with the fix when SoftHSM2 is not installed. */
export function softHsmModule(): string {
  const explicit = process.env.FROSTMINT_SOFTHSM2_MODULE;
  const found = explicit !== undefined && existsSync(explicit) ? explicit : findSoftHsm2Module();
  if (!found)
    throw new Error(
      'SoftHSM2 is not installed: run scripts/install-test-deps.sh (apt-get install softhsm2)',
    );
  return found;
}

export const USER_PIN = '271828';
export const SO_PIN = '31415926';

export interface SoftHsm {
  readonly module: string;
  readonly dir: string;
  readonly tokenDir: string;
  readonly pinFile: string;
  readonly soPinFile: string;
  /** Client options for the token `label`, PIN from `pinFile`. */
  options(label: string, extra?: Partial<Pkcs11TokenOptions>): Pkcs11TokenOptions;
  /** Creates a token, then P-256 keys `{label, id, usage}` on it. */
  createToken(label: string, keys?: readonly TestKey[]): Promise<void>;
  /** Moves every token out of the token directory (a pulled-out device). */
  unplug(): Promise<void>;
  /** Puts them back. */
  plug(): Promise<void>;
  /** Removes the instance. */
  cleanup(): Promise<void>;
}

export interface TestKey {
  readonly label: string;
  readonly id: number;
  readonly usage: KeyUsage;
}

/** The sealing key every vault test token carries. */
export const SEALING_KEY: TestKey = { label: 'frostmint-sealing', id: 3, usage: 'derive' };

/**
 * Creates a private SoftHSM2 instance and points SOFTHSM2_CONF at it.
 * `mechanisms` is SoftHSM2's `slots.mechanisms` allow-list (e.g. `CKM_EC_KEY_PAIR_GEN,CKM_ECDSA`
 * leaves out ECDH; SoftHSM 2.6.1 ignores the `-CKM_…` deny form).
 */
export async function softHsm(options: { mechanisms?: string } = {}): Promise<SoftHsm> {
  const module = softHsmModule();
  const dir = await mkdtemp(join(tmpdir(), 'frostmint-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  const parked = join(dir, 'unplugged');
  await mkdir(tokenDir);
  await mkdir(parked);
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(
    conf,
    [
      `directories.tokendir = ${tokenDir}`,
      'objectstore.backend = file',
      'log.level = ERROR',
      'slots.removable = true',
      `slots.mechanisms = ${options.mechanisms ?? 'ALL'}`,
      '',
    ].join('\n'),
  );
  const pinFile = join(dir, 'pin');
  const soPinFile = join(dir, 'so-pin');
  await writeFile(pinFile, `${USER_PIN}\n`, { mode: 0o600 });
  await writeFile(soPinFile, `${SO_PIN}\n`, { mode: 0o600 });
  process.env.SOFTHSM2_CONF = conf;

  const hsm: SoftHsm = {
    module,
    dir,
    tokenDir,
    pinFile,
    soPinFile,
    options: (label, extra = {}) => ({
      module,
      token: { label },
      pin: { file: pinFile },
      ...extra,
    }),
    async createToken(label, keys = []) {
      await initToken({ module, label, soPin: { file: soPinFile }, pin: { file: pinFile } });
      if (keys.length === 0) return;
      const token = Pkcs11Token.open(hsm.options(label));
      try {
        for (const key of keys) {
          await token.generateKeyPair({ label: key.label, id: Buffer.from([key.id]) }, key.usage);
        }
      } finally {
        await token.close();
      }
    },
    async unplug() {
      for (const entry of await readdir(tokenDir))
        await rename(join(tokenDir, entry), join(parked, entry));
    },
    async plug() {
      for (const entry of await readdir(parked))
        await rename(join(parked, entry), join(tokenDir, entry));
    },
    async cleanup() {
      if (process.env.SOFTHSM2_CONF === conf) delete process.env.SOFTHSM2_CONF;
      await rm(dir, { recursive: true, force: true });
    },
  };
  return hsm;
}
