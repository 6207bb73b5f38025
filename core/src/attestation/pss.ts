import { children, derUint, readOnly, TAG, type Tlv } from './der.ts';
import { toHex as hex } from './encoding.ts';

/** DER contents of the object identifiers involved (RFC 4055 §2.1, §3.1; RFC 5758 §2). */
const OID = {
  rsassaPss: '2a864886f70d01010a', // 1.2.840.113549.1.1.10
  mgf1: '2a864886f70d010108', // 1.2.840.113549.1.1.8
  sha384: '608648016503040202', // 2.16.840.1.101.3.4.2.2
} as const;

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } (RFC 5280 §4.1.1.2). */
function algorithm(tlv: Tlv | undefined): { oid: string; params: Tlv | undefined } {
  if (tlv?.tag !== TAG.sequence) throw new Error('AlgorithmIdentifier is not a SEQUENCE');
  const [oid, params, extra] = children(tlv.content);
  if (oid?.tag !== TAG.oid || extra) throw new Error('malformed AlgorithmIdentifier');
  return { oid: hex(oid.content), params };
}

/** SHA-384 AlgorithmIdentifier with absent or NULL parameters (RFC 4055 §2.1 allows both). */
function isSha384(tlv: Tlv | undefined): boolean {
  const { oid, params } = algorithm(tlv);
  return oid === OID.sha384 && (params === undefined || hex(params.element) === '0500');
}

/** The single element inside an explicit context tag [n]. */
function explicit(tlv: Tlv): Tlv | undefined {
  const [inner, extra] = children(tlv.content);
  if (extra) throw new Error('explicit tag holds more than one element');
  return inner;
}

/**
 * Why a certificate's signature algorithm is not exactly RSASSA-PSS with SHA-384, MGF1 with
 * SHA-384, a 48-byte salt and trailer field 1 — the algorithm of every AMD ARK, ASK and VCEK
 * signature (KDS spec 57230) — or `undefined` when it is. RSASSA-PSS-params (RFC 4055 §3.1)
 * is decoded field by field; the explicit trailerField AMD writes is accepted.
 *
 * @example
 * ```ts
 * pssSha384Problem(ask.der); // undefined
 * pssSha384Problem(rsaPkcs1Cert.der); // 'signature algorithm is not RSASSA-PSS'
 * ```
 */
export function pssSha384Problem(certificateDer: Uint8Array): string | undefined {
  try {
    const [, signatureAlgorithm] = children(readOnly(certificateDer, TAG.sequence).content);
    const { oid, params } = algorithm(signatureAlgorithm);
    if (oid !== OID.rsassaPss) return 'signature algorithm is not RSASSA-PSS';
    if (params?.tag !== TAG.sequence) return 'RSASSA-PSS parameters are missing';
    const fields = children(params.content);
    const byTag = new Map(fields.map((f) => [f.tag, f]));
    if (byTag.size !== fields.length || fields.some((f) => f.tag < 0xa0 || f.tag > 0xa3)) {
      return 'RSASSA-PSS parameters hold unexpected fields';
    }
    const [hash, mgf, salt, trailer] = [0xa0, 0xa1, 0xa2, 0xa3].map((t) => byTag.get(t));
    if (!hash || !isSha384(explicit(hash))) return 'RSASSA-PSS hash is not SHA-384';
    const mask = mgf ? algorithm(explicit(mgf)) : undefined;
    if (mask?.oid !== OID.mgf1 || !isSha384(mask.params))
      return 'RSASSA-PSS mask is not MGF1 with SHA-384';
    const saltInner = salt && explicit(salt);
    if (!saltInner || derUint(saltInner.element) !== 48) return 'RSASSA-PSS salt length is not 48';
    const trailerInner = trailer && explicit(trailer);
    if (trailerInner && derUint(trailerInner.element) !== 1)
      return 'RSASSA-PSS trailer field is not 1';
    return undefined;
  } catch (err) {
    return `signature algorithm does not decode: ${(err as Error).message}`;
  }
}
