/**
 * An emulation of the kernel's configfs-tsm report interface with the sev_guest provider, for
 * running the production `SnpAttester` without SEV hardware: the "firmware" is a function.
 */
import type { TsmFs } from '../attestation/index.ts';

/** The default configfs-tsm report directory. */
export const TSM_ROOT = '/sys/kernel/config/tsm/report';

/** Produces the signed report for 64 bytes of REPORT_DATA at a VMPL. */
export type Firmware = (reportData: Uint8Array, vmpl: number) => Promise<Uint8Array>;

/**
 * An emulation of configfs-tsm with the sev_guest provider: creating an entry makes its
 * attribute files appear; writing `inblob` bumps `generation` and produces `outblob`/`auxblob`.
 */
export class FakeConfigfs implements TsmFs {
  readonly entries = new Map<string, Map<string, Uint8Array>>();
  readonly paths = new Set<string>([TSM_ROOT]);

  /** `firmware` answers REPORT_DATA with a report; `auxblob` is the certificate table. */
  constructor(
    readonly firmware: Firmware,
    readonly auxblob: () => Uint8Array,
  ) {}

  provider = 'sev_guest';
  /** Extra generation bumps after inblob, to emulate a concurrent writer. */
  interference = 0;

  async exists(path: string) {
    return this.paths.has(path);
  }
  async mkdir(path: string) {
    const text = (s: string) => new TextEncoder().encode(s);
    this.entries.set(
      path,
      new Map([
        ['provider', text(`${this.provider}\n`)],
        ['generation', text('0\n')],
      ]),
    );
  }
  async rmdir(path: string) {
    this.entries.delete(path);
  }
  #entry(path: string) {
    const entry = this.entries.get(path.slice(0, path.lastIndexOf('/')));
    if (!entry) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
    return { entry, name: path.slice(path.lastIndexOf('/') + 1) };
  }
  async read(path: string) {
    const { entry, name } = this.#entry(path);
    const value = entry.get(name);
    if (!value) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
    return value;
  }
  async write(path: string, data: Uint8Array | string) {
    const { entry, name } = this.#entry(path);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    entry.set(name, bytes);
    const generation = Number(new TextDecoder().decode(entry.get('generation'))) + 1;
    entry.set('generation', new TextEncoder().encode(`${generation + this.interference}\n`));
    if (name === 'inblob') {
      const vmpl = entry.has('privlevel')
        ? Number(new TextDecoder().decode(entry.get('privlevel')))
        : 0;
      entry.set('outblob', await this.firmware(bytes, vmpl));
      entry.set('auxblob', this.auxblob());
    }
  }
}
