import type { PendingRequest } from './coordinator-api.ts';

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
    `  approvals     ${request.approvals.length} of ${request.required_approvals}${
      request.approvals.length
        ? ` (${request.approvals.map((a) => a.guardian ?? a.guardian_kid).join(', ')})`
        : ''
    }`,
    ...Object.entries(request.oidc ?? {})
      .filter(([k]) => k !== 'aud')
      .map(([k, v]) => `  ci.${k.padEnd(11)} ${String(v)}`),
  ];
  return `${signed.join('\n')}\n\n  (context from the coordinator, not signed:)\n${context.join('\n')}\n`;
}
