import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.ts';
import { InvalidRequestError } from '../errors.ts';
import { type GroupConfig, GroupConfigSchema } from './config.ts';

/**
 * The signer's public group configuration on disk (`group.json` in its state directory).
 *
 * @example
 * ```ts
 * const group = await readGroupConfig(stateDir); // undefined before DKG
 * ```
 */
export async function readGroupConfig(stateDir: string): Promise<GroupConfig | undefined> {
  let raw: string;
  try {
    raw = await readFile(join(stateDir, 'group.json'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = GroupConfigSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) {
    throw new InvalidRequestError('group_config_invalid', `group.json in ${stateDir} is malformed`);
  }
  return parsed.data;
}

/** Writes the group configuration atomically. */
export async function writeGroupConfig(stateDir: string, config: GroupConfig): Promise<void> {
  await writeFileAtomic(join(stateDir, 'group.json'), JSON.stringify(config, null, 2), 0o644);
}
