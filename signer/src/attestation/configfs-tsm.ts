import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AttestationUnavailableError } from '@frostmint/core';
import { type CollectedReport, collectFailed, type ReportSource } from './report-source.ts';

/** The file operations configfs-tsm needs; tests substitute an emulation of the kernel. */
export interface TsmFs {
  exists(path: string): Promise<boolean>;
  mkdir(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  read(path: string): Promise<Uint8Array>;
  write(path: string, data: Uint8Array | string): Promise<void>;
}

/** The real filesystem. */
export const nodeTsmFs: TsmFs = {
  exists: (path) =>
    access(path).then(
      () => true,
      () => false,
    ),
  mkdir: (path) => mkdir(path).then(() => undefined),
  rmdir: (path) => rmdir(path),
  read: async (path) => new Uint8Array(await readFile(path)),
  write: (path, data) => writeFile(path, data),
};

const unavailable = (message: string, cause?: unknown) =>
  new AttestationUnavailableError('attestation_unavailable', message, { cause });

/**
 * SEV-SNP reports through configfs-tsm (Documentation/ABI/testing/configfs-tsm, Linux ≥ 6.7):
 * create an entry under the report directory, check `provider` is `sev_guest`, optionally
 * write `privlevel` (VMPL), read `generation`, write 64 bytes to `inblob`, read `outblob`
 * (the report) and `auxblob` (the certificate table), and check `generation` advanced by
 * exactly one — otherwise another writer raced this entry. The entry is always removed.
 *
 * @example
 * ```ts
 * const tsm = new ConfigfsTsmSource('/sys/kernel/config/tsm/report');
 * const { report, certTable } = await tsm.collect(reportData);
 * ```
 */
export class ConfigfsTsmSource implements ReportSource {
  readonly description: string;

  constructor(
    readonly root: string,
    readonly vmpl?: number,
    readonly fs: TsmFs = nodeTsmFs,
  ) {
    this.description = `configfs-tsm (${root})`;
  }

  /** True when the configfs-tsm report directory exists (the kernel supports it). */
  present(): Promise<boolean> {
    return this.fs.exists(this.root);
  }

  async probe(): Promise<void> {
    await this.#withEntry(async () => undefined);
  }

  collect(reportData: Uint8Array): Promise<CollectedReport> {
    return this.#withEntry(async (entry) => {
      const file = (name: string) => join(entry, name);
      if (this.vmpl !== undefined) await this.fs.write(file('privlevel'), String(this.vmpl));
      try {
        const before = await this.#generation(file('generation'));
        await this.fs.write(file('inblob'), reportData);
        const report = await this.fs.read(file('outblob'));
        const certTable = await this.fs.read(file('auxblob')).catch(() => new Uint8Array(0));
        if ((await this.#generation(file('generation'))) !== before + 1) {
          throw collectFailed(`${entry} was written concurrently; retry`);
        }
        return certTable.length > 0 ? { report, certTable } : { report };
      } catch (err) {
        if (err instanceof AttestationUnavailableError) throw err;
        throw collectFailed(
          `configfs-tsm did not produce a report: ${(err as Error).message}`,
          err,
        );
      }
    });
  }

  async #generation(path: string): Promise<number> {
    return Number.parseInt(
      Buffer.from(await this.fs.read(path))
        .toString('utf8')
        .trim(),
      10,
    );
  }

  /** Runs `use` on a fresh entry whose provider is `sev_guest`, then removes the entry. */
  async #withEntry<T>(use: (entry: string) => Promise<T>): Promise<T> {
    const entry = join(this.root, `frostmint-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await this.fs.mkdir(entry);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw unavailable(
        code === 'EACCES' || code === 'EPERM'
          ? `permission denied creating ${entry}: the signer needs write access to configfs-tsm`
          : `cannot create a configfs-tsm report entry in ${this.root}: ${(err as Error).message}`,
        err,
      );
    }
    try {
      const provider = await this.fs.read(join(entry, 'provider')).then(
        (b) => Buffer.from(b).toString('utf8').trim(),
        (err) => {
          throw unavailable(`cannot read ${entry}/provider: ${(err as Error).message}`, err);
        },
      );
      if (provider !== 'sev_guest') {
        throw unavailable(
          `configfs-tsm provider is "${provider}", not "sev_guest": this is not an SEV-SNP guest`,
        );
      }
      return await use(entry);
    } finally {
      await this.fs.rmdir(entry).catch(() => undefined);
    }
  }
}
