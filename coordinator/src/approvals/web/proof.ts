import type { WebAuthnApprovalWire } from '@frostmint/core';
import { z } from 'zod';
import type { JsonObject } from '../../storage/index.ts';

const b64u = z.string().regex(/^[A-Za-z0-9_-]*$/);
const StoredProofSchema = z
  .object({
    binding: z.string(),
    authenticator_data: b64u,
    client_data_json: b64u,
    signature: b64u,
    user_handle: b64u,
  })
  .strict();

/**
 * The JSON a WebAuthn approval's proof is stored as (`approvals.webauthn`), so any
 * coordinator sharing the store can hand it to the signers.
 *
 * @example
 * ```ts
 * await store.approvals.add({ …, signature: new Uint8Array(0), webauthn: encodeProof(proof) });
 * ```
 */
export function encodeProof(proof: WebAuthnApprovalWire): JsonObject {
  const b = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  return {
    binding: Buffer.from(proof.binding).toString('utf8'),
    authenticator_data: b(proof.authenticatorData),
    client_data_json: b(proof.clientDataJson),
    signature: b(proof.signature),
    user_handle: b(proof.userHandle),
  };
}

/**
 * The proof back from its stored JSON.
 *
 * @example
 * ```ts
 * const proof = approval.webauthn && decodeProof(approval.webauthn);
 * ```
 */
export function decodeProof(json: JsonObject): WebAuthnApprovalWire {
  const p = StoredProofSchema.parse(json);
  const b = (s: string) => Buffer.from(s, 'base64url');
  return {
    binding: Buffer.from(p.binding, 'utf8'),
    authenticatorData: b(p.authenticator_data),
    clientDataJson: b(p.client_data_json),
    signature: b(p.signature),
    userHandle: b(p.user_handle),
  };
}
