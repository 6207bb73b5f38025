import { GuardianSetSchema } from '@frostmint/core';
import { z } from 'zod';

/** The value that lets a signer run a first DKG without guardian approval (local demo). */
export const DEV_UNGUARDED = 'dev-unguarded';

/**
 * The `guardians` member of a signer configuration: whom the signer trusts to approve key
 * ceremonies before it holds a signed group configuration (first DKG, or as the replacement
 * in replace-signer). Either the guardian set (paste the records `frostmint-guardian enroll`
 * printed, and how many must approve), or the string `"dev-unguarded"`, which the local
 * demo sets and which the signer announces loudly. Absent: no ceremony is accepted.
 *
 * ```json
 * "guardians": { "approvals": 2, "guardians": [ { "name": "Alice", "approvalKey": { … } }, … ] }
 * ```
 */
export const SignerGuardiansSchema = z.union([z.literal(DEV_UNGUARDED), GuardianSetSchema]);
export type SignerGuardians = z.infer<typeof SignerGuardiansSchema>;
