import {
  type EnrollmentCertificateBody,
  EnrollmentCertificateBodySchema,
  type EnrollmentRequest,
  EnrollmentRequestSchema,
  FrostmintError,
  type RegisteredCredential,
  type TokenClaims,
  type TokenHeader,
  TokenHeaderSchema,
} from '@frostmint/core';
import { z } from 'zod';
import { decodePending, type PendingRecord } from '../mint/polled-record.ts';
import {
  type RequesterAttestationBody,
  RequesterAttestationBodySchema,
} from '../mint-attestation.ts';
import type { CoordinatorStore, MintRequest, MintRequestKind } from '../storage/index.ts';

/** The passkey an enrollment registered while it waits for its IdP login. */
export interface StoredRegistration {
  readonly registration: unknown;
  readonly credential: RegisteredCredential;
}

/**
 * A stored request decoded once by its `kind` column: each flow's row with what that flow
 * keeps in it. No flow is told from another by the content of a row.
 */
export type StoredRequest =
  | {
      /** An engineer's two-step mint: the tap approves the exact token. */
      readonly kind: 'tap_mint';
      readonly row: MintRequest;
      readonly header: TokenHeader;
      readonly claims: TokenClaims;
      /** The requester's SEV-SNP evidence sent with the request, if any. */
      readonly attestation?: RequesterAttestationBody;
      /** The address the request came from; null for a row stored before addresses were. */
      readonly sourceAddress: string | null;
    }
  | {
      /** A one-step mint waiting for guardian approvals; its requester polls. */
      readonly kind: 'polled_mint';
      readonly row: MintRequest;
      readonly header: TokenHeader;
      readonly claims: TokenClaims;
      readonly pending: PendingRecord;
    }
  | {
      readonly kind: 'enrollment';
      readonly row: MintRequest;
      readonly request: EnrollmentRequest;
      readonly registration?: StoredRegistration;
    }
  | {
      readonly kind: 'renewal';
      readonly row: MintRequest;
      readonly body: EnrollmentCertificateBody;
    };

/** The stored request of one kind. */
export type StoredRequestOf<K extends MintRequestKind> = Extract<StoredRequest, { kind: K }>;

/**
 * Decodes a stored request by its kind (a row from any coordinator sharing the store).
 *
 * @example
 * ```ts
 * const request = decodeRequest(row);
 * if (request.kind === 'renewal') console.log(request.body.credential_id);
 * ```
 */
export function decodeRequest(row: MintRequest): StoredRequest {
  switch (row.kind) {
    case 'tap_mint': {
      const attestation = RequesterAttestationBodySchema.optional().parse(
        row.evidence?.attestation ?? undefined,
      );
      const sourceAddress = z.string().optional().parse(row.evidence?.source_address) ?? null;
      return {
        kind: row.kind,
        row,
        ...tokenOf(row),
        ...(attestation ? { attestation } : {}),
        sourceAddress,
      };
    }
    case 'polled_mint':
      return { kind: row.kind, row, ...tokenOf(row), pending: decodePending(row) };
    case 'enrollment': {
      const registration = registrationOf(row);
      return {
        kind: row.kind,
        row,
        request: EnrollmentRequestSchema.parse(row.claims),
        ...(registration ? { registration } : {}),
      };
    }
    case 'renewal':
      return { kind: row.kind, row, body: EnrollmentCertificateBodySchema.parse(row.claims) };
  }
}

/**
 * Request `id` of kind `kind`, decoded; `request_not_found` (404) when there is none of
 * that kind.
 *
 * @example
 * ```ts
 * const renewal = requestOfKind(await store.mintRequests.get(id), 'renewal', `no renewal request ${id}`);
 * ```
 */
export function requestOfKind<K extends MintRequestKind>(
  row: MintRequest | null,
  kind: K,
  notFound: string,
): StoredRequestOf<K> {
  if (row === null || row.kind !== kind) {
    throw new FrostmintError('request_not_found', notFound);
  }
  return decodeRequest(row) as StoredRequestOf<K>;
}

/**
 * Reads request `id` of kind `kind` from the store, decoded; `request_not_found` (404)
 * with `notFound` when there is none of that kind.
 *
 * @example
 * ```ts
 * const { row, body } = await loadRequest(store, id, 'renewal', `no renewal request ${id}`);
 * ```
 */
export async function loadRequest<K extends MintRequestKind>(
  store: Pick<CoordinatorStore, 'mintRequests'>,
  id: string,
  kind: K,
  notFound: string,
): Promise<StoredRequestOf<K>> {
  return requestOfKind(await store.mintRequests.get(id), kind, notFound);
}

/** The header (from its signing input) and claims of a token request. */
function tokenOf(row: MintRequest): { header: TokenHeader; claims: TokenClaims } {
  const [segment] = row.signingInput.split('.');
  const header = TokenHeaderSchema.parse(
    JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')),
  );
  return { header, claims: row.claims as unknown as TokenClaims };
}

function registrationOf(row: MintRequest): StoredRegistration | undefined {
  const evidence = row.evidence as Partial<StoredRegistration> | null;
  return evidence?.credential && evidence.registration !== undefined
    ? (evidence as StoredRegistration)
    : undefined;
}
