import { readFileSync } from 'node:fs';
import { type AmdCertificate, parseCertificate } from './certificate.ts';
import { PRODUCTS, type Product } from './product.ts';

/**
 * The pinned roots of one product line: its AMD Root Key (self-signed) and the AMD SEV Key
 * that certifies its VCEKs. Verification re-checks ARK → ASK on every report.
 */
export interface TrustAnchor {
  readonly product: Product;
  readonly ark: AmdCertificate;
  readonly ask: AmdCertificate;
}

/**
 * Builds a trust anchor from PEM (or DER) certificates.
 *
 * @example
 * ```ts
 * const anchor = trustAnchor('Genoa', arkPem, askPem);
 * ```
 */
export function trustAnchor(
  product: Product,
  ark: Uint8Array | string,
  ask: Uint8Array | string,
): TrustAnchor {
  const bytes = (c: Uint8Array | string) => (typeof c === 'string' ? Buffer.from(c) : c);
  return { product, ark: parseCertificate(bytes(ark)), ask: parseCertificate(bytes(ask)) };
}

let bundled: readonly TrustAnchor[] | undefined;

/**
 * AMD's ARK and ASK for Milan, Genoa and Turin, bundled in `roots/` (the certificates AMD's
 * KDS serves at `/vcek/v1/{product}/cert_chain`). The default trust anchors of every
 * verification; loaded once.
 *
 * @example
 * ```ts
 * bundledTrustAnchors().map((a) => a.product); // ['Milan', 'Genoa', 'Turin']
 * ```
 */
export function bundledTrustAnchors(): readonly TrustAnchor[] {
  bundled ??= PRODUCTS.map((product) => {
    const file = (role: 'ark' | 'ask') =>
      readFileSync(new URL(`./roots/${role}-${product.toLowerCase()}.pem`, import.meta.url));
    return trustAnchor(product, file('ark'), file('ask'));
  });
  return bundled;
}
