import { createHash, createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK, SignJWT } from 'jose';
import type { OutcomeClass } from './classes.ts';

/** The request a case's proof is checked against. */
export const DPOP_HTM = 'POST';
export const DPOP_HTU = 'https://api.conformance.test/deploy';

/**
 * A case's DPoP input (RFC 9449 §4): `options.dpop`. With `presentTwice`, the runner
 * verifies the same token and proof twice on one verifier and reports the second outcome
 * (or the first, if that one already failed).
 */
export interface DpopCaseInput {
  proof: string;
  htm: string;
  htu: string;
  presentTwice?: boolean;
}

/** What cases.ts lends the DPoP cases: its token signer and its case sink. */
export interface DpopCaseContext {
  /** The verifier's clock, unix seconds. */
  now: number;
  /** A valid access token with these claim overrides, signed by the case file's issuer key. */
  token: (overrides?: Record<string, unknown>) => string;
  add: (expect: OutcomeClass, name: string, token: string, dpop?: DpopCaseInput) => void;
}

/** A client's DPoP key pair: its public JWK and RFC 7638 thumbprint (`cnf.jkt`). */
interface Holder {
  alg: 'EdDSA' | 'ES256';
  privateKey: KeyObject;
  jwk: JWK;
  jkt: string;
}

interface ProofParts {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
}

const b64u = (data: string | Uint8Array) => Buffer.from(data).toString('base64url');
/** RFC 9449 §4.2 `ath`, computed here rather than by the SDK under test. */
const ath = (token: string) => createHash('sha256').update(token, 'ascii').digest('base64url');
const dropUndefined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

