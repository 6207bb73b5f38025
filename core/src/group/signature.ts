import { ed25519 } from '@noble/curves/ed25519.js';
import { domainSeparated } from '../canonical-json.ts';
import { ForbiddenError } from '../errors.ts';
import { groupJwk } from '../token/jwk.ts';
import type { GroupConfigV2, UnsignedGroupConfigV2 } from './config.ts';

/** Domain of the group configuration signature: never a JWS signing input (has `/` and NUL). */
const GROUP_CONFIG_DOMAIN = 'frostmint/group-config/v2\0';

/**
 * The bytes the quorum signs for a group configuration: the domain
 * `frostmint/group-config/v2` and NUL, then the canonical JSON of the configuration without
 * its signature. A signer asked to sign these bytes rebuilds them from its own pending
 * ceremony result and signs nothing else.
 *
 * @example
 * ```ts
 * const message = groupConfigSigningInput(unsigned);
 * ```
 */
export function groupConfigSigningInput(
  config: UnsignedGroupConfigV2 & { signature?: string },
): Buffer {
  const { signature: _, ...unsigned } = config;
  return domainSeparated(GROUP_CONFIG_DOMAIN, unsigned);
}

/**
 * Checks that a version-2 group configuration is signed by its own group key and that its
 * kid is the RFC 7638 thumbprint of that key. This proves the quorum holding the key signed
 * it; pin the kid (or group key) you expect to trust it. Throws `group_config_unsigned`.
 *
 * @example
 * ```ts
 * await verifyGroupConfig(config);
 * if (config.kid !== pinnedKid) throw new Error('another group');
 * ```
 */
export async function verifyGroupConfig(config: GroupConfigV2): Promise<void> {
  const groupKey = Buffer.from(config.groupKey, 'base64url');
  const { kid } = await groupJwk(groupKey);
  let valid = false;
  try {
    valid = ed25519.verify(
      Buffer.from(config.signature, 'base64url'),
      groupConfigSigningInput(config),
      groupKey,
    );
  } catch {
    valid = false;
  }
  if (kid !== config.kid || !valid) {
    throw new ForbiddenError(
      'group_config_unsigned',
      `group configuration ${config.kid} (epoch ${config.epoch}) is not signed by its group key`,
    );
  }
}
