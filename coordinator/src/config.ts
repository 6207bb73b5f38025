import {
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
import { AnomalyConfigSchema } from './anomaly/config.ts';
import { AuditConfigSchema } from './audit/config.ts';
import { HttpsFilesSchema } from './http/https.ts';
import { TrustedProxiesSchema } from './http/source-address.ts';
import { KeyRotationConfigSchema } from './keys/rotation-config.ts';
import { AbuseConfigSchema } from './requests/abuse.ts';
import { CoordinatorAttestationConfigSchema } from './signing/attestation-config.ts';
import { StorageConfigSchema } from './storage/open.ts';

export const SignerEndpointSchema = z
  .object({
    id: z.number().int().min(1).max(255),
    /** `host:port` of the signer's gRPC server. */
    address: z.string().min(1),
    /** DNS name the signer's certificate must carry. */
    tlsName: z.string().min(1),
  })
  .strict();

export const CoordinatorConfigSchema = z
  .object({
    /** `host:port` for the HTTP API. */
    listen: z.string().regex(/^[^\s:]+:\d{1,5}$/),
    /** `iss` of every token, and the base of the discovery documents. */
    issuer: z.string().url(),
    /** Directory for coordinator state (group configuration). */
    stateDir: z.string().min(1),
    signers: z.array(SignerEndpointSchema).min(2),
    tls: z.object({ ca: z.string(), cert: z.string(), key: z.string() }).strict(),
    /**
     * Serve the HTTP API over TLS with this certificate chain and key (PEM files, re-read
     * when they change). Absent: plain HTTP, for a TLS-terminating reverse proxy in front.
     */
    https: HttpsFilesSchema.optional(),
    /**
     * Reverse proxies (CIDR ranges) whose `X-Forwarded-For` names the client address that
     * policy `source_cidrs` rules check; none by default: the TCP peer is the client.
     */
    trustedProxies: TrustedProxiesSchema,
    defaultTtlSeconds: TokenTtlSchema.default(MAX_TOKEN_TTL_SECONDS),
    maxTtlSeconds: TokenTtlSchema.default(MAX_TOKEN_TTL_SECONDS),
    /** The policy evaluated before every mint (signers evaluate it again themselves). */
    policy: PolicyFilesSchema,
    /** Coordinator state: embedded PGlite in the state dir by default, or PostgreSQL. */
    storage: StorageConfigSchema.optional(),
    /** Deadline of every signer RPC, in milliseconds. */
    rpcDeadlineMs: z.number().int().min(50).max(60_000).default(2_000),
    /** How often signers' Info is polled for readiness. */
    healthIntervalMs: z.number().int().min(100).max(60_000).default(2_000),
    /**
     * How long a signer stays degraded (rounds prefer the other signers) after it refused
     * for a reason about itself (clock skew, another policy, slowness, unavailable), ms.
     * Default 10 000 (`DEFAULT_DEGRADED_FOR_MS`).
     */
    signerDegradedMs: z.number().int().min(1_000).max(600_000).optional(),
    /**
     * Preprocessed commitments each signer keeps ready for this coordinator (RFC 9591 §5.1
     * ahead of time): a token mint is then one round trip to each signer. 0 turns
     * preprocessing off (every mint runs round one). Default 64.
     */
    preprocessCommitments: z.number().int().min(0).max(256).optional(),
    /**
     * Local demo only: the environment variable holding a dev bearer credential. When set,
     * `POST /v1/mint` accepts `Authorization: Bearer <that value>` as requester `dev@localhost`.
     */
    devBearerEnv: z.string().min(1).optional(),
    /** CI token exchange: the OIDC issuers whose ID tokens `POST /v1/mint` accepts. */
    oidc: OidcConfigSchema.optional(),
    /**
     * Enrollment proof: the organisation's IdP (`audience` = the CLI's OIDC client id). The
     * first issuer is the one `frostmint enroll` logs in to; signers trust their own list.
     */
    enrollmentIdp: OidcConfigSchema.optional(),
    /** SEV-SNP attestation of signers and requesters; defaults when absent (docs/attestation.md). */
    attestation: CoordinatorAttestationConfigSchema.optional(),
    /** Engineers' WebAuthn (enrollment, two-step mint, tap pages); off when absent. */
    webauthn: WebAuthnConfigSchema.optional(),
    /** Per-identity rate limits and failed-assertion lock-out. */
    abuse: AbuseConfigSchema.default(AbuseConfigSchema.parse({})),
    /** Allowed distance between a certificate's `iat` and this clock, seconds. */
    clockSkewSeconds: z.number().int().min(0).max(300).default(30),
    /**
     * How long a mint waits for guardian approvals (and the approvals stay valid), seconds;
     * a two-step mint's tap must come within this window too. At most 24 h (signers refuse
     * longer-lived approvals).
     */
    approvalWindowSeconds: z.number().int().min(60).max(86_400).default(1800),
    /** Key lifecycle: store polling and the pre-publish window (docs/operators/key-rotation.md). */
    keyRotation: KeyRotationConfigSchema.optional(),
    /** Log level (`$FROSTMINT_LOG_LEVEL` overrides it); `info` when absent. */
    logLevel: LogLevelSchema.optional(),
    /** OpenTelemetry spans over OTLP/HTTP (`OTEL_EXPORTER_OTLP_ENDPOINT` overrides); off when absent. */
    tracing: TracingConfigSchema.optional(),
    /** In-process credential-use anomaly detection (docs/operators/observability.md). */
    anomaly: AnomalyConfigSchema.optional(),
    /** The transparency log: origin and checkpoint cadence; checkpoints are cut when present. */
    audit: AuditConfigSchema.optional(),
  })
  .strict();

export type CoordinatorConfig = z.infer<typeof CoordinatorConfigSchema>;
export type SignerEndpoint = z.infer<typeof SignerEndpointSchema>;

/**
 * Reads and validates a coordinator configuration file (JSON).
 *
 * @example
 * ```ts
 * const config = await loadCoordinatorConfig('/etc/frostmint/coordinator.json');
 * ```
 */
export function loadCoordinatorConfig(path: string): Promise<CoordinatorConfig> {
  return loadJsonConfig(path, CoordinatorConfigSchema, 'coordinator config');
}
