import type { AmdCertificate } from './certificate.ts';
import { derUint, readOnly, TAG } from './der.ts';
import { AttestationFormatError } from './errors.ts';
import { type Product, productFromName } from './product.ts';
import { composeTcb, REQUIRED_SPL_ARCS } from './tcb.ts';

/** AMD's VCEK extension OIDs (KDS spec 57230, "VCEK Certificate Extensions"). */
export const VCEK_OID = {
  productName: '1.3.6.1.4.1.3704.1.2',
  /** Followed by `.1`–`.9`: blSPL, teeSPL, snpSPL, spl_4–spl_7, ucodeSPL, fmcSPL. */
  splPrefix: '1.3.6.1.4.1.3704.1.3.',
  hwid: '1.3.6.1.4.1.3704.1.4',
} as const;

/** hwID length: the 64-byte CHIP_ID, except Turin, whose KDS identifies a chip by 8 bytes. */
export const HWID_LENGTH: Record<Product, number> = { Milan: 64, Genoa: 64, Turin: 8 };

/** What a VCEK certifies about the chip and firmware its key belongs to. */
export interface VcekExtensions {
  /** The `productName` value, e.g. `Milan-B0`. */
  readonly productName: string;
  readonly product: Product;
  /** SPL values by OID arc (1 blSPL … 9 fmcSPL). */
  readonly spls: ReadonlyMap<number, number>;
  /** The TCB_VERSION the SPLs compose to, in `product`'s layout. */
  readonly tcb: bigint;
  readonly hwid: Uint8Array;
}

const invalid = (message: string) =>
  new AttestationFormatError('attestation_certificate_invalid', `VCEK: ${message}`);

/**
 * Reads the product name, TCB SPLs (1.3.6.1.4.1.3704.1.3.1–.9) and hwID (1.3.6.1.4.1.3704.1.4)
 * of a VCEK. SPLs are DER INTEGERs 0–255; the hwID is the raw chip id (AMD writes it without
 * an OCTET STRING wrapper; a wrapped value is accepted too). Duplicate extensions are refused.
 *
 * @throws AttestationFormatError `attestation_certificate_invalid`.
 * @example
 * ```ts
 * const ext = readVcekExtensions(parseCertificate(vcekDer));
 * ext.product; // 'Milan'
 * ```
 */
export function readVcekExtensions(cert: AmdCertificate): VcekExtensions {
  const values = new Map<string, Uint8Array>();
  for (const ext of cert.parsed.extensions) {
    if (values.has(ext.type)) throw invalid(`duplicate extension ${ext.type}`);
    values.set(ext.type, new Uint8Array(ext.value));
  }
  const nameValue = values.get(VCEK_OID.productName);
  if (!nameValue) throw invalid('no productName extension');
  const productName = Buffer.from(readOnly(nameValue, TAG.ia5String).content).toString('latin1');
  const product = productFromName(productName);
  if (!product) throw invalid(`unknown product name ${JSON.stringify(productName)}`);

  const spls = new Map<number, number>();
  for (let arc = 1; arc <= 9; arc++) {
    const value = values.get(`${VCEK_OID.splPrefix}${arc}`);
    if (!value) continue;
    const spl = derUint(value);
    if (spl > 255) throw invalid(`SPL ${arc} is ${spl}, above 255`);
    spls.set(arc, spl);
  }
  const missing = REQUIRED_SPL_ARCS[product].filter((arc) => !spls.has(arc));
  if (missing.length > 0) throw invalid(`missing SPL extension(s) .3.${missing.join(', .3.')}`);

  const hwidValue = values.get(VCEK_OID.hwid);
  if (!hwidValue) throw invalid('no hwID extension (a VLEK is not supported)');
  const hwid =
    hwidValue.length === HWID_LENGTH[product]
      ? hwidValue
      : readOnly(hwidValue, TAG.octetString).content;
  if (hwid.length !== HWID_LENGTH[product]) {
    throw invalid(`hwID is ${hwid.length} bytes, want ${HWID_LENGTH[product]} for ${product}`);
  }
  return { productName, product, spls, tcb: composeTcb(spls, product), hwid };
}
