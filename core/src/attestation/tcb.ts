import type { Product } from './product.ts';

/**
 * A TCB_VERSION decoded into its security patch levels (SPLs). `fmc` exists on Turin only.
 */
export interface TcbParts {
  readonly bootloader: number;
  readonly tee: number;
  readonly snp: number;
  readonly microcode: number;
  readonly fmc: number | null;
}

/** Minimum SPLs, per component; `fmc` is compared on Turin only. */
export type TcbMinimum = Omit<TcbParts, 'fmc'> & { readonly fmc?: number };

/**
 * Byte position inside the little-endian u64 TCB_VERSION of each SPL, keyed by the last arc
 * of its VCEK extension OID 1.3.6.1.4.1.3704.1.3.<arc> (KDS spec 57230, VCEK extensions):
 * 1 blSPL, 2 teeSPL, 3 snpSPL, 4–7 reserved spl_4..spl_7, 8 ucodeSPL, 9 fmcSPL.
 * Milan and Genoa, per the TCB_VERSION structure of SEV-SNP ABI spec 56860: BOOT_LOADER byte 0,
 * TEE byte 1, reserved bytes 2–5, SNP byte 6, MICROCODE byte 7. Turin (later revisions): FMC byte 0,
 * BOOT_LOADER 1, TEE 2, SNP 3, reserved 4–6, MICROCODE 7.
 */
const LAYOUT: Record<'pre_turin' | 'turin', Readonly<Record<number, number>>> = {
  pre_turin: { 1: 0, 2: 1, 4: 2, 5: 3, 6: 4, 7: 5, 3: 6, 8: 7 },
  turin: { 9: 0, 1: 1, 2: 2, 3: 3, 5: 4, 6: 5, 7: 6, 8: 7 },
};

/** The SPL arcs each product's VCEK must carry (the others default to 0). */
export const REQUIRED_SPL_ARCS: Record<Product, readonly number[]> = {
  Milan: [1, 2, 3, 8],
  Genoa: [1, 2, 3, 8],
  Turin: [1, 2, 3, 8, 9],
};

const layoutOf = (product: Product) => LAYOUT[product === 'Turin' ? 'turin' : 'pre_turin'];
const byteAt = (raw: bigint, pos: number) => Number((raw >> BigInt(8 * pos)) & 0xffn);

/**
 * Decodes a TCB_VERSION for `product` (Turin moved the fields).
 *
 * @example
 * ```ts
 * decodeTcb(0xdb18000000000004n, 'Milan'); // {bootloader: 4, tee: 0, snp: 24, microcode: 219, fmc: null}
 * ```
 */
export function decodeTcb(raw: bigint, product: Product): TcbParts {
  const layout = layoutOf(product);
  const spl = (arc: number) => byteAt(raw, layout[arc] as number);
  return {
    bootloader: spl(1),
    tee: spl(2),
    snp: spl(3),
    microcode: spl(8),
    fmc: product === 'Turin' ? spl(9) : null,
  };
}

/**
 * Composes the TCB_VERSION a VCEK certifies from its SPL extensions (arc → value); arcs the
 * product's layout has no byte for are ignored.
 *
 * @example
 * ```ts
 * composeTcb(new Map([[1, 4], [2, 0], [3, 24], [8, 219]]), 'Milan'); // 0xdb18000000000004n
 * ```
 */
export function composeTcb(spls: ReadonlyMap<number, number>, product: Product): bigint {
  let raw = 0n;
  for (const [arc, pos] of Object.entries(layoutOf(product))) {
    raw |= BigInt(spls.get(Number(arc)) ?? 0) << BigInt(8 * pos);
  }
  return raw;
}

/**
 * The components of `tcb` below `minimum`, as `name actual < minimum` strings (empty: meets it).
 *
 * @example
 * ```ts
 * tcbShortfalls(decodeTcb(raw, 'Genoa'), { bootloader: 7, tee: 0, snp: 14, microcode: 72 });
 * // ['snp 10 < 14']
 * ```
 */
export function tcbShortfalls(tcb: TcbParts, minimum: TcbMinimum): string[] {
  const out: string[] = [];
  for (const name of ['bootloader', 'tee', 'snp', 'microcode', 'fmc'] as const) {
    const want = minimum[name];
    const have = tcb[name];
    if (want !== undefined && have !== null && have < want) out.push(`${name} ${have} < ${want}`);
  }
  return out;
}
