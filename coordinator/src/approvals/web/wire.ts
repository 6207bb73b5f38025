import type { GuardianKey, WebAuthnConfig } from '@frostmint/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { CoordinatorStore } from '../../storage/index.ts';
import type { ApprovalGate } from '../gate.ts';
import { GuardianCredentials } from './credentials.ts';
import { registerWebApprovalRoutes } from './routes.ts';
import { WebApprovals } from './web-approvals.ts';

/**
 * The guardian web approval routes, wired from the coordinator's parts; served only with a
 * `webauthn` configuration and a group with guardians (`pending`).
 *
 * @example
 * ```ts
 * const register = webApprovalRoutes({ webauthn, pending, store, guardians, audit, log });
 * ```
 */
export function webApprovalRoutes(parts: {
  webauthn: WebAuthnConfig | undefined;
  pending?: ApprovalGate | undefined;
  store: CoordinatorStore;
  guardians: readonly GuardianKey[];
  audit: AuditLog;
  log: Logger;
}): ((app: FastifyInstance) => void) | undefined {
  const { webauthn, pending } = parts;
  if (!webauthn || !pending) return undefined;
  const credentials = new GuardianCredentials({ ...parts, webauthn });
  const approvals = new WebApprovals({ ...parts, webauthn, pending, credentials });
  const origin = webauthn.origins[0]!;
  return (app) => registerWebApprovalRoutes(app, { credentials, approvals, origin });
}
