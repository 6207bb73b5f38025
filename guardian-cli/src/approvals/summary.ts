import type { PendingRequest } from '@frostmint/client';

/**
 * What a guardian reads before approving: the signed subject first (requester, scopes,
 * audience, lifetime, policy, request id — exactly what the signature covers), then the
 * coordinator's unsigned context (justification, policy reasons, CI claims, approvals so
 * far).
 *
 * @example
 * ```ts
 * io.stderr(describePending(request, Date.now() / 1000));
 * ```
 */
export function describePending(request: PendingRequest, now: number): string {
  if (request.kind === 'enrollment') return describeEnrollment(request, now);
  const { claims, ttl, notAfter } = request.approval_subject;
  const signed = [
    `  request      ${request.id}`,
    `  requester    ${claims.sub} (${request.requester_kind}, ${claims.client_id}, amr ${(claims.amr ?? []).join(' ') || '-'})`,
    `  scopes       ${claims.scope}`,
    `  audience     ${claims.aud}`,
    `  lifetime     ${ttl} s`,
    `  token id     ${claims.jti}`,
    `  policy       ${claims.frostmint.policy ?? '-'}`,
    `  valid until  ${new Date(notAfter * 1000).toISOString()} (${Math.max(0, Math.round(notAfter - now))} s left)`,
  ];
  const context = [
    `  justification ${request.justification ?? '(none)'}`,
    `  policy says   ${request.reasons.join(', ') || '-'}`,
    approvalsLine(request),
    ...Object.entries(request.oidc ?? {})
      .filter(([k]) => k !== 'aud')
      .map(([k, v]) => `  ci.${k.padEnd(11)} ${String(v)}`),
  ];
  return `${signed.join('\n')}\n\n  (context from the coordinator, not signed:)\n${context.join('\n')}\n`;
}

/**
 * What a guardian reads before approving an enrollment: the signed subject (engineer, roles,
 * certificate lifetime, relying party, group key, request id), then the policy's reasons
 * and the approvals so far (unsigned context).
 */
function describeEnrollment(
  request: Extract<PendingRequest, { kind: 'enrollment' }>,
  now: number,
): string {
  const { cert_id, sub, roles, lifetime, rp_id, kid, notAfter } = request.approval_subject;
  const signed = [
    `  enrollment   ${cert_id}`,
    `  engineer     ${sub}`,
    `  roles        ${roles.join(', ')}`,
    `  lifetime     ${lifetime} s (certificate)`,
    `  passkey RP   ${rp_id}`,
    `  group key    ${kid}`,
    `  valid until  ${new Date(notAfter * 1000).toISOString()} (${Math.max(0, Math.round(notAfter - now))} s left)`,
  ];
  const context = [`  policy says   ${request.reasons.join(', ') || '-'}`, approvalsLine(request)];
  return `${signed.join('\n')}\n\n  (context from the coordinator, not signed:)\n${context.join('\n')}\n`;
}

function approvalsLine(request: PendingRequest): string {
  const names = request.approvals.map((a) => a.guardian ?? a.guardian_kid).join(', ');
  return `  approvals     ${request.approvals.length} of ${request.required_approvals}${names ? ` (${names})` : ''}`;
}
