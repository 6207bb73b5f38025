import type { webcrypto } from 'node:crypto';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import type { DkgRound2Package } from './dkg.ts';
import { FrostError } from './errors.ts';

/**
 * End-to-end sealing of DKG round-two packages with HPKE (RFC 9180, base mode,
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM). `info` binds the DKG session and
 * the sender/recipient pair, so a relay can neither read nor redirect a package.
 */
const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});

/** A per-session HPKE key pair; the public half is announced (signed) to the other signers. */
export interface DkgEnvelopeKey {
  readonly publicKey: Uint8Array;
  readonly privateKey: webcrypto.CryptoKey;
}

function info(sessionId: Uint8Array, from: number, to: number): Uint8Array {
  return Buffer.concat([
    Buffer.from('frostmint/dkg-round2/v1\0'),
    Buffer.from(sessionId),
    Buffer.from([from, to]),
  ]);
}

/**
 * Generates a fresh envelope key for one DKG run.
 *
 * @example
 * ```ts
 * const key = await generateDkgEnvelopeKey();
 * announce(key.publicKey);
 * ```
 */
export async function generateDkgEnvelopeKey(): Promise<DkgEnvelopeKey> {
  const pair = await suite.kem.generateKeyPair();
  return {
    publicKey: new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey)),
    privateKey: pair.privateKey,
  };
}

/** Seals `pkg` to the recipient's announced envelope key: `enc (32) ‖ ciphertext`. */
export async function sealDkgPackage(
  recipientPublicKey: Uint8Array,
  pkg: DkgRound2Package,
  sessionId: Uint8Array,
): Promise<Uint8Array> {
  const recipient = await suite.kem
    .deserializePublicKey(recipientPublicKey)
    .catch((cause: unknown) => {
      throw new FrostError('frost_envelope_invalid', 'recipient envelope key is malformed', {
        cause,
      });
    });
  const plaintext = Buffer.concat([Buffer.from([pkg.from, pkg.to]), pkg.signingShare]);
  try {
    const { ct, enc } = await suite.seal(
      { recipientPublicKey: recipient, info: info(sessionId, pkg.from, pkg.to) },
      plaintext,
    );
    return Buffer.concat([Buffer.from(enc), Buffer.from(ct)]);
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Opens a sealed package addressed `from` → `to` in `sessionId`; throws
 * `frost_envelope_invalid` on any failure, including a package re-addressed by the relay.
 *
 * @example
 * ```ts
 * const pkg = await openDkgPackage(key.privateKey, sealed, { sessionId, from: 2, to: 1 });
 * ```
 */
export async function openDkgPackage(
  privateKey: webcrypto.CryptoKey,
  sealed: Uint8Array,
  expected: { sessionId: Uint8Array; from: number; to: number },
): Promise<DkgRound2Package> {
  const fail = (cause?: unknown) =>
    new FrostError(
      'frost_envelope_invalid',
      `sealed package ${expected.from} → ${expected.to} does not open`,
      { cause },
    );
  if (sealed.length !== 32 + 34 + 16) throw fail();
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(
      await suite.open(
        {
          recipientKey: privateKey,
          enc: sealed.slice(0, 32),
          info: info(expected.sessionId, expected.from, expected.to),
        },
        sealed.slice(32),
      ),
    );
  } catch (cause) {
    throw fail(cause);
  }
  if (plain[0] !== expected.from || plain[1] !== expected.to) {
    plain.fill(0);
    throw fail();
  }
  const signingShare = plain.slice(2);
  plain.fill(0);
  return { from: expected.from, to: expected.to, signingShare };
}
