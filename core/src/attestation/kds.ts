import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.ts';
import { parseCertificate } from './certificate.ts';
import { toHex, u64Hex } from './encoding.ts';
import { AttestationUnavailableError } from './errors.ts';
import type { Product } from './product.ts';
import { decodeTcb } from './tcb.ts';
import { HWID_LENGTH } from './vcek-extensions.ts';

/** AMD's Key Distribution Service. */
export const AMD_KDS_URL = 'https://kdsintf.amd.com';

/** Which VCEK to fetch: one per chip and reported TCB. */
export interface VcekQuery {
  readonly product: Product;
  /** CHIP_ID from the report (64 bytes; Turin's KDS uses the first 8). */
  readonly chipId: Uint8Array;
  readonly reportedTcb: bigint;
}

export interface KdsClientOptions {
  /** Default `https://kdsintf.amd.com`; a caching proxy or mirror serves the same paths. */
  readonly baseUrl?: string;
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
  /** Directory where fetched VCEKs are kept across restarts (memory only when absent). */
  readonly cacheDir?: string;
  /** Injected for tests; default the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** A VCEK is a few KiB; anything much larger is not one. */
const MAX_CERT_BYTES = 64 * 1024;

/**
 * The KDS path of a VCEK (KDS spec 57230, "Get VCEK Certificate"):
 * `/vcek/v1/{product}/{hwid}?blSPL=…&teeSPL=…&snpSPL=…&ucodeSPL=…`, with `fmcSPL` first and
 * an 8-byte hwid on Turin.
 *
 * @example
 * ```ts
 * vcekPath({ product: 'Milan', chipId, reportedTcb }); // '/vcek/v1/Milan/9e1…?blSPL=4&teeSPL=0&snpSPL=24&ucodeSPL=219'
 * ```
 */
export function vcekPath(query: VcekQuery): string {
  const { product, reportedTcb } = query;
  const tcb = decodeTcb(reportedTcb, product);
  const params = [
    ...(tcb.fmc === null ? [] : [`fmcSPL=${tcb.fmc}`]),
    `blSPL=${tcb.bootloader}`,
    `teeSPL=${tcb.tee}`,
    `snpSPL=${tcb.snp}`,
    `ucodeSPL=${tcb.microcode}`,
  ];
  return `/vcek/v1/${product}/${hwidHex(query)}?${params.join('&')}`;
}

/**
 * Fetches VCEKs from AMD's KDS, caching each (chip, TCB) in memory and, when configured, on
 * disk; concurrent requests for one VCEK share a fetch. Fetched certificates are only parsed
 * here: the verifier checks their chain and extensions like any other VCEK.
 *
 * @example
 * ```ts
 * const kds = new KdsClient({ cacheDir: '/var/lib/frostmint/vcek' });
 * const der = await kds.fetchVcek({ product: 'Genoa', chipId, reportedTcb });
 * ```
 */
export class KdsClient {
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #cacheDir: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #memory = new Map<string, Promise<Uint8Array>>();

  constructor(options: KdsClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? AMD_KDS_URL).replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#cacheDir = options.cacheDir;
    this.#fetch = options.fetch ?? fetch;
  }

  /**
   * The VCEK for `query` as DER, from cache or from the KDS.
   *
   * @throws AttestationUnavailableError `attestation_kds_unavailable`.
   * @example
   * ```ts
   * const der = await kds.fetchVcek({ product: 'Milan', chipId, reportedTcb });
   * ```
   */
  fetchVcek(query: VcekQuery): Promise<Uint8Array> {
    const path = vcekPath(query);
    let pending = this.#memory.get(path);
    if (!pending) {
      pending = this.#load(query, path);
      this.#memory.set(path, pending);
      pending.catch(() => this.#memory.delete(path));
    }
    return pending;
  }

  async #load(query: VcekQuery, path: string): Promise<Uint8Array> {
    const file = this.#cacheDir && join(this.#cacheDir, cacheFileName(query));
    if (file) {
      const cached = await readFile(file).catch(() => undefined);
      if (cached) return new Uint8Array(cached);
    }
    const der = await this.#download(`${this.baseUrl}${path}`);
    if (file) await writeFileAtomic(file, der, 0o644);
    return der;
  }

  async #download(url: string): Promise<Uint8Array> {
    const unavailable = (why: string, cause?: unknown) =>
      new AttestationUnavailableError('attestation_kds_unavailable', `AMD KDS ${url}: ${why}`, {
        cause,
      });
    let response: Response;
    try {
      response = await this.#fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (cause) {
      throw unavailable('unreachable', cause);
    }
    if (!response.ok) {
      throw unavailable(
        response.status === 429
          ? 'rate limited (HTTP 429); retry later'
          : `HTTP ${response.status}`,
      );
    }
    const body = new Uint8Array(await response.arrayBuffer());
    if (body.length > MAX_CERT_BYTES)
      throw unavailable(`answer of ${body.length} bytes is no VCEK`);
    try {
      parseCertificate(body);
    } catch (cause) {
      throw unavailable('answer is not a certificate', cause);
    }
    return body;
  }
}

/** Cache file of one VCEK: product, hwid and reported TCB make it unique. */
function cacheFileName(query: VcekQuery): string {
  return `vcek-${query.product}-${hwidHex(query)}-${u64Hex(query.reportedTcb)}.der`;
}

/** The chip's KDS hardware id in hex: CHIP_ID, or its first 8 bytes on Turin. */
function hwidHex({ product, chipId }: VcekQuery): string {
  return toHex(chipId.subarray(0, HWID_LENGTH[product]));
}
