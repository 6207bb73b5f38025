import type { FastifyReply } from 'fastify';
import { PAGE_HELPERS, pageShell, sendPage } from '../../requests/pages.ts';

/** Which guardian page: register a credential, or approve a pending mint. */
export type GuardianPageKind = 'register' | 'approve';

const TEXT: Record<GuardianPageKind, { title: string; button: string }> = {
  register: { title: 'Register a guardian security key', button: 'Register security key' },
  approve: { title: 'Approve a pending mint', button: 'Approve with security key' },
};

const html = (kind: GuardianPageKind) =>
  pageShell({
    kind,
    title: TEXT[kind].title,
    heading: TEXT[kind].title,
    button: TEXT[kind].button,
    script: '/guardian.js',
  });

/**
 * Browser side. Everything the coordinator sends is shown with textContent (never parsed as
 * HTML). Approve: shows the request in words (requester, scopes, audience, lifetime,
 * justification, policy reasons, approvals so far, time left), runs navigator.credentials.get with the approval
 * digest as challenge, posts the assertion. Register: navigator.credentials.create, posts
 * the attestation, shows the credential id the guardian's CLI must show too.
 */
const SCRIPT = `'use strict';
(() => {
  const kind = document.body.dataset.kind;
  const id = location.pathname.split('/').pop();
  ${PAGE_HELPERS}
  const dec = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)).buffer;
  const enc = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const api = kind === 'approve' ? '/v1/approvals/' + id : '/v1/guardian-credentials/registrations/' + encodeURIComponent(id);
  const post = async (path, payload) => {
    const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    const body = await res.json();
    if (!res.ok) throw new Error(body.message + ' (' + body.error + ')');
    return body;
  };
  async function approve(o) {
    const cred = await navigator.credentials.get({ publicKey: { ...o, challenge: dec(o.challenge),
      allowCredentials: o.allowCredentials.map((c) => ({ ...c, id: dec(c.id) })) } });
    const r = cred.response;
    const body = await post('/v1/mint/requests/' + id + '/webauthn-approvals', { id: cred.id, rawId: enc(cred.rawId),
      type: cred.type, clientExtensionResults: {}, response: { clientDataJSON: enc(r.clientDataJSON),
      authenticatorData: enc(r.authenticatorData), signature: enc(r.signature),
      ...(r.userHandle ? { userHandle: enc(r.userHandle) } : {}) } });
    clearInterval(ticking);
    approvalsFact.textContent = body.approvals + ' of ' + body.required + ' (yours included)';
    return 'Approved (' + body.approvals + ' of ' + body.required + ' approvals). ' +
      (body.approvals >= body.required ? 'Enough guardians approved: the token can be issued.' : plural(body.required - body.approvals, 'more approval') + ' needed.') +
      ' You can close this tab.';
  }
  async function register(o) {
    const cred = await navigator.credentials.create({ publicKey: { ...o, challenge: dec(o.challenge),
      user: { ...o.user, id: dec(o.user.id) }, excludeCredentials: [] } });
    const r = cred.response;
    const body = await post(api + '/registration', { id: cred.id, rawId: enc(cred.rawId), type: cred.type,
      clientExtensionResults: {}, response: { clientDataJSON: enc(r.clientDataJSON),
      attestationObject: enc(r.attestationObject), transports: r.getTransports ? r.getTransports() : [] } });
    return 'Registered credential ' + body.credential_id + '. Check that your terminal shows the same id, then sign the binding there.';
  }
  const KINDS = { ci: 'a CI job', engineer: 'an engineer', operator: 'an operator' };
  let approvalsFact;
  async function load() {
    const res = await fetch(api, { cache: 'no-store' });
    const body = await res.json();
    clear();
    if (!res.ok) {
      $('intro').textContent = kind === 'approve' ? 'This request cannot be approved here.' : 'This registration cannot be shown.';
      say(body.message || 'Not found.');
      return;
    }
    let options;
    if (kind === 'approve') {
      const q = body.request;
      $('intro').textContent = 'Approve this mint for ' + q.requester + ' only if you expect it. Your tap signs exactly this request.';
      fact('Requested by', q.requester + ' (' + (KINDS[q.requester_kind] || q.requester_kind) + ')');
      fact(q.scope.length === 1 ? 'Scope' : 'Scopes', words(q.scope));
      fact('For the service (audience)', q.audience);
      fact('Valid for', duration(q.ttl) + ' after issue');
      fact('Justification', q.justification || 'none given');
      fact('Why guardians must approve', q.reasons.length ? words(q.reasons) : 'policy requires it');
      const names = q.approvals.map((a) => a.guardian || a.guardian_kid);
      approvalsFact = fact('Approvals so far', q.approvals.length + ' of ' + q.required_approvals + (names.length ? ' (' + words(names) + ')' : ''));
      timeLeft('Time left to approve', q.expires_at);
      if (q.oidc) fact('CI job claims', Object.entries(q.oidc).map(([k, v]) => k + ' = ' + v).join('; '));
      options = body.public_key;
      if (options.allowCredentials.length === 0) { say('No guardian has bound a security key yet.'); return; }
    } else {
      $('intro').textContent = 'Register a security key or passkey for guardian ' + body.guardian + '.';
      fact('Guardian', body.guardian);
      fact('Status', body.status);
      if (body.status !== 'pending') { say('Registered credential ' + body.credential.credential_id + ' (' + body.status + ').'); return; }
      options = body.public_key;
    }
    const button = $('tap');
    button.disabled = false;
    button.onclick = () => {
      button.disabled = true;
      say('Waiting for your authenticator…');
      (kind === 'approve' ? approve(options) : register(options)).then(say, (e) => say('Refused: ' + (e && e.message ? e.message : e)));
    };
  }
  load().catch((e) => say('Failed: ' + e.message));
})();
`;

/**
 * Serves a guardian page (strict CSP, like the tap pages); the ceremony runs in
 * `/guardian.js`.
 *
 * @example
 * ```ts
 * app.get('/approvals/:id', (_req, reply) => sendGuardianPage(reply, 'approve'));
 * ```
 */
export function sendGuardianPage(reply: FastifyReply, kind: GuardianPageKind): FastifyReply {
  return sendPage(reply, html(kind));
}

/**
 * Serves the guardian pages' script.
 *
 * @example
 * ```ts
 * app.get('/guardian.js', (_req, reply) => sendGuardianScript(reply));
 * ```
 */
export function sendGuardianScript(reply: FastifyReply): FastifyReply {
  return reply
    .headers({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' })
    .send(SCRIPT);
}
