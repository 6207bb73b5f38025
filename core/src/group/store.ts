import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.ts';
import { InvalidRequestError } from '../errors.ts';
import { type GroupConfig, GroupConfigSchema } from './config.ts';
import { verifyGroupConfig } from './signature.ts';

/**
 * Parses a group configuration document and, for version 2, checks its signature by the
 * group key. Throws `group_config_invalid` or `group_config_unsigned`.
 *
 * @example
 * ```ts
 * const config = await parseGroupConfig(JSON.parse(text), 'group.json');
 * ```
 */
export async function parseGroupConfig(json: unknown, source: string): Promise<GroupConfig> {
  const parsed = GroupConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidRequestError('group_config_invalid', `${source} is malformed`);
  }
  if (parsed.data.version === 2) await verifyGroupConfig(parsed.data);
  return parsed.data;
}

/**
 * The public group configuration on disk (`group.json` in a signer's or coordinator's state
 * directory), checked with `parseGroupConfig`.
 *
 * @example
 * ```ts
 * const group = await readGroupConfig(stateDir); // undefined before DKG
 * ```
 */
export async function readGroupConfig(stateDir: string): Promise<GroupConfig | undefined> {
  const path = join(stateDir, 'group.json');
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new InvalidRequestError('group_config_invalid', `${path} is not JSON`);
  }
  return parseGroupConfig(json, path);
}

/**
 * Writes the group configuration atomically.
 *
 * @example
 * ```ts
 * await writeGroupConfig(stateDir, signedConfig);
 * ```
 */
export async function writeGroupConfig(stateDir: string, config: GroupConfig): Promise<void> {
  await writeFileAtomic(join(stateDir, 'group.json'), JSON.stringify(config, null, 2), 0o644);
}
