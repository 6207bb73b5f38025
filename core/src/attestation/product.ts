/**
 * AMD EPYC product lines that run SEV-SNP, as named by AMD's KDS (`/vcek/v1/{product}/…`)
 * and by the VCEK `productName` extension (`Milan-B0`, `Genoa-B1`, `Turin-B0`, …).
 */
export const PRODUCTS = ['Milan', 'Genoa', 'Turin'] as const;
export type Product = (typeof PRODUCTS)[number];

/**
 * The product line of a CPUID family/model pair, as carried by version 3 reports
 * (CPUID_FAM_ID and CPUID_MOD_ID, SEV-SNP ABI spec 56860, ATTESTATION_REPORT offsets
 * 0x188–0x189). Family 19h models 00h–0Fh are Milan (Zen 3), 10h–1Fh and A0h–AFh Genoa,
 * Bergamo and Siena (Zen 4, one KDS product line); family 1Ah models 00h–11h Turin (Zen 5).
 *
 * @example
 * ```ts
 * productFromCpuid(0x19, 0x11); // 'Genoa'
 * productFromCpuid(0x17, 0x31); // undefined (Rome has no SEV-SNP)
 * ```
 */
export function productFromCpuid(family: number, model: number): Product | undefined {
  if (family === 0x19) {
    if (model <= 0x0f) return 'Milan';
    if ((model >= 0x10 && model <= 0x1f) || (model >= 0xa0 && model <= 0xaf)) return 'Genoa';
  }
  if (family === 0x1a && model <= 0x11) return 'Turin';
  return undefined;
}

/**
 * The product line named by a VCEK `productName` extension value (`<line>-<stepping>`).
 *
 * @example
 * ```ts
 * productFromName('Milan-B0'); // 'Milan'
 * productFromName('Rome-B0');  // undefined
 * ```
 */
export function productFromName(name: string): Product | undefined {
  const line = name.split('-', 1)[0];
  return PRODUCTS.find((p) => p === line);
}
