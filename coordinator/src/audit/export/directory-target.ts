import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@frostmint/core';
import type { ExportTarget } from './target.ts';

/**
 * An export target in a directory: the files of a static tlog-tiles site, ready to be served
 * as is (or synced to WORM storage). Each file is written atomically (temp file, fsync,
 * rename); full tiles are made read-only (0444).
 *
 * @example
 * ```ts
 * await exportLog({ source, target: directoryTarget('/srv/audit') });
 * ```
 */
export function directoryTarget(dir: string): ExportTarget {
  return {
    description: dir,
    async read(path) {
      try {
        return await readFile(join(dir, path));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async write(path, bytes, { immutable }) {
      const file = join(dir, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, bytes, immutable ? 0o444 : 0o644);
    },
  };
}
