import { verify } from 'node:crypto';
import { canonicalJson, InvalidRequestError } from '@frostmint/core';
import {
  type PublicKeyInfo,
  p256Jwk,
  p256PublicKey,
  p256Spki,
  p256Thumbprint,
  type TokenDescription,
} from '@frostmint/pkcs11';
import { z } from 'zod';

/**
 * A guardian record: what `frostmint-guardian enroll` prints and what goes into the group
 * configuration. It names the guardian, the token, the ECDSA P-256 approval key (PIV slot
 * 9c) and optionally an ECDH P-256 sealing key (PIV slot 9d / HSM key), each as SPKI, JWK
 * and RFC 7638 thumbprint. `proof` is an ES256 signature by the approval key over the rest
 * of the record (canonical JSON), so the record cannot name a key its holder does not hold.
 */
export const GUARDIAN_RECORD_FORMAT = 'frostmint-guardian-record';

const b64u = z.string().regex(/^[A-Za-z0-9_-]+$/);

const KeyRecordSchema = z
  .object({
    /** `CKA_LABEL` on the token. */
    label: z.string(),
    /** `CKA_ID` on the token, hex (`02` = PIV 9c, `03` = PIV 9d). */
    id: z.string().regex(/^(?:[0-9a-f]{2})*$/),
    /** RFC 7638 thumbprint of `jwk`. */
    kid: b64u,
    /** SubjectPublicKeyInfo, DER, base64. */
    spki: z.string().regex(/^[A-Za-z0-9+/]+=*$/),
    jwk: z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: b64u, y: b64u }).strict(),
  })
  .strict();
export type KeyRecord = z.infer<typeof KeyRecordSchema>;

export const GuardianRecordSchema = z
  .object({
    format: z.literal(GUARDIAN_RECORD_FORMAT),
    version: z.literal(1),
    name: z.string().min(1).max(64),
    token: z
      .object({
        label: z.string(),
        manufacturer: z.string(),
        model: z.string(),
        serial: z.string(),
      })
      .strict(),
    /** ES256 key that signs approvals. */
    approvalKey: KeyRecordSchema,
    /** ECDH P-256 key that seals a signer's share, when this token also serves a signer. */
    sealingKey: KeyRecordSchema.optional(),
    createdAt: z.string().datetime(),
    /** base64url `r‖s` ES256 signature by `approvalKey` over the canonical JSON of the rest. */
    proof: b64u,
  })
  .strict();
export type GuardianRecord = z.infer<typeof GuardianRecordSchema>;
export type UnsignedGuardianRecord = Omit<GuardianRecord, 'proof'>;

/**
 * The record of one public key read off a token.
 *
 * @example
 * ```ts
 * const approvalKey = keyRecord(await token.publicKey({ id: Buffer.from([2]) }));
 * ```
 */
export function keyRecord(info: PublicKeyInfo): KeyRecord {
  const { x, y } = p256Jwk(info.point);
  return {
    label: info.label,
    id: info.id.toString('hex'),
    kid: p256Thumbprint(info.point),
    spki: p256Spki(info.point).toString('base64'),
    jwk: { kty: 'EC', crv: 'P-256', x: String(x), y: String(y) },
  };
}

/**
 * The token part of a record.
 *
 * @example
 * ```ts
 * const token = tokenRecord(await client.describe());
 * ```
 */
export function tokenRecord(info: TokenDescription): GuardianRecord['token'] {
  return {
    label: info.label,
    manufacturer: info.manufacturer,
    model: info.model,
    serial: info.serial,
  };
}

/**
 * The bytes the `proof` signs: the record without `proof`, as JSON with sorted keys and no
 * whitespace. ES256 signs their SHA-256.
 *
 * @example
 * ```ts
 * const digest = createHash('sha256').update(recordSigningInput(unsigned)).digest();
 * ```
 */
export function recordSigningInput(record: UnsignedGuardianRecord): Buffer {
  return Buffer.from(canonicalJson(record), 'utf8');
}

/**
 * Parses a guardian record and checks it: schema, that each JWK, SPKI and kid describe the
 * same key, and the approval key's proof. Throws `guardian_record_invalid`.
 *
 * @example
 * ```ts
 * const record = verifyGuardianRecord(JSON.parse(await readFile('alice.guardian.json', 'utf8')));
 * ```
 */
export function verifyGuardianRecord(input: unknown): GuardianRecord {
  const parsed = GuardianRecordSchema.safeParse(input);
  if (!parsed.success)
    throw invalid(`malformed: ${parsed.error.issues[0]?.message ?? 'schema mismatch'}`);
  const record = parsed.data;
  for (const key of [record.approvalKey, record.sealingKey]) {
    if (key && !consistent(key)) throw invalid(`key ${key.kid} has inconsistent SPKI, JWK and kid`);
  }
  const { proof, ...unsigned } = record;
  const approval = p256PublicKey(spkiPoint(record.approvalKey.spki));
  const signature = Buffer.from(proof, 'base64url');
  if (
    !verify(
      'sha256',
      recordSigningInput(unsigned),
      { key: approval, dsaEncoding: 'ieee-p1363' },
      signature,
    )
  ) {
    throw invalid('the approval key did not sign this record');
  }
  return record;
}

function consistent(key: KeyRecord): boolean {
  try {
    const point = spkiPoint(key.spki);
    const jwk = p256Jwk(point);
    return (
      p256Spki(point).toString('base64') === key.spki &&
      jwk.x === key.jwk.x &&
      jwk.y === key.jwk.y &&
      p256Thumbprint(point) === key.kid
    );
  } catch {
    return false;
  }
}

/** The 65-byte point at the end of a P-256 SPKI. */
function spkiPoint(spkiB64: string): Buffer {
  const spki = Buffer.from(spkiB64, 'base64');
  return spki.subarray(spki.length - 65);
}

function invalid(message: string): InvalidRequestError {
  return new InvalidRequestError('guardian_record_invalid', `guardian record ${message}`);
}
