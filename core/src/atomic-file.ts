import { open, rename, unlink } from 'node:fs/promises';

/**
 * Writes `data` to `path` so that readers see either the old or the new file, never a
 * torn one: write a temp file beside it, fsync, rename over.
 *
 * @example
 * ```ts
 * await writeFileAtomic('state/group.json', JSON.stringify(config), 0o644);
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = 0o600,
): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(tmp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}
