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
 * The HTML of a tap page: a heading, an intro sentence, the request as a list of facts in
 * words (`#details`, a `<dl>` filled in by `script` with textContent only, so nothing the
 * coordinator sends is parsed as HTML), one button, and a polite live region (`#status`) a
 * screen reader announces. Shared by the engineers' and guardians' pages.
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
<title>frostmint — ${escapeHtml(p.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:${p.width ?? '44rem'};margin:3rem auto;padding:0 1rem;color:#111}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1.2rem;margin:1rem 0 1.5rem}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
button{font-size:1.1rem;padding:.6rem 1.2rem}button:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}
#status{margin-top:1rem;font-weight:600}</style></head>
<body data-kind="${escapeHtml(p.kind)}">
<main>
<h1>${escapeHtml(p.heading)}</h1>
<p id="intro">Loading…</p>
<section aria-labelledby="details-heading">
<h2 id="details-heading">What this request asks for</h2>
<dl id="details"></dl>
</section>
<p><button id="tap" type="button" disabled>${escapeHtml(p.button)}</button></p>
<p id="status" role="status" aria-live="polite"></p>
</main>
<script src="${escapeHtml(p.script)}"></script>
</body></html>`;
}

/** `text` safe inside HTML text and double-quoted attributes. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Browser-side helpers both page scripts start with: facts in words into `#details`
 * (textContent only), durations and the time left as sentences, lists as "a, b and c".
 */
export const PAGE_HELPERS = `
  const $ = (s) => document.getElementById(s);
  const say = (text) => { $('status').textContent = text; };
  const plural = (n, word) => n + ' ' + word + (n === 1 ? '' : 's');
  const duration = (s) => {
    s = Math.max(0, Math.round(s));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const parts = [];
    if (h) parts.push(plural(h, 'hour'));
    if (m) parts.push(plural(m, 'minute'));
    if (r || parts.length === 0) parts.push(plural(r, 'second'));
    return parts.join(' ');
  };
  const words = (list) => list.length < 2 ? list.join('') : list.slice(0, -1).join(', ') + ' and ' + list[list.length - 1];
  const at = (unix) => new Date(unix * 1000).toISOString().replace('T', ' ').replace(/\\.\\d+Z$/, ' UTC');
  const fact = (label, value) => {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    $('details').append(dt, dd);
    return dd;
  };
  let ticking;
  const timeLeft = (label, expiresAt) => {
    const dd = fact(label, '');
    const tick = () => {
      const left = expiresAt - Date.now() / 1000;
      dd.textContent = left > 0 ? duration(left) + ' left (until ' + at(expiresAt) + ')' : 'none: it expired at ' + at(expiresAt);
    };
    tick();
    clearInterval(ticking);
    ticking = setInterval(tick, 1000);
  };
  const clear = () => { $('details').replaceChildren(); };
`;

/** Browser side: the request in words, WebAuthn L3 JSON ↔ ArrayBuffer, the ceremony, and the POST back. */
const SCRIPT = `'use strict';
(() => {
  const kind = document.body.dataset.kind;
  const id = location.pathname.split('/').pop();
  ${PAGE_HELPERS}
  const b64u = {
    dec: (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)).buffer,
    enc: (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, ''),
  };
  const base = { mint: '/v1/mint/requests/', enroll: '/v1/enrollments/requests/', renew: '/v1/enrollments/renewals/' }[kind] + id;
  const asserts = kind !== 'enroll';
  const STATES = { pending: 'waiting for your tap', approved: 'approved, being signed', minted: 'approved and issued',
    expired: 'expired: it can no longer be approved', denied: 'denied', failed: 'failed' };
  let statusFact;
  async function load() {
    const res = await fetch(base, { cache: 'no-store' });
    const body = await res.json();
    clear();
    if (!res.ok) { $('intro').textContent = 'This request cannot be shown.'; say(body.message || 'Not found.'); return; }
    if (kind === 'mint') {
      const c = body.claims;
      const scopes = c.scope.split(' ');
      $('intro').textContent = 'Approve this exact token for ' + c.sub + ' only if you asked for it.';
      fact('Requested by', c.sub);
      fact(scopes.length === 1 ? 'Scope' : 'Scopes', words(scopes));
      fact('For the service (audience)', c.aud);
      fact('Valid for', duration(c.exp - c.iat) + ' after issue');
      fact('Justification', body.justification || 'none given');
      fact('Guardian approvals', body.required_approvals > 0
        ? (body.approved_by || []).length + ' of ' + body.required_approvals +
          ((body.approved_by || []).length ? ' (' + words(body.approved_by) + ')' : '')
        : 'none needed');
      fact('Signed by', 'signers ' + words(c.frostmint.signers.map(String)));
    } else if (kind === 'renew') {
      $('intro').textContent = 'Renew the passkey enrollment of ' + body.user + ' only if you asked for it.';
      fact('User', body.user);
      fact('Roles', words(body.roles));
    } else {
      $('intro').textContent = 'Register a passkey for ' + body.user + ' only if you asked for it.';
      fact('User', body.user);
      fact('Roles', words(body.roles));
    }
    statusFact = fact('Status', body.status_reason === 'awaiting_approvals' ? 'waiting for guardian approvals' : STATES[body.status] || body.status);
    if (body.expires_at && (body.status === 'pending' || body.status === 'approved')) timeLeft('Time left', body.expires_at);
    if (body.status_reason === 'awaiting_approvals') {
      say('Waiting for guardian approvals: ' + body.approved_by.length + ' of ' + body.required_approvals +
        '. This page asks for your tap once they are in.');
      setTimeout(() => load().catch((e) => say('Failed: ' + e.message)), 2000);
      return;
    }
    if (!body.public_key) {
      say('This ' + { mint: 'request', renew: 'renewal', enroll: 'enrollment' }[kind] + ' is ' + (STATES[body.status] || body.status) + '.');
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
    clearInterval(ticking);
    statusFact.textContent = body.status_reason === 'awaiting_id_token' ? 'passkey registered, waiting for your sign-in' : STATES.minted;
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
