import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { type AmdCertificate, parseCertificate } from './certificate.ts';
import type { KdsClient } from './kds.ts';
import type { Product } from './product.ts';
import type { SnpReport } from './report.ts';
import { readVcekExtensions, type VcekExtensions } from './vcek-extensions.ts';
import { vcekHwidProblem, vcekTcbProblem } from './vcek-match.ts';

/** Where verification may look for the VCEK, in this order. */
export interface VcekSources {
  /** From the extended report's certificate table, or handed over out of band. */
  readonly provided?: Uint8Array;
  /** A directory of VCEK certificates (`.der`, `.pem`, `.crt`, `.cer`; any file names). */
  readonly directory?: string;
  /** AMD KDS; never contacted when absent. */
  readonly kds?: KdsClient;
}

/** A VCEK found for a report, with what it certifies and where it came from. */
export interface ResolvedVcek {
  readonly cert: AmdCertificate;
  readonly ext: VcekExtensions;
  readonly source: 'evidence' | 'directory' | 'kds';
}

const CERT_EXTENSIONS = new Set(['.der', '.pem', '.crt', '.cer']);
const MAX_FILE_BYTES = 64 * 1024;

function load(bytes: Uint8Array, source: ResolvedVcek['source']): ResolvedVcek {
  const cert = parseCertificate(bytes);
  return { cert, ext: readVcekExtensions(cert), source };
}

/** The VCEK certifies this report's chip and TCB for an acceptable product. */
function fits(vcek: ResolvedVcek, report: SnpReport, products: readonly Product[]): boolean {
  return (
    products.includes(vcek.ext.product) &&
    !vcekTcbProblem(vcek.ext, report) &&
    !vcekHwidProblem(vcek.ext, report)
  );
}

async function fromDirectory(
  dir: string,
  report: SnpReport,
  products: readonly Product[],
): Promise<ResolvedVcek | undefined> {
  const names = (await readdir(dir)).filter((n) => CERT_EXTENSIONS.has(extname(n))).sort();
  for (const name of names) {
    const path = join(dir, name);
    try {
      if ((await stat(path)).size > MAX_FILE_BYTES) continue;
      const vcek = load(await readFile(path), 'directory');
      if (fits(vcek, report, products)) return vcek;
    } catch {
      // Not a readable VCEK: other files may be.
    }
  }
  return undefined;
}

/**
 * Finds the VCEK for `report`: the provided one if it certifies this chip and TCB, else a
 * matching one from the directory, else one fetched from the KDS for each candidate product
 * in turn. When nothing matches, a provided VCEK is still returned so the mismatch shows in
 * the checks. `notes` says why sources failed.
 *
 * @example
 * ```ts
 * const { vcek, notes } = await resolveVcek(report, ['Milan'], { provided, directory, kds });
 * ```
 */
export async function resolveVcek(
  report: SnpReport,
  products: readonly Product[],
  sources: VcekSources,
): Promise<{ vcek: ResolvedVcek | undefined; notes: string[] }> {
  const notes: string[] = [];
  let provided: ResolvedVcek | undefined;
  if (sources.provided) {
    try {
      provided = load(sources.provided, 'evidence');
      if (fits(provided, report, products)) return { vcek: provided, notes };
    } catch (err) {
      notes.push(`the evidence's VCEK: ${(err as Error).message}`);
    }
  }
  if (sources.directory) {
    try {
      const found = await fromDirectory(sources.directory, report, products);
      if (found) return { vcek: found, notes };
      notes.push(`no matching VCEK in ${sources.directory}`);
    } catch (err) {
      notes.push(`VCEK directory ${sources.directory}: ${(err as Error).message}`);
    }
  }
  for (const product of sources.kds ? products : []) {
    try {
      const der = await (sources.kds as KdsClient).fetchVcek({
        product,
        chipId: report.chipId,
        reportedTcb: report.reportedTcb,
      });
      return { vcek: load(der, 'kds'), notes };
    } catch (err) {
      notes.push((err as Error).message);
    }
  }
  if (!sources.kds) notes.push('AMD KDS not configured');
  return { vcek: provided, notes };
}
