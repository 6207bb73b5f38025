import { createECDH, createHash, verify } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { p256PublicKey } from '../src/ec.ts';
import { Pkcs11Error, Pkcs11PinError, Pkcs11UnavailableError } from '../src/errors.ts';
import { SEALING_KEY, type SoftHsm, softHsm, USER_PIN } from '../src/testing/softhsm.ts';
import { Pkcs11Token } from '../src/token.ts';

const APPROVAL_KEY = { label: 'frostmint-approval', id: 2, usage: 'sign' } as const;
const sealing = { label: SEALING_KEY.label };
const approval = { id: Buffer.from([APPROVAL_KEY.id]) };

let hsm: SoftHsm | undefined;
const open: Pkcs11Token[] = [];

async function setup(options: { mechanisms?: string } = {}): Promise<SoftHsm> {
  hsm = await softHsm(options);
  await hsm.createToken('tok', [SEALING_KEY, APPROVAL_KEY]);
  return hsm;
}

function client(label = 'tok', extra = {}): Pkcs11Token {
  const token = Pkcs11Token.open(hsm!.options(label, extra));
  open.push(token);
  return token;
}

afterEach(async () => {
  for (const token of open.splice(0)) await token.close();
  await hsm?.cleanup();
  hsm = undefined;
});

describe('Pkcs11Token on SoftHSM2', () => {
  it('describes the token and reads P-256 public keys', async () => {
    await setup();
    const token = client();
    const info = await token.describe();
    expect(info.label).toBe('tok');
    expect(info.model).toMatch(/SoftHSM/);
    const { point, label, id } = await token.publicKey(sealing);
    expect(point).toHaveLength(65);
    expect({ label, id: id.toString('hex') }).toEqual({ label: SEALING_KEY.label, id: '03' });
    expect(p256PublicKey(point).asymmetricKeyType).toBe('ec');
    expect(await token.hasKey(approval)).toBe(true);
    expect(await token.hasKey({ label: 'nope' })).toBe(false);
  });

  it('derives the same ECDH secret as software, with the key staying on the token', async () => {
    await setup();
    const token = client();
    const peer = createECDH('prime256v1');
    const peerPublic = peer.generateKeys();
    const onToken = await token.ecdh(sealing, peerPublic);
    expect(onToken).toHaveLength(32);
    expect(onToken.equals(peer.computeSecret((await token.publicKey(sealing)).point))).toBe(true);
  });

  it('signs with ECDSA P-256 in r‖s form that node:crypto verifies', async () => {
    await setup();
    const token = client();
    const message = Buffer.from('approve request 42');
    const signature = await token.sign(approval, createHash('sha256').update(message).digest());
    expect(signature).toHaveLength(64);
    const key = p256PublicKey((await token.publicKey(approval)).point);
    expect(verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
  });

  it('refuses to generate over an existing key', async () => {
    await setup();
    const token = client();
    await expect(
      token.generateKeyPair({ label: SEALING_KEY.label, id: Buffer.from([9]) }, 'derive'),
    ).rejects.toMatchObject({ code: 'pkcs11_key_exists' });
  });

  it('reports a wrong PIN with the retry state, and does not retry the same wrong PIN', async () => {
    const h = await setup();
    await writeFile(h.pinFile, '000000\n');
    const token = client();
    const first = await token
      .ecdh(sealing, createECDH('prime256v1').generateKeys())
      .catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Pkcs11PinError);
    expect(first).toMatchObject({
      code: 'pkcs11_pin_incorrect',
      retries: 'low',
      ckr: 'CKR_PIN_INCORRECT',
    });
    expect(String((first as Error).message)).not.toContain('000000');
    const second = await token.probe(sealing).catch((e: unknown) => e);
    expect(second).toMatchObject({ code: 'pkcs11_pin_incorrect', retries: 'low' });
    expect((second as Error).message).toMatch(/not tried again/);
    await writeFile(h.pinFile, `${USER_PIN}\n`);
    await expect(token.probe(sealing)).resolves.toBeUndefined();
  });

  it('reports a missing PIN source', async () => {
    await setup();
    const token = client('tok', { pin: { env: 'FROSTMINT_TEST_UNSET_PIN' } });
    await expect(token.probe(sealing)).rejects.toMatchObject({ code: 'pkcs11_pin_unavailable' });
  });

  it('reports a missing key', async () => {
    await setup();
    const token = client();
    const err = await token
      .ecdh({ label: 'no-such-key' }, createECDH('prime256v1').generateKeys())
      .catch((e) => e);
    expect(err).toBeInstanceOf(Pkcs11Error);
    expect(err).toMatchObject({ code: 'pkcs11_key_not_found' });
    await expect(token.publicKey({ id: Buffer.from([0x42]) })).rejects.toMatchObject({
      code: 'pkcs11_key_not_found',
    });
  });

  it('reports a mechanism the token lacks', async () => {
    await setup({ mechanisms: 'CKM_EC_KEY_PAIR_GEN,CKM_ECDSA' }); // no CKM_ECDH1_DERIVE
    const token = client();
    const err = await token.ecdh(sealing, createECDH('prime256v1').generateKeys()).catch((e) => e);
    expect(err).toMatchObject({ code: 'pkcs11_mechanism_unsupported' });
    expect(err.message).toContain('CKM_ECDH1_DERIVE');
  });

  it('reports an absent token and an absent module as unavailable', async () => {
    await setup();
    await expect(client('other').probe()).rejects.toBeInstanceOf(Pkcs11UnavailableError);
    await expect(client('other').probe()).rejects.toMatchObject({
      code: 'pkcs11_token_not_present',
    });
    const missing = Pkcs11Token.open({
      module: '/nonexistent/libpkcs11.so',
      token: { slot: 0 },
      pin: { env: 'X' },
    });
    open.push(missing);
    await expect(missing.probe()).rejects.toMatchObject({ code: 'pkcs11_module_unavailable' });
  });

  it('logs in again after the login state was lost', async () => {
    await setup();
    const a = client();
    const b = client();
    const peer = createECDH('prime256v1').generateKeys();
    const before = await a.ecdh(sealing, peer);
    await b.logout(); // PKCS#11 login state is per token: this logs `a` out too
    const after = await a.ecdh(sealing, peer);
    expect(after.equals(before)).toBe(true);
  });

  it('recovers after the token was pulled out and put back', async () => {
    const h = await setup();
    const token = client();
    const peer = createECDH('prime256v1').generateKeys();
    const before = await token.ecdh(sealing, peer);
    await h.unplug();
    const err = await token.ecdh(sealing, peer).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Pkcs11UnavailableError);
    expect(err).toMatchObject({ code: 'pkcs11_token_not_present' });
    await h.plug();
    expect((await token.ecdh(sealing, peer)).equals(before)).toBe(true);
  });
});
