/**
 * A software WebAuthn authenticator (P-256, `none` attestation) for tests that drive the
 * signers by hand over gRPC, where no browser sits between. It produces exactly the bytes
 * a CTAP2 authenticator and a browser would (WebAuthn §6.1 authenticator data, §5.8.1
 * clientDataJSON), so every check runs through the production verification code. The
 * browser end-to-end test uses Chromium's CDP virtual authenticator instead.
 */
import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export interface SoftAssertion {
  credentialId: string;
  clientDataJson: Buffer;
  authenticatorData: Buffer;
  signature: Buffer;
  userHandle: Buffer;
}

export class SoftAuthenticator {
  readonly credentialId = randomBytes(16).toString('base64url');
  readonly #keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  signCount = 0;

  constructor(
    readonly rpId: string,
    readonly origin: string,
  ) {}

  /** COSE_Key (EC2, ES256) of the credential, base64url. */
  get publicKeyCose(): string {
    const jwk = this.#keys.publicKey.export({ format: 'jwk' });
    const cose = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]);
    return Buffer.from(isoCBOR.encode(cose)).toString('base64url');
  }

  /** `PublicKeyCredential.toJSON()` of a registration with `challenge` (base64url). */
  register(challenge: string, options: { origin?: string; userVerified?: boolean } = {}) {
    const clientDataJson = this.#clientData('webauthn.create', challenge, options.origin);
    const credId = Buffer.from(this.credentialId, 'base64url');
    const attested = Buffer.concat([
      Buffer.alloc(16),
      Buffer.from([credId.length >> 8, credId.length & 0xff]),
      credId,
      Buffer.from(this.publicKeyCose, 'base64url'),
    ]);
    const authData = this.#authData(
      FLAG_AT | (options.userVerified === false ? 0 : FLAG_UV),
      attested,
    );
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]) as never,
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key' as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJson.toString('base64url'),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
    };
  }

  /** An assertion over `challenge` (raw bytes); advances the counter unless it is fixed at 0. */
  assert(
    challenge: Uint8Array,
    options: { origin?: string; rpId?: string; userVerified?: boolean; signCount?: number } = {},
  ): SoftAssertion {
    if (options.signCount !== undefined) this.signCount = options.signCount;
    else if (this.signCount > 0) this.signCount += 1;
    const clientDataJson = this.#clientData(
      'webauthn.get',
      Buffer.from(challenge).toString('base64url'),
      options.origin,
    );
    const authenticatorData = this.#authData(
      options.userVerified === false ? 0 : FLAG_UV,
      Buffer.alloc(0),
      options.rpId,
    );
    const signer = createSign('sha256');
    signer.update(Buffer.concat([authenticatorData, sha256(clientDataJson)]));
    return {
      credentialId: this.credentialId,
      clientDataJson,
      authenticatorData,
      signature: signer.sign(this.#keys.privateKey),
      userHandle: Buffer.alloc(0),
    };
  }

  /** The assertion as `PublicKeyCredential.toJSON()` (what the tap page posts). */
  static toJson(a: SoftAssertion) {
    return {
      id: a.credentialId,
      rawId: a.credentialId,
      type: 'public-key' as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: a.clientDataJson.toString('base64url'),
        authenticatorData: a.authenticatorData.toString('base64url'),
        signature: a.signature.toString('base64url'),
      },
    };
  }

  #clientData(type: string, challenge: string, origin = this.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
  }

  #authData(flags: number, attested: Buffer, rpId = this.rpId): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.signCount);
    return Buffer.concat([
      sha256(Buffer.from(rpId)),
      Buffer.from([flags | FLAG_UP]),
      counter,
      attested,
    ]);
  }
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}
