import type { FastifyReply } from 'fastify';

/** Security headers of the tap pages: only our own script, no framing (clickjacking). */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Which ceremony a tap page runs. */
export type TapKind = 'mint' | 'enroll' | 'renew';

const TITLES: Record<TapKind, { title: string; heading: string; button: string }> = {
  mint: { title: 'approve a token', heading: 'Approve this token', button: 'Approve with passkey' },
  enroll: {
    title: 'enroll a passkey',
    heading: 'Enroll a passkey or security key',
    button: 'Register passkey',
  },
  renew: {
    title: 'renew an enrollment',
    heading: 'Renew your enrollment',
    button: 'Renew with passkey',
  },
};

const page = (kind: TapKind) =>
  pageShell({ kind, ...TITLES[kind], script: '/tap.js', width: '40rem' });

/**
 * The HTML of a tap page: a title, the request details (filled in by `script` with
 * textContent), one button, a status line. Shared by the engineers' and guardians' pages.
 *
 * @example
 * ```ts
 * const html = pageShell({ kind: 'approve', title, heading, button, script: '/guardian.js' });
 * ```
 */
export function pageShell(p: {
  kind: string;
  title: string;
  heading: string;
  button: string;
  script: string;
  width?: string;
}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>frostmint — ${p.title}</title>
<style>body{font:16px system-ui,sans-serif;max-width:${p.width ?? '44rem'};margin:3rem auto;padding:0 1rem}
pre{background:#f4f4f4;padding:1rem;overflow:auto}button{font-size:1.1rem;padding:.6rem 1.2rem}
#status{margin-top:1rem;font-weight:600}</style></head>
<body data-kind="${p.kind}">
<h1>${p.heading}</h1>
<p id="intro">Loading…</p>
<pre id="details"></pre>
<button id="tap" type="button" disabled>${p.button}</button>
<p id="status" role="status" aria-live="polite"></p>
<script src="${p.script}"></script>
</body></html>`;
}

/** Browser side: WebAuthn L3 JSON ↔ ArrayBuffer, the ceremony, and the POST back. */
const SCRIPT = `'use strict';
(() => {
  const kind = document.body.dataset.kind;
  const id = location.pathname.split('/').pop();
  const $ = (s) => document.getElementById(s);
  const b64u = {
    dec: (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)).buffer,
    enc: (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, ''),
  };
  const say = (text) => { $('status').textContent = text; };
  const base = { mint: '/v1/mint/requests/', enroll: '/v1/enrollments/requests/', renew: '/v1/enrollments/renewals/' }[kind] + id;
  const asserts = kind !== 'enroll';
  async function load() {
    const res = await fetch(base, { cache: 'no-store' });
    const body = await res.json();
    if (!res.ok) { $('intro').textContent = body.message || 'This request cannot be found.'; return; }
    if (kind === 'mint') {
      const c = body.claims;
      $('intro').textContent = 'Approve this exact token for ' + c.sub + ' only if you asked for it.';
      $('details').textContent = JSON.stringify({ scope: c.scope, audience: c.aud, lifetime_seconds: c.exp - c.iat,
        justification: body.justification, signers: c.frostmint.signers, status: body.status }, null, 2);
    } else if (kind === 'renew') {
      $('intro').textContent = 'Renew the passkey enrollment of ' + body.user + ' (roles: ' + body.roles.join(', ') + ').';
    } else {
      $('intro').textContent = 'Register a passkey for ' + body.user + ' with roles: ' + body.roles.join(', ') + '.';
    }
    if (body.status_reason === 'awaiting_approvals') {
      say('Waiting for guardian approvals: ' + body.approved_by.length + ' of ' + body.required_approvals +
        '. This page asks for your tap once they are in.');
      setTimeout(() => load().catch((e) => say('Failed: ' + e.message)), 2000);
      return;
    }
    if (!body.public_key) {
      say('This ' + { mint: 'request', renew: 'renewal', enroll: 'enrollment' }[kind] + ' is ' + body.status + '.');
      return;
    }
    const button = $('tap');
    button.disabled = false;
    button.onclick = () => tap(body.public_key).catch((e) => say('Failed: ' + (e && e.message ? e.message : e)));
  }
  async function tap(o) {
    $('tap').disabled = true;
    say('Waiting for your authenticator…');
    let payload, path;
    if (asserts) {
      const cred = await navigator.credentials.get({ publicKey: { ...o, challenge: b64u.dec(o.challenge),
        allowCredentials: o.allowCredentials.map((c) => ({ ...c, id: b64u.dec(c.id) })) } });
      const r = cred.response;
      payload = { id: cred.id, rawId: b64u.enc(cred.rawId), type: cred.type, clientExtensionResults: {},
        response: { clientDataJSON: b64u.enc(r.clientDataJSON), authenticatorData: b64u.enc(r.authenticatorData),
          signature: b64u.enc(r.signature), ...(r.userHandle ? { userHandle: b64u.enc(r.userHandle) } : {}) } };
      path = base + '/assertion';
    } else {
      const cred = await navigator.credentials.create({ publicKey: { ...o, challenge: b64u.dec(o.challenge),
        user: { ...o.user, id: b64u.dec(o.user.id) },
        excludeCredentials: o.excludeCredentials.map((c) => ({ ...c, id: b64u.dec(c.id) })) } });
      const r = cred.response;
      payload = { id: cred.id, rawId: b64u.enc(cred.rawId), type: cred.type, clientExtensionResults: {},
        response: { clientDataJSON: b64u.enc(r.clientDataJSON), attestationObject: b64u.enc(r.attestationObject),
          transports: r.getTransports ? r.getTransports() : [] } };
      path = base + '/registration';
    }
    say('Verifying…');
    const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    const body = await res.json();
    if (!res.ok) { say('Refused: ' + body.message + ' (' + body.error + ')'); return; }
    say(body.status_reason === 'awaiting_id_token'
      ? 'Passkey registered. Return to your terminal: it signs you in to your identity provider to prove it is you.'
      : kind === 'mint'
      ? 'Approved. You can close this tab and return to your terminal.'
      : kind === 'renew' ? 'Renewed until ' + new Date(body.certificate_expires_at * 1000).toISOString() + '. You can close this tab.'
      : 'Enrolled ' + body.credential_id + '. You can close this tab.');
  }
  load().catch((e) => say('Failed: ' + e.message));
})();
`;

/**
 * Serves the tap page (enroll or approve-mint); the ceremony runs in `/tap.js`.
 *
 * @example
 * ```ts
 * app.get('/tap/:kind/:id', (req, reply) => sendTapPage(reply, 'mint'));
 * ```
 */
export function sendTapPage(reply: FastifyReply, kind: TapKind): FastifyReply {
  return sendPage(reply, page(kind));
}

/**
 * Serves an HTML page with the tap pages' security headers (strict CSP: only same-origin
 * scripts, no framing, no referrer, no caching).
 *
 * @example
 * ```ts
 * app.get('/approvals/:id', (req, reply) => sendPage(reply, html));
 * ```
 */
export function sendPage(reply: FastifyReply, html: string): FastifyReply {
  return reply.headers(PAGE_HEADERS).send(html);
}

/**
 * Serves the tap page's script.
 *
 * @example
 * ```ts
 * app.get('/tap.js', (_req, reply) => sendTapScript(reply));
 * ```
 */
export function sendTapScript(reply: FastifyReply): FastifyReply {
  return reply
    .headers({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' })
    .send(SCRIPT);
}
