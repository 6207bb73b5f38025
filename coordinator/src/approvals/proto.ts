import type { MintApprovalWire } from '@frostmint/core';
import type { MintApproval } from '@frostmint/proto';

/**
 * A verified approval as the signers receive it (proto `MintApproval`, with its WebAuthn
 * proof when the guardian approved on the web page).
 *
 * @example
 * ```ts
 * driver.sign({ …, approvals: approvals.map(approvalToProto) });
 * ```
 */
export function approvalToProto(a: MintApprovalWire): MintApproval {
  const w = a.webauthn;
  return {
    guardianKid: a.guardianKid,
    signature: Buffer.from(a.signature),
    notAfter: a.notAfter,
    webauthn: w && {
      binding: Buffer.from(w.binding),
      authenticatorData: Buffer.from(w.authenticatorData),
      clientDataJson: Buffer.from(w.clientDataJson),
      signature: Buffer.from(w.signature),
      userHandle: Buffer.from(w.userHandle),
    },
  };
}
