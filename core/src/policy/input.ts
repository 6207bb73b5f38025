import { z } from 'zod';
import { canonicalIpAddress } from '../net/address.ts';

const tcbComponent = z.number().int().min(0).max(255);

/**
 * A SEV-SNP attestation verdict as policy sees it. `verified` is the verifier's overall
 * result (chain, signature, guest policy, `report_data` binding); the rest lets policy
 * data pin measurements and a minimum TCB per scope.
 */
export const AttestationVerdictSchema = z
  .object({
    verified: z.boolean(),
    /** AMD product name, e.g. `Milan`, `Genoa`, `Turin`. */
    product: z.string().min(1).max(32).optional(),
    /** Launch measurement, 48 bytes, lowercase hex. */
    measurement: z
      .string()
      .regex(/^[0-9a-f]{96}$/)
      .optional(),
    /** The reported TCB's security patch levels. */
    tcb: z
      .object({
        bootloader: tcbComponent,
        tee: tcbComponent,
        snp: tcbComponent,
        microcode: tcbComponent,
        fmc: tcbComponent.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type AttestationVerdict = z.infer<typeof AttestationVerdictSchema>;

/**
 * The policy input. Every evaluator builds it from verified evidence — a signer never takes
 * the coordinator's on trust — and passes its own clock as `now` (unix seconds).
 */
export const PolicyInputSchema = z
  .object({
    now: z.number().int().nonnegative(),
    requester: z
      .object({
        kind: z.enum(['engineer', 'ci', 'dev']),
        subject: z.string().min(1),
        /** Engineers: roles from their enrollment certificate. */
        roles: z.array(z.string()).default([]),
        amr: z.array(z.string()).default([]),
        /** CI: the verified ID-token claims (issuer, repository, ref, environment, workflow, …). */
        oidc: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      })
      .strict(),
    request: z
      .object({
        scopes: z.array(z.string()).min(1),
        audience: z.string().min(1),
        ttl: z.number().int().positive(),
        justification: z.string().optional(),
        /**
         * The requester's IP address as the coordinator determined it (the TCP peer, or the
         * `X-Forwarded-For` client behind trusted proxies; canonical, see
         * `canonicalIpAddress`); `null` when the coordinator cannot know it (a request parked
         * before it recorded addresses), which no `source_cidrs` range admits. Absent for an
         * evaluator that never sees the requester's connection (every signer).
         */
        source_address: z
          .string()
          .refine((a) => canonicalIpAddress(a) === a, 'not a canonical IP address')
          .nullable()
          .optional(),
      })
      .strict(),
    /** Ids of guardians whose approval of this exact request verified. */
    approvals: z.array(z.string()).default([]),
    signer_attestation: AttestationVerdictSchema.optional(),
    requester_attestation: AttestationVerdictSchema.optional(),
    /**
     * The token will be sender-constrained (RFC 9449 `cnf.jkt`): a DPoP proof of the
     * requester's key verified by this evaluator itself.
     */
    dpop_bound: z.boolean().default(false),
  })
  .strict();
export type PolicyInput = z.input<typeof PolicyInputSchema>;

/** The decision: one object, produced by `data.frostmint.mint.decision`. */
export const PolicyDecisionSchema = z
  .object({
    allow: z.boolean(),
    reasons: z.array(z.string()),
    max_ttl: z.number().int().nonnegative(),
    required_approvals: z.number().int().nonnegative(),
    require_signer_attestation: z.boolean(),
    require_requester_attestation: z.boolean(),
  })
  .strict();
export type PolicyDecision = z.infer<typeof PolicyDecisionSchema>;

/** The decision every failure turns into: undefined or failed evaluation is deny. */
export function denyDecision(reason: string): PolicyDecision {
  return {
    allow: false,
    reasons: [reason],
    max_ttl: 0,
    required_approvals: 0,
    require_signer_attestation: false,
    require_requester_attestation: false,
  };
}
