import { readFile } from 'node:fs/promises';
import {
  type CoordinatorConfig,
  currentGroupConfig,
  loadCoordinatorConfig,
} from '@frostmint/coordinator';
import {
  type ApprovalFile,
  ApprovalFileSchema,
  type CeremonyTranscript,
  FrostmintError,
  type GroupConfigV2,
  InvalidRequestError,
  parseTranscript,
} from '@frostmint/core';

/**
 * Reads a ceremony transcript file. Throws `ceremony_file_invalid` (exit code 2).
 *
 * @example
 * ```ts
 * const transcript = await readTranscriptFile('refresh.transcript.json');
 * ```
 */
export async function readTranscriptFile(path: string): Promise<CeremonyTranscript> {
  try {
    return parseTranscript(await readFile(path));
  } catch (err) {
    throw fileInvalid(path, err);
  }
}

/**
 * Reads an approval file. Throws `ceremony_file_invalid` (exit code 2).
 *
 * @example
 * ```ts
 * const approval = await readApprovalFile('alice.approval.json');
 * ```
 */
export async function readApprovalFile(path: string): Promise<ApprovalFile> {
  try {
    return ApprovalFileSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch (err) {
    throw fileInvalid(path, err);
  }
}

/**
 * Reads the coordinator configuration whose mTLS identity and signer endpoints a ceremony
 * uses.
 *
 * @example
 * ```ts
 * const coordinator = await readCoordinatorConfig('/etc/frostmint/coordinator.json');
 * ```
 */
export function readCoordinatorConfig(path: string): Promise<CoordinatorConfig> {
  return loadCoordinatorConfig(path).catch((err: unknown) => {
    throw fileInvalid(path, err);
  });
}

/**
 * The signed (version 2) group configuration the coordinators sign with (the shared
 * store's current one, or `group.json` in the state directory with PGlite). Throws
 * `ceremony_file_invalid` when there is none or it is a legacy unsigned one.
 *
 * @example
 * ```ts
 * const group = await readSignedGroup(coordinator);
 * ```
 */
export async function readSignedGroup(coordinator: CoordinatorConfig): Promise<GroupConfigV2> {
  const stateDir = coordinator.stateDir;
  const group = await currentGroupConfig(coordinator);
  if (group?.version !== 2) {
    throw new InvalidRequestError(
      'ceremony_file_invalid',
      group
        ? `${stateDir}/group.json is a legacy unsigned (version 1) configuration: its group was not made by a guardian ceremony`
        : `no group configuration in ${stateDir}: run \`frostmint-guardian ceremony dkg\` first`,
    );
  }
  return group;
}

function fileInvalid(path: string, err: unknown): InvalidRequestError {
  const why = err instanceof FrostmintError || err instanceof Error ? err.message : String(err);
  return new InvalidRequestError('ceremony_file_invalid', `${path}: ${why}`, { cause: err });
}
