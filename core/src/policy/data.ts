import { z } from 'zod';
import { InvalidRequestError } from '../errors.ts';
import { CidrSchema } from '../net/address.ts';
import { MAX_TOKEN_TTL_SECONDS } from '../token/claims.ts';

const scope = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/);
const ttl = z.number().int().min(1).max(MAX_TOKEN_TTL_SECONDS);

/** A scope's settings; simple mode allows just its max TTL. */
const ScopeSettingsSchema = z.union([
  ttl,
  z
    .object({
      max_ttl: ttl.optional(),
      audiences: z.array(z.string().min(1)).min(1).optional(),
      approvals: z.number().int().min(0).max(16).optional(),
      require_signer_attestation: z.boolean().optional(),
      require_requester_attestation: z.boolean().optional(),
      /** Only DPoP-bound (sender-constrained, RFC 9449) tokens may carry the scope. */
      require_dpop: z.boolean().optional(),
      /**
       * Only requests from these address ranges may carry the scope (CIDR, IPv4 and IPv6):
       * checked by the coordinator alone, which sees the connection (docs/security.md).
       */
      source_cidrs: z.array(CidrSchema).min(1).optional(),
      hours_utc: z
        .object({ from: z.number().int().min(0).max(23), to: z.number().int().min(0).max(24) })
        .strict()
        .optional(),
    })
    .strict(),
]);

/** A CI rule: OIDC claims that must all match, and the scopes it grants. */
const CiRuleSchema = z
  .object({ scopes: z.array(scope).min(1) })
  .catchall(z.union([z.string(), z.number(), z.boolean()]))
  .refine((r) => typeof r.issuer === 'string', 'a CI rule must name its issuer');

/**
 * `policy/data.json`, under `config`: roles → scopes, per-scope settings, CI rules, and the
 * roles the local demo's dev requester gets. See policy/README.md.
 */
export const PolicyDataSchema = z
  .object({
    config: z
      .object({
        roles: z.record(
          z.string().min(1),
          z.union([z.array(scope), z.object({ scopes: z.array(scope) }).strict()]),
        ),
        scopes: z.record(scope, ScopeSettingsSchema),
        ci: z.array(CiRuleSchema).optional(),
        dev: z
          .object({ roles: z.array(z.string().min(1)) })
          .strict()
          .optional(),
        /** Who may enroll a WebAuthn credential with which roles (policy/frostmint/enroll.rego). */
        enrollment: z
          .object({
            /** subject → the roles that subject may hold. */
            users: z.record(z.string().min(1), z.array(z.string().min(1))),
            /** Longest certificate lifetime, seconds (short: certificates are renewed). */
            max_lifetime: z
              .number()
              .int()
              .min(60)
              .max(7 * 24 * 3600)
              .optional(),
            /** role → guardian approvals required to enroll with it. */
            approvals: z.record(z.string().min(1), z.number().int().min(0).max(16)).optional(),
            /**
             * How an IdP login proves an enrollment (docs/webauthn.md, "Enrollment proof"):
             * which verified ID-token claim must equal the engineer's subject (default
             * `email`), and whether `email_verified` must be true then (default true).
             */
            idp: z
              .object({
                subject_claim: z.enum(['email', 'sub', 'preferred_username']).optional(),
                require_email_verified: z.boolean().optional(),
              })
              .strict()
              .optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
  })
  .strict();
export type PolicyData = z.infer<typeof PolicyDataSchema>;

/**
 * Validates policy data; throws `policy_data_invalid` naming the first offending field.
 *
 * @example
 * ```ts
 * const data = parsePolicyData(JSON.parse(await readFile('policy/data.json', 'utf8')));
 * ```
 */
export function parsePolicyData(raw: unknown): PolicyData {
  const parsed = PolicyDataSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRequestError(
      'policy_data_invalid',
      `${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  return parsed.data;
}
