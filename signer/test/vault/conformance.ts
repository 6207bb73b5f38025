import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sealedSharePath } from '../../src/vault/sealed-file.ts';
import type { ShareBinding, ShareVault } from '../../src/vault/types.ts';

/**
 * The one conformance suite every `ShareVault` backend passes (SPIRE-style: one suite,
 * every backend). A backend's test file supplies a harness; the suite owns the behaviour.
 */
export interface VaultHarness {
  /** Directory the vault keeps its sealed files in (the suite tampers with them). */
  readonly dir: string;
  /** Opens a vault over `dir`; calling it again is a restart over the same state. */
  open(): Promise<ShareVault>;
  /** Closes every vault it opened and removes all state. */
  cleanup(): Promise<void>;
}

const KID = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const alice: ShareBinding = { kid: KID, signerId: 1 };
const bob: ShareBinding = { kid: KID, signerId: 2 };
const otherGroup: ShareBinding = {
  kid: 'f1ZBbYtk5aoVczbKO-1c2yJFVcOqVLCpFE2HPUBwVzE',
  signerId: 1,
};

const share = () => new Uint8Array(randomBytes(32));

/**
 * Registers the conformance tests for the backend `name`.
 *
 * @example
 * ```ts
 * shareVaultConformance('dev', async () => devHarness());
 * ```
 */
export function shareVaultConformance(
  name: string,
  makeHarness: () => Promise<VaultHarness>,
): void {
  describe(`ShareVault conformance: ${name}`, () => {
    let harness: VaultHarness;
    let vault: ShareVault;

    beforeEach(async () => {
      harness = await makeHarness();
      vault = await harness.open();
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    const sealedPath = (binding: ShareBinding) => sealedSharePath(harness.dir, binding);
    const editSealed = async (
      binding: ShareBinding,
      edit: (doc: Record<string, unknown>) => void,
    ) => {
      const doc = JSON.parse(await readFile(sealedPath(binding), 'utf8')) as Record<
        string,
        unknown
      >;
      edit(doc);
      await writeFile(sealedPath(binding), JSON.stringify(doc));
    };
    const flipFirstByte = (b64u: unknown) => {
      const bytes = Buffer.from(String(b64u), 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 0x01;
      return bytes.toString('base64url');
    };

    it(`reports its kind (${name}) and is ready`, async () => {
      expect(vault.kind).toBe(name);
      expect(await vault.health()).toMatchObject({ ready: true });
    });

    it('round-trips a share, also after a restart', async () => {
      const s = share();
      expect(await vault.has(alice)).toBe(false);
      await vault.store(alice, s);
      expect(await vault.has(alice)).toBe(true);
      expect(await vault.withShare(alice, (p) => Buffer.from(p).equals(s))).toBe(true);
      const restarted = await harness.open();
      expect(await restarted.withShare(alice, (p) => Buffer.from(p).equals(s))).toBe(true);
    });

    it('keeps the shares of different signers and groups apart', async () => {
      const [a, b, g] = [share(), share(), share()];
      await vault.store(alice, a);
      await vault.store(bob, b);
      await vault.store(otherGroup, g);
      expect(await vault.withShare(alice, (p) => Buffer.from(p).equals(a))).toBe(true);
      expect(await vault.withShare(bob, (p) => Buffer.from(p).equals(b))).toBe(true);
      expect(await vault.withShare(otherGroup, (p) => Buffer.from(p).equals(g))).toBe(true);
    });

    it('serves concurrent unseals', async () => {
      const s = share();
      await vault.store(alice, s);
      const results = await Promise.all(
        Array.from({ length: 8 }, () => vault.withShare(alice, (p) => Buffer.from(p).equals(s))),
      );
      expect(results).toEqual(Array(8).fill(true));
    });

    it('overwrites a share on refresh', async () => {
      const [old, fresh] = [share(), share()];
      await vault.store(alice, old);
      await vault.store(alice, fresh);
      expect(await vault.withShare(alice, (p) => Buffer.from(p).equals(fresh))).toBe(true);
    });

    it('zeroes the plaintext after use, also when use throws', async () => {
      await vault.store(alice, share());
      let seen: Uint8Array | undefined;
      await vault.withShare(alice, (p) => {
        seen = p;
      });
      expect(seen?.length).toBe(32);
      expect(seen?.every((b) => b === 0)).toBe(true);
      const boom = new Error('signing failed');
      await expect(
        vault.withShare(alice, (p) => {
          seen = p;
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(seen?.every((b) => b === 0)).toBe(true);
    });

    it('writes a private file that does not contain the share', async () => {
      const s = share();
      await vault.store(alice, s);
      const raw = await readFile(sealedPath(alice));
      expect(raw.includes(Buffer.from(s))).toBe(false);
      expect(raw.toString('utf8')).not.toContain(Buffer.from(s).toString('base64url'));
      expect((await stat(sealedPath(alice))).mode & 0o077).toBe(0);
      const doc = JSON.parse(raw.toString('utf8'));
      expect(doc).toMatchObject({
        format: 'frostmint-sealed-share',
        version: 1,
        vault: name,
        kid: KID,
        signerId: 1,
      });
    });

    it('says vault_share_missing for a share it never stored', async () => {
      await expect(vault.withShare(alice, () => 0)).rejects.toMatchObject({
        code: 'vault_share_missing',
      });
    });

    it('says vault_unseal_failed for a tampered ciphertext', async () => {
      await vault.store(alice, share());
      await editSealed(alice, (doc) => {
        doc.ciphertext = flipFirstByte(doc.ciphertext);
      });
      await expect(vault.withShare(alice, () => 0)).rejects.toMatchObject({
        code: 'vault_unseal_failed',
      });
    });

    it('says vault_unseal_failed for a tampered nonce or auth tag', async () => {
      await vault.store(alice, share());
      await editSealed(alice, (doc) => {
        doc.nonce = flipFirstByte(doc.nonce);
      });
      await expect(vault.withShare(alice, () => 0)).rejects.toMatchObject({
        code: 'vault_unseal_failed',
      });
    });

    it('says vault_binding_mismatch for a share sealed for another signer or group', async () => {
      await vault.store(bob, share());
      await writeFile(sealedPath(alice), await readFile(sealedPath(bob)));
      await expect(vault.withShare(alice, () => 0)).rejects.toMatchObject({
        code: 'vault_binding_mismatch',
      });
      await vault.store(otherGroup, share());
      await writeFile(sealedPath(alice), await readFile(sealedPath(otherGroup)));
      await expect(vault.withShare(alice, () => 0)).rejects.toMatchObject({
        code: 'vault_binding_mismatch',
      });
    });

    it('says vault_unseal_failed when a foreign share is relabelled (the AAD binds kid and signer)', async () => {
      await vault.store(bob, share());
      await writeFile(sealedPath(alice), await readFile(sealedPath(bob)));
      await editSealed(alice, (doc) => {
        doc.signerId = alice.signerId;
      });
      await expect(vault.withShare(alice, () => 0)).rejects.toMatchObject({
        code: 'vault_unseal_failed',
      });
    });

    it('says vault_format for an unreadable file', async () => {
      await vault.store(alice, share());
      await writeFile(sealedPath(alice), '{"format":"something-else"}');
      await expect(vault.withShare(alice, () => 0)).rejects.toMatchObject({ code: 'vault_format' });
    });
  });
}