async function holder(alg: Holder['alg']): Promise<Holder> {
  const { privateKey, publicKey } =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = await exportJWK(publicKey);
  return { alg, privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

/**
 * Adds the DPoP cases (RFC 9449 §4.3): proofs made with jose by Ed25519 and P-256 client
 * keys for tokens bound to them (`cnf.jkt`), each invalid one wrong in exactly one way, so
 * the order in which a verifier checks cannot change the outcome.
 *
 * @example
 * ```ts
 * await addDpopCases({ now: NOW, token, add: (expect, name, t, dpop) => ... });
 * ```
 */
export async function addDpopCases({ now, token, add }: DpopCaseContext): Promise<void> {
  const ed = await holder('EdDSA');
  const es = await holder('ES256');
  const thief = await holder('EdDSA');
  let serial = 0;
  const proof = (h: Holder, forToken: string, { header = {}, claims = {} }: ProofParts = {}) =>
    new SignJWT(
      dropUndefined({
        jti: `conformance-proof-${++serial}`,
        htm: DPOP_HTM,
        htu: DPOP_HTU,
        iat: now,
        ath: ath(forToken),
        ...claims,
      }),
    )
      .setProtectedHeader(
        dropUndefined({ alg: h.alg, typ: 'dpop+jwt', jwk: h.jwk, ...header }) as { alg: string },
      )
      .sign(h.privateKey);
  const request = (p: string, htu = DPOP_HTU, htm = DPOP_HTM): DpopCaseInput => ({
    proof: p,
    htm,
    htu,
  });

  const bound = token({ cnf: { jkt: ed.jkt } });
  const boundEs = token({ cnf: { jkt: es.jkt } });
  const good = await proof(ed, bound);
  const [goodHeader, goodPayload, goodSignature] = good.split('.') as [string, string, string];

  // valid: a bound token with a proof by its key, for this request
  add('valid', 'valid/dpop-eddsa', bound, request(good));
  add('valid', 'valid/dpop-es256', boundEs, request(await proof(es, boundEs)));
  const htu = async (proofHtu: string, requestHtu: string, name: string) =>
    add(
      'valid',
      `valid/dpop-htu-${name}`,
      bound,
      request(await proof(ed, bound, { claims: { htu: proofHtu } }), requestHtu),
    );
  await htu('https://API.Conformance.TEST/deploy', DPOP_HTU, 'host-case');
  await htu('https://api.conformance.test:443/deploy', DPOP_HTU, 'default-port');
  await htu(`${DPOP_HTU}?env=canary#top`, `${DPOP_HTU}?env=prod`, 'query-and-fragment-ignored');
  await htu('https://api.conformance.test', 'https://api.conformance.test/', 'empty-path');
  await htu('https://api.conformance.test/v1/../deploy/.', `${DPOP_HTU}/`, 'dot-segments');
  add(
    'valid',
    'valid/dpop-jti-128-characters',
    bound,
    request(await proof(ed, bound, { claims: { jti: 'j'.repeat(128) } })),
  );
  // the iat window is ±(60 s + clockTolerance 30 s), inclusive
  add(
    'valid',
    'valid/dpop-iat-at-window-past',
    bound,
    request(await proof(ed, bound, { claims: { iat: now - 90 } })),
  );
  add(
    'valid',
    'valid/dpop-iat-at-window-future',
    bound,
    request(await proof(ed, bound, { claims: { iat: now + 90 } })),
  );

  // dpop_missing: a stolen bound token used as a bearer token
  add('dpop_missing', 'dpop_missing/bound-token-without-proof', bound);
  add('dpop_missing', 'dpop_missing/bound-es256-token-without-proof', boundEs);

  // dpop_binding: a proof for another key or token, or for a token bound to nothing
  const unbound = token();
  add(
    'dpop_binding',
    'dpop_binding/unbound-token-with-proof',
    unbound,
    request(await proof(ed, unbound)),
  );
  add(
    'dpop_binding',
    'dpop_binding/thief-key-thumbprint-mismatch',
    bound,
    request(await proof(thief, bound)),
  );
  add(
    'dpop_binding',
    'dpop_binding/ath-of-another-token',
    bound,
    request(await proof(ed, token({ cnf: { jkt: ed.jkt }, jti: 'another-token' }))),
  );

  // dpop_proof: each check of RFC 9449 §4.3 broken once
  const bad = async (name: string, parts: ProofParts) =>
    add('dpop_proof', `dpop_proof/${name}`, bound, request(await proof(ed, bound, parts)));
  add('dpop_proof', 'dpop_proof/htu-other-path', bound, request(good, `${DPOP_HTU}/all`));
  add(
    'dpop_proof',
    'dpop_proof/htu-other-host',
    bound,
    request(good, 'https://evil.conformance.test/deploy'),
  );
  add('dpop_proof', 'dpop_proof/htm-other', bound, request(good, DPOP_HTU, 'GET'));
  add('dpop_proof', 'dpop_proof/htm-other-case', bound, request(good, DPOP_HTU, 'post'));
  await bad('htu-with-userinfo', { claims: { htu: 'https://user@api.conformance.test/deploy' } });
  await bad('typ-jwt', { header: { typ: 'JWT' } });
  await bad('typ-application-dpop+jwt', { header: { typ: 'application/dpop+jwt' } });
  await bad('jwk-missing', { header: { jwk: undefined } });
  // An Ed25519 signature under a header claiming ES256 (jose would not sign it).
  const mismatchInput = `${b64u(JSON.stringify({ alg: 'ES256', typ: 'dpop+jwt', jwk: ed.jwk }))}.${goodPayload}`;
  add(
    'dpop_proof',
    'dpop_proof/alg-es256-with-ed25519-jwk',
    bound,
    request(`${mismatchInput}.${b64u(sign(null, Buffer.from(mismatchInput), ed.privateKey))}`),
  );
  add(
    'dpop_proof',
    'dpop_proof/thief-signs-naming-victim-jwk',
    bound,
    request(await proof(thief, bound, { header: { jwk: ed.jwk } })),
  );
  add(
    'dpop_proof',
    'dpop_proof/alg-none',
    bound,
    request(
      `${b64u(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: ed.jwk }))}.${goodPayload}.${goodSignature}`,
    ),
  );
  const hsInput = `${b64u(JSON.stringify({ alg: 'HS256', typ: 'dpop+jwt', jwk: ed.jwk }))}.${goodPayload}`;
  const hsMac = createHmac('sha256', Buffer.from(ed.jwk.x!, 'base64url')).update(hsInput);
  add(
    'dpop_proof',
    'dpop_proof/alg-hs256-public-key-as-secret',
    bound,
    request(`${hsInput}.${hsMac.digest('base64url')}`),
  );
  const privateJwk = ed.privateKey.export({ format: 'jwk' });
  await bad('jwk-with-private-key', { header: { jwk: privateJwk } });
  const flipped = Buffer.from(goodSignature, 'base64url');
  flipped[10]! ^= 1;
  add(
    'dpop_proof',
    'dpop_proof/bad-signature',
    bound,
    request(`${goodHeader}.${goodPayload}.${b64u(flipped)}`),
  );
  await bad('iat-one-past-window', { claims: { iat: now - 91 } });
  await bad('iat-too-old', { claims: { iat: now - 600 } });
  await bad('iat-too-new', { claims: { iat: now + 600 } });
  await bad('iat-not-integer', { claims: { iat: now + 0.5 } });
  await bad('own-exp-passed', { claims: { exp: now - 30 } });
  await bad('jti-missing', { claims: { jti: undefined } });
  await bad('jti-129-characters', { claims: { jti: 'j'.repeat(129) } });
  await bad('ath-missing', { claims: { ath: undefined } });

  // claims: a cnf other than exactly {jkt: <thumbprint>} cannot be checked, so it is refused
  add('claims', 'claims/cnf-jkt-with-another-member', token({ cnf: { jkt: ed.jkt, kid: 'k' } }));
  add('claims', 'claims/cnf-jkt-not-a-thumbprint', token({ cnf: { jkt: 'abc' } }));

  // dpop_replay: the very same proof presented twice
  add('dpop_replay', 'dpop_replay/same-proof-twice', bound, {
    ...request(good),
    presentTwice: true,
  });
}
