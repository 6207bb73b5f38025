import type { GuardianKey, WebAuthnConfig } from '@frostmint/core';
import type { Logger } from 'pino';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { CoordinatorStore } from '../../storage/index.ts';
import type { ApprovalGate } from '../gate.ts';
import { GuardianCredentials } from './credentials.ts';
import type { WebApprovalParts } from './routes.ts';
import { WebApprovals } from './web-approvals.ts';

/**
 * What the guardian web approval routes serve, wired from the coordinator's parts; only
 * with a `webauthn` configuration and a group with guardians (`pending`).
 *
 * @example
 * ```ts
 * const web = webApprovalParts({ webauthn, pending, store, guardians, audit, log });
 * if (web) registerWebApprovalRoutes(app, () => web);
 * ```
 */
export function webApprovalParts(parts: {
  webauthn: WebAuthnConfig | undefined;
  pending?: ApprovalGate | undefined;
  store: CoordinatorStore;
  guardians: readonly GuardianKey[];
  audit: AuditLog;
  log: Logger;
}): WebApprovalParts | undefined {
  const { webauthn, pending } = parts;
  if (!webauthn || !pending) return undefined;
  const credentials = new GuardianCredentials({ ...parts, webauthn });
  const approvals = new WebApprovals({ ...parts, webauthn, pending, credentials });
  return { credentials, approvals, origin: webauthn.origins[0]! };
}
