import {
  AttestationVerifierConfigSchema,
  COORDINATOR_TLS_NAME,
  LogLevelSchema,
  loadJsonConfig,
  MAX_TOKEN_TTL_SECONDS,
  OidcConfigSchema,
  PolicyFilesSchema,
  TokenTtlSchema,
  TracingConfigSchema,
  WebAuthnConfigSchema,
} from '@frostmint/core';
import { z } from 'zod';
import { AttesterConfigSchema } from './attestation/config.ts';
import { SignerGuardiansSchema } from './ceremony/guardians-config.ts';
import { SignerAuditConfigSchema } from './transparency/config.ts';
import { Pkcs11VaultConfigSchema } from './vault/pkcs11/config.ts';

const DevVaultConfigSchema = z
  .object({
    kind: z.literal('dev'),
    /** Name of the environment variable holding the passphrase (never the passphrase itself). */
    passphraseEnv: z.string().min(1).default('FROSTMINT_DEV_VAULT_PASSPHRASE'),
  })
  .strict();

export const SignerConfigSchema = z
  .object({
    /** FROST participant identifier of this signer. */
    id: z.number().int().min(1).max(255),
    /** `host:port` the gRPC server binds. */
    listen: z.string().regex(/^[^\s:]+:\d{1,5}$/),
    /** The `iss` every token must carry. */
    issuer: z.string().url(),
    maxTtlSeconds: TokenTtlSchema.default(MAX_TOKEN_TTL_SECONDS),
    clockSkewSeconds: z.number().int().min(0).max(300).default(30),
    /** How long round-one nonces live in memory before they are forgotten. */
    nonceTtlSeconds: z.number().int().min(1).max(300).default(30),
    /** Directory for the group configuration and the sealed share. */
    stateDir: z.string().min(1),
    tls: z.object({ ca: z.string(), cert: z.string(), key: z.string() }).strict(),
    /**
     * DNS name this signer's certificate carries: the coordinator's `signers[].tlsName` for
     * this id. `--check-config` checks that the certificate names it.
     */
    tlsName: z.string().min(1).optional(),
    /**
     * `host:port` of a plaintext gRPC listener serving only `grpc.health.v1.Health` (for
     * Kubernetes gRPC probes, which cannot present a client certificate). The mTLS listener
     * serves the health service too. Off when absent.
     */
    healthListen: z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/)
      .optional(),
    /**
     * `host:port` of a plaintext HTTP listener serving only Prometheus `GET /metrics` (the
     * signer's own requests, vault latency, policy decisions). Off when absent.
     */
    metricsListen: z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/)
      .optional(),
    /** Log level (`$FROSTMINT_LOG_LEVEL` overrides it); `info` when absent. */
    logLevel: LogLevelSchema.optional(),
    /** OpenTelemetry spans over OTLP/HTTP (`OTEL_EXPORTER_OTLP_ENDPOINT` overrides); off when absent. */
    tracing: TracingConfigSchema.optional(),
    /** Name the coordinator's client certificate must carry. */
    coordinatorName: z.string().default(COORDINATOR_TLS_NAME),
    vault: z.discriminatedUnion('kind', [DevVaultConfigSchema, Pkcs11VaultConfigSchema]),
    /** The policy this signer evaluates itself before every signature share. */
    policy: PolicyFilesSchema,
    /**
     * After a guardian-approved policy bundle replaces the policy, how long tokens that name
     * the replaced policy are still signed (mints in flight across the switch complete).
     */
    policyGraceSeconds: z.number().int().min(0).max(600).default(60),
    /** Who approves key ceremonies before a signed group configuration exists. */
    guardians: SignerGuardiansSchema.optional(),
    /** Accept coordinator-asserted (dev) requesters. Only the local demo sets this. */
    allowDevRequester: z.boolean().default(false),
    /** CI evidence: the OIDC issuers whose ID tokens this signer verifies itself. */
    oidc: OidcConfigSchema.optional(),
    /**
     * Enrollment proof: the organisation's IdP (issuer, JWKS, `audience` = the CLI's OIDC
     * client id) whose ID tokens, bound to a certificate request by their `nonce`, prove an
     * enrollment is the engineer's (docs/webauthn.md, "Enrollment proof"). Without it only
     * guardian approvals do.
     */
    enrollmentIdp: OidcConfigSchema.optional(),
    /** How this signer attests (`none` | `snp`); see docs/attestation.md. */
    attestation: AttesterConfigSchema.default({ kind: 'none' }),
    /** How it verifies evidence: of DKG peers, of requesters, and its own. */
    attestationVerifier: AttestationVerifierConfigSchema.optional(),
    /** For requesters' evidence (their own measurements); `attestationVerifier` when absent. */
    requesterAttestationVerifier: AttestationVerifierConfigSchema.optional(),
    /** Seal no DKG package to a peer whose announcement's attestation does not verify. */
    requirePeerAttestation: z.boolean().default(false),
    /** The WebAuthn relying party engineers' taps are checked against (this signer's own). */
    webauthn: WebAuthnConfigSchema.optional(),
    /**
     * The audit log this signer witnesses (checkpoint origin, maximum merge delay); with it
     * the signer refuses to sign while a token it co-signed stays out of the log.
     */
    audit: SignerAuditConfigSchema.optional(),
  })
  .strict();

export type SignerConfig = z.infer<typeof SignerConfigSchema>;

/**
 * Reads and validates a signer configuration file (JSON).
 *
 * @example
 * ```ts
 * const config = await loadSignerConfig('/etc/frostmint/signer.json');
 * ```
 */
export function loadSignerConfig(path: string): Promise<SignerConfig> {
  return loadJsonConfig(path, SignerConfigSchema, 'signer config');
}
