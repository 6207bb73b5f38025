import { randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Pkcs11PinError, Pkcs11Token } from '@frostmint/pkcs11';
import { SEALING_KEY } from '@frostmint/pkcs11/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { VaultUnavailableError } from '../../src/vault/errors.ts';
import { Pkcs11VaultConfigSchema } from '../../src/vault/pkcs11/config.ts';
import { ecdhSeal } from '../../src/vault/pkcs11/ecdh-seal.ts';
import {
  SEALED_SHARE_FORMAT,
  SEALED_SHARE_VERSION,
  sealedSharePath,
  writeSealedShare,
} from '../../src/vault/sealed-file.ts';
import { type Pkcs11Harness, pkcs11Harness } from './pkcs11-harness.ts';

const binding = { kid: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', signerId: 2 };
const share = () => new Uint8Array(randomBytes(32));

let harness: Pkcs11Harness | undefined;
async function setup(options: { mechanisms?: string } = {}): Promise<Pkcs11Harness> {
  harness = await pkcs11Harness(options);
  return harness;
}

afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

describe('pkcs11 vault with a real token failure', () => {
  it('goes not ready while the token is gone, throws a typed error, and recovers when it returns', async () => {
    const h = await setup();
    const vault = await h.open();
    const s = share();
    await vault.store(binding, s);
    expect(await vault.health()).toEqual({ ready: true });

    await h.hsm.unplug(); // the token's files leave SoftHSM2's token directory
    const down = await vault.health();
    expect(down.ready).toBe(false);
    expect(down.detail).toMatch(/not present/);
    const err = await vault.withShare(binding, () => 'signed').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VaultUnavailableError);
    expect(err).toMatchObject({ code: 'pkcs11_token_not_present', status: 503 });
    await expect(vault.store(binding, share())).rejects.toBeInstanceOf(VaultUnavailableError);

    await h.hsm.plug();
    expect(await vault.health()).toEqual({ ready: true });
    expect(await vault.withShare(binding, (p) => Buffer.from(p).equals(s))).toBe(true);
  });

  it('reports the module as unavailable while its whole token directory is missing', async () => {
    const h = await setup();
    const vault = await h.open();
    await vault.store(binding, share());
    await rename(h.hsm.tokenDir, `${h.hsm.tokenDir}.away`);
    const down = await vault.health();
    expect(down.ready).toBe(false);
    await expect(vault.withShare(binding, () => 0)).rejects.toMatchObject({
      code: 'pkcs11_module_unavailable',
    });
    await rename(`${h.hsm.tokenDir}.away`, h.hsm.tokenDir);
    expect(await vault.health()).toEqual({ ready: true });
    await expect(vault.withShare(binding, () => 'ok')).resolves.toBe('ok');
  });
});

describe('pkcs11 vault errors', () => {
  it('reports a wrong PIN with the retry state, without the PIN in any message', async () => {
    const h = await setup();
    const first = await h.open();
    await first.store(binding, share());
    await first.close(); // PKCS#11 login state is per process and token: log out first
    const wrongPin = join(h.hsm.dir, 'wrong-pin');
    await writeFile(wrongPin, '909090\n');
    const vault = await h.open({ pinFile: wrongPin });
    const err = await vault.withShare(binding, () => 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Pkcs11PinError);
    expect(err).toMatchObject({ code: 'pkcs11_pin_incorrect', retries: 'low' });
    const health = await vault.health();
    expect(health.ready).toBe(false);
    expect(health.detail).toMatch(/rejected the PIN/);
    expect(`${(err as Error).message} ${health.detail}`).not.toContain('909090');
  });

  it('reports a missing sealing key', async () => {
    const h = await setup();
    const vault = await h.open({ keyLabel: 'not-there' });
    await expect(vault.store(binding, share())).rejects.toMatchObject({
      code: 'pkcs11_key_not_found',
    });
    expect(await vault.health()).toMatchObject({
      ready: false,
      detail: expect.stringMatching(/no private key/),
    });
  });

  it('reports a token without CKM_ECDH1_DERIVE', async () => {
    const h = await setup({ mechanisms: 'CKM_EC_KEY_PAIR_GEN,CKM_ECDSA' });
    const vault = await h.open();
    await expect(vault.store(binding, share())).rejects.toMatchObject({
      code: 'pkcs11_mechanism_unsupported',
    });
  });

  it('says vault_unseal_failed, naming the cause, for a share sealed to a replaced token', async () => {
    const h = await setup();
    const vault = await h.open();
    await vault.store(binding, share());
    await h.hsm.unplug(); // the old token is lost …
    await h.hsm.createToken('signer', [SEALING_KEY]); // … and a new one takes its label and key label
    const err = await vault.withShare(binding, () => 0).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'vault_unseal_failed' });
    expect((err as Error).message).toMatch(/different token key/);
  });

  it('opens a share sealed elsewhere from the public key alone', async () => {
    const h = await setup();
    const token = Pkcs11Token.open(h.hsm.options('signer'));
    const { point: publicKey } = await token.publicKey({ label: SEALING_KEY.label });
    await token.close();
    const s = share();
    const sealed = ecdhSeal(publicKey, binding, s);
    await writeSealedShare(sealedSharePath(h.dir, binding), {
      format: SEALED_SHARE_FORMAT,
      version: SEALED_SHARE_VERSION,
      vault: 'pkcs11',
      ...sealed,
    });
    const vault = await h.open();
    expect(await vault.withShare(binding, (p) => Buffer.from(p).equals(s))).toBe(true);
  });

  it('selects the token by slot and the key by id', async () => {
    const h = await setup();
    const token = Pkcs11Token.open(h.hsm.options('signer'));
    const { slot } = await token.describe();
    await token.close();
    const vault = await h.open({
      tokenLabel: undefined,
      slot: Number(slot),
      keyLabel: undefined,
      keyId: '03',
    });
    const s = share();
    await vault.store(binding, s);
    expect(await vault.withShare(binding, (p) => Buffer.from(p).equals(s))).toBe(true);
  });
});

describe('pkcs11 vault configuration', () => {
  const base = { kind: 'pkcs11', module: '/usr/lib/softhsm/libsofthsm2.so', keyId: '03' };

  it('accepts a token label or a slot, and a PIN file or variable', () => {
    expect(
      Pkcs11VaultConfigSchema.safeParse({ ...base, tokenLabel: 't', pinFile: '/run/pin' }).success,
    ).toBe(true);
    expect(
      Pkcs11VaultConfigSchema.safeParse({ ...base, slot: 0, pinEnv: 'TOKEN_PIN' }).success,
    ).toBe(true);
  });

  it('rejects ambiguous or incomplete configurations and inline PINs', () => {
    const bad = [
      { ...base, tokenLabel: 't', slot: 1, pinFile: '/p' },
      { ...base, pinFile: '/p' },
      { ...base, tokenLabel: 't' },
      { ...base, tokenLabel: 't', pinFile: '/p', pinEnv: 'P' },
      { ...base, tokenLabel: 't', pinFile: '/p', pin: '123456' },
      { ...base, tokenLabel: 't', pinFile: '/p', keyId: '3' },
      { kind: 'pkcs11', module: base.module, tokenLabel: 't', pinFile: '/p' },
    ];
    for (const config of bad) expect(Pkcs11VaultConfigSchema.safeParse(config).success).toBe(false);
  });
});
