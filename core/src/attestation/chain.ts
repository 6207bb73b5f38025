import type { AmdCertificate } from './certificate.ts';
import { pssSha384Problem } from './pss.ts';
import type { TrustAnchor } from './trust-anchors.ts';

/** Why `cert` is not signed by `issuer` with RSASSA-PSS/SHA-384, or `undefined`. */
function signedByProblem(cert: AmdCertificate, issuer: AmdCertificate): string | undefined {
  if (!cert.node.checkIssued(issuer.node)) return 'issuer name does not match';
  const algorithm = pssSha384Problem(cert.der);
  if (algorithm) return algorithm;
  try {
    return cert.node.verify(issuer.node.publicKey) ? undefined : 'signature does not verify';
  } catch {
    return 'signature does not verify';
  }
}

/**
 * Why ARK → ASK → VCEK is not a valid chain, or `undefined` when it is: the ARK is
 * self-signed and a CA, the ASK is a CA signed by the ARK, the VCEK is signed by the ASK
 * and holds an ECDSA P-384 key; every signature is RSASSA-PSS with SHA-384 (KDS spec 57230).
 * Validity periods are checked separately (`validityProblem`).
 *
 * @example
 * ```ts
 * chainProblem(anchor, vcek); // undefined, or e.g. 'VCEK: signature does not verify'
 * ```
 */
export function chainProblem(anchor: TrustAnchor, vcek: AmdCertificate): string | undefined {
  const { ark, ask } = anchor;
  const steps: [string, string | undefined][] = [
    ['ARK', ark.node.ca ? signedByProblem(ark, ark) : 'not a CA certificate'],
    ['ASK', ask.node.ca ? signedByProblem(ask, ark) : 'not a CA certificate'],
    ['VCEK', signedByProblem(vcek, ask)],
  ];
  const failed = steps.find(([, problem]) => problem !== undefined);
  if (failed) return `${failed[0]}: ${failed[1]}`;
  const key = vcek.node.publicKey;
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'secp384r1') {
    return 'VCEK: key is not ECDSA P-384';
  }
  return undefined;
}

/**
 * Why one of the certificates is outside its validity period at `now` (RFC 5280 §4.1.2.5),
 * or `undefined`.
 *
 * @example
 * ```ts
 * validityProblem({ ARK: anchor.ark, ASK: anchor.ask, VCEK: vcek }, new Date());
 * ```
 */
export function validityProblem(
  certs: Record<string, AmdCertificate>,
  now: Date,
): string | undefined {
  for (const [role, { parsed }] of Object.entries(certs)) {
    if (now < parsed.notBefore)
      return `${role} is not valid before ${parsed.notBefore.toISOString()}`;
    if (now > parsed.notAfter) return `${role} expired ${parsed.notAfter.toISOString()}`;
  }
  return undefined;
}
