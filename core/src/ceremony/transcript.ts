import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson, domainSeparated } from '../canonical-json.ts';
import { InvalidRequestError } from '../errors.ts';
import { GuardianKeySchema } from './guardian-key.ts';

/**
 * The ceremony transcript: everything a key ceremony will do, fixed before it starts, so
 * guardians approve exactly this and every signer can check it is asked to do exactly
 * this. Its digest is the ceremony's session id on the wire.
 */
export const CEREMONY_TRANSCRIPT_FORMAT = 'frostmint-ceremony-transcript';
/** Domain of the transcript digest (and so of every guardian approval over it). */
const TRANSCRIPT_DOMAIN = 'frostmint/ceremony-transcript/v1\0';

export const CEREMONY_KINDS = ['dkg', 'refresh', 'replace-signer'] as const;
export type CeremonyKind = (typeof CEREMONY_KINDS)[number];

const b64u = z.string().regex(/^[A-Za-z0-9_-]+$/);
const signerIdSchema = z.number().int().min(1).max(255);

const TranscriptSignerSchema = z
  .object({
    id: signerIdSchema,
    /** DNS name its TLS certificate carries. */
    tlsName: z.string().min(1),
    /** SHA-256 of its TLS certificate (DER), lowercase hex. */
    certificateSha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type TranscriptSigner = z.infer<typeof TranscriptSignerSchema>;

export const CeremonyTranscriptSchema = z
  .object({
    format: z.literal(CEREMONY_TRANSCRIPT_FORMAT),
    version: z.literal(1),
    kind: z.enum(CEREMONY_KINDS),
    /** 32 random bytes, base64url: two plans never share a digest. */
    ceremonyId: b64u.length(43),
    createdAt: z.string().datetime(),
    /** Signers refuse the transcript after this instant. */
    notAfter: z.string().datetime(),
    threshold: z.number().int().min(2).max(255),
    maxSigners: z.number().int().min(2).max(255),
    /** Guardian approvals every later ceremony of the group needs (fixed at DKG). */
    ceremonyApprovals: z.number().int().min(0).max(16),
    /** refresh / replace-signer: the group acted on, at its current epoch. */
    group: z
      .object({ kid: z.string().min(1), groupKey: b64u.length(43), epoch: z.number().int().min(1) })
      .strict()
      .optional(),
    /** replace-signer: the id of the lost signer, taken over by a new one. */
    lost: signerIdSchema.optional(),
    /** The signers taking part (replace-signer: the helpers and the replacement). */
    signers: z.array(TranscriptSignerSchema).min(2).max(255),
    /** The guardians (dkg: fixed into the group configuration). */
    guardians: z.array(GuardianKeySchema).max(16),
  })
  .strict()
  .superRefine((t, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
    const ids = t.signers.map((s) => s.id);
    if (new Set(ids).size !== ids.length) fail('a signer id appears twice');
    if (ids.some((id, i) => i > 0 && id < ids[i - 1]!)) fail('signers must be sorted by id');
    if (t.threshold > t.maxSigners) fail('threshold exceeds maxSigners');
    if (t.ceremonyApprovals > t.guardians.length) fail('approvals exceed the guardians');
    if (t.kind === 'dkg' && (t.group || t.lost !== undefined)) fail('dkg names no group or lost');
    if (t.kind === 'dkg' && ids.length !== t.maxSigners) fail('dkg needs every signer');
    if (t.kind !== 'dkg' && !t.group) fail(`${t.kind} names the group it acts on`);
    if (t.kind === 'refresh' && ids.length !== t.maxSigners) fail('refresh needs every signer');
    if (t.kind === 'replace-signer') {
      if (t.lost === undefined || !ids.includes(t.lost)) fail('replace-signer names lost signer');
      if (ids.length !== t.threshold + 1) fail('replace-signer needs threshold helpers + 1');
    } else if (t.lost !== undefined) fail(`${t.kind} names no lost signer`);
  });
export type CeremonyTranscript = z.infer<typeof CeremonyTranscriptSchema>;

/**
 * A fresh transcript with a random ceremony id, valid for `validForMs` from now.
 *
 * @example
 * ```ts
 * const t = newTranscript({ kind: 'dkg', threshold: 2, maxSigners: 3, ceremonyApprovals: 2, signers, guardians });
 * ```
 */
export function newTranscript(
  body: Omit<CeremonyTranscript, 'format' | 'version' | 'ceremonyId' | 'createdAt' | 'notAfter'>,
  options: { validForMs?: number; now?: Date } = {},
): CeremonyTranscript {
  const now = options.now ?? new Date();
  return parseTranscript(
    Buffer.from(
      canonicalJson({
        format: CEREMONY_TRANSCRIPT_FORMAT,
        version: 1,
        ceremonyId: randomBytes(32).toString('base64url'),
        createdAt: now.toISOString(),
        notAfter: new Date(now.getTime() + (options.validForMs ?? 86_400_000)).toISOString(),
        ...body,
      }),
    ),
  );
}

/**
 * Parses a transcript (JSON bytes, canonical or not). Throws `ceremony_transcript_invalid`.
 *
 * @example
 * ```ts
 * const transcript = parseTranscript(await readFile('dkg.transcript.json'));
 * ```
 */
export function parseTranscript(bytes: Uint8Array): CeremonyTranscript {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw invalidTranscript('is not JSON');
  }
  const parsed = CeremonyTranscriptSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidTranscript(`${issue?.path.join('.') || 'transcript'}: ${issue?.message}`);
  }
  return parsed.data;
}

/**
 * The canonical bytes of a transcript: what travels to the signers.
 *
 * @example
 * ```ts
 * const authorization = { transcript: transcriptBytes(t), approvals };
 * ```
 */
export function transcriptBytes(transcript: CeremonyTranscript): Buffer {
  return Buffer.from(canonicalJson(transcript), 'utf8');
}

/**
 * The input every guardian approval signs (ES256 signs its SHA-256): the domain
 * `frostmint/ceremony-transcript/v1` and NUL, then the canonical transcript. It can never
 * be confused with a JWS signing input, which mint approvals sign.
 *
 * @example
 * ```ts
 * const digest = createHash('sha256').update(approvalInput(t)).digest(); // token.sign(key, digest)
 * ```
 */
export function approvalInput(transcript: CeremonyTranscript): Buffer {
  return domainSeparated(TRANSCRIPT_DOMAIN, transcript);
}

/**
 * SHA-256 of `approvalInput`: the transcript digest guardians sign and the ceremony's
 * session id on the wire.
 *
 * @example
 * ```ts
 * const params = { sessionId: transcriptDigest(t), threshold: t.threshold, participants };
 * ```
 */
export function transcriptDigest(transcript: CeremonyTranscript): Buffer {
  return createHash('sha256').update(approvalInput(transcript)).digest();
}

function invalidTranscript(why: string): InvalidRequestError {
  return new InvalidRequestError('ceremony_transcript_invalid', `ceremony transcript ${why}`);
}
