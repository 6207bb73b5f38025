/**
 * The coordinator's storage seam: one interface, two backends (embedded PGlite, PostgreSQL)
 * that run the same SQL and pass the same conformance suite. Every time value is a `Date`;
 * where a method needs "now" it reads the store's clock, which tests control.
 */
import type { StoreBackend } from './executor.ts';
import type { StoreHealth } from './health.ts';

/** A JSON object as stored in a `jsonb` column. */
export type JsonObject = { [key: string]: JsonValue };
/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** An engineer's WebAuthn credential and the quorum-signed certificate that enrolls it. */
export interface Enrollment {
  /** WebAuthn credential id, base64url. */
  readonly credentialId: string;
  /** The engineer's subject (the `sub` of tokens minted with this credential). */
  readonly userId: string;
  /** COSE-encoded credential public key. */
  readonly publicKey: Uint8Array;
  /** Last signature counter seen (0 for authenticators without a counter). */
  readonly signCount: number;
  /** Authenticator transports reported at registration (`usb`, `internal`, `hybrid`, …). */
  readonly transports: readonly string[];
  /** Roles the certificate grants (policy input). */
  readonly roles: readonly string[];
  /** The enrollment certificate, signed by the FROST quorum (opaque bytes here). */
  readonly certificate: Uint8Array;
  readonly certificateExpiresAt: Date;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  /** Set once by `revoke`; a revoked enrollment stays for the revocation list and audit. */
  readonly revokedAt: Date | null;
  readonly revocationReason: string | null;
}

/** What `enrollments.put` takes: a fresh, unrevoked, unused enrollment. */
export type NewEnrollment = Omit<
  Enrollment,
  'lastUsedAt' | 'revokedAt' | 'revocationReason' | 'signCount'
> & { readonly signCount?: number };

/** Outcome of checking an assertion's signature counter (WebAuthn Level 3 §6.1.1). */
export type SignCountCheck =
  /** Counter advanced, or the authenticator has none (stored and presented both 0). */
  | 'accepted'
  /** Counter did not advance: a possible cloned authenticator; the caller must deny. */
  | 'regressed'
  /** The enrollment is revoked. */
  | 'revoked';

/** Enrollments of engineers' WebAuthn credentials. */
export interface EnrollmentStore {
  /**
   * Stores a new enrollment; `store_conflict` when the credential id is taken.
   *
   * @example
   * ```ts
   * await store.enrollments.put({ credentialId, userId: 'alice@example.com', publicKey,
   *   transports: ['usb'], roles: ['deployer'], certificate, certificateExpiresAt, createdAt: now });
   * ```
   */
  put(enrollment: NewEnrollment): Promise<void>;
  /**
   * The enrollment of `credentialId` (revoked ones too), or null.
   *
   * @example
   * ```ts
   * const enrollment = await store.enrollments.get(assertion.id);
   * if (enrollment === null || enrollment.revokedAt !== null) throw unknownCredential();
   * ```
   */
  get(credentialId: string): Promise<Enrollment | null>;
  /**
   * All enrollments of `userId`, oldest first, revoked ones included.
   *
   * @example
   * ```ts
   * const allowCredentials = (await store.enrollments.listByUser(sub))
   *   .filter((e) => e.revokedAt === null)
   *   .map((e) => ({ id: e.credentialId, transports: e.transports }));
   * ```
   */
  listByUser(userId: string): Promise<Enrollment[]>;
  /**
   * Revokes; idempotent (a second call keeps the first time and reason). Returns the
   * revoked enrollment; `store_not_found` when unknown.
   *
   * @example
   * ```ts
   * await store.enrollments.revoke(credentialId, 'laptop stolen', new Date());
   * ```
   */
  revoke(credentialId: string, reason: string, at: Date): Promise<Enrollment>;
  /**
   * Replaces the certificate with a renewed one; `store_enrollment_revoked` when revoked.
   *
   * @example
   * ```ts
   * await store.enrollments.renewCertificate(credentialId, renewedCertificate, newExpiry);
   * ```
   */
  renewCertificate(credentialId: string, certificate: Uint8Array, expiresAt: Date): Promise<void>;
  /**
   * Atomically checks and advances the signature counter of a verified assertion and
   * records the use. Two coordinators racing with the same counter: one is `regressed`.
   *
   * @example
   * ```ts
   * const check = await store.enrollments.recordAssertion(credentialId, newCounter, now);
   * if (check !== 'accepted') throw new ForbiddenError('sign_count_regressed', '…');
   * ```
   */
  recordAssertion(credentialId: string, signCount: number, at: Date): Promise<SignCountCheck>;
  /**
   * Revoked enrollments whose certificate has not expired: the content of a revocation list.
   *
   * @example
   * ```ts
   * const revokedIds = (await store.enrollments.listRevoked()).map((e) => e.credentialId);
   * ```
   */
  listRevoked(): Promise<Enrollment[]>;
}

/** The lifecycle of a mint request. */
export type MintRequestStatus = 'pending' | 'approved' | 'minted' | 'denied' | 'expired';
/**
 * The flow a request belongs to: an engineer's two-step mint approved by a WebAuthn tap, a
 * one-step mint that waits for guardian approvals while its requester polls, an enrollment,
 * or a certificate renewal. Decoded into a tagged union by `requests/kinds.ts`.
 */
export type MintRequestKind = 'tap_mint' | 'polled_mint' | 'enrollment' | 'renewal';

/** A prepared mint: the exact token to sign, the policy's decision, and where it stands. */
export interface MintRequest {
  readonly id: string;
  /** The requester's subject (`sub`). */
  readonly requester: string;
  readonly kind: MintRequestKind;
  /** The exact JWS signing input, `base64url(header) "." base64url(claims)`. */
  readonly signingInput: string;
  readonly claims: JsonObject;
  /** The policy decision (allow, reasons, max TTL, approvals, attestation). */
  readonly decision: JsonObject;
  readonly justification: string | null;
  readonly requiredApprovals: number;
  readonly status: MintRequestStatus;
  /** Why the request reached its status (e.g. which rule or guardian denied it). */
  readonly statusReason: string | null;
  /** The requester's evidence (WebAuthn assertion, OIDC ID token), attached once. */
  readonly evidence: JsonObject | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly expiresAt: Date;
}

/** What `mintRequests.create` takes. */
export type NewMintRequest = Omit<
  MintRequest,
  'status' | 'statusReason' | 'updatedAt' | 'evidence'
> & { readonly evidence?: JsonObject | null };

/** Persisted mint requests, shared by every coordinator. */
export interface MintRequestStore {
  /**
   * Stores a new pending request; `store_conflict` when the id is taken.
   *
   * @example
   * ```ts
   * const request = await store.mintRequests.create({ id, requester: sub, kind: 'tap_mint',
   *   signingInput, claims, decision, justification, requiredApprovals: 2,
   *   createdAt: now, expiresAt: new Date(now.getTime() + 600_000) });
   * ```
   */
  create(request: NewMintRequest): Promise<MintRequest>;
  /**
   * The request, or null.
   *
   * @example
   * ```ts
   * const request = await store.mintRequests.get(req.params.id);
   * ```
   */
  get(id: string): Promise<MintRequest | null>;
  /**
   * Compare-and-set: moves the request from `from` to `to` only if it is still in `from`,
   * so of two coordinators racing to mint one request exactly one wins. Returns the
   * updated request, or null when the status was no longer `from` (someone else won).
   *
   * Guards, checked under a row lock: the move must be one of pending→approved|minted|
   * denied|expired, approved→minted|denied|expired (`store_invalid_transition`); approved
   * and minted need the required approvals (`store_approvals_insufficient`) and an
   * unexpired request (`store_request_expired`); expired needs an expired request.
   *
   * @example
   * ```ts
   * const claimed = await store.mintRequests.transition(id, 'approved', 'minted', now);
   * if (claimed === null) return; // another coordinator is minting it
   * ```
   */
  transition(
    id: string,
    from: MintRequestStatus,
    to: MintRequestStatus,
    at: Date,
    reason?: string,
  ): Promise<MintRequest | null>;
  /**
   * Attaches the requester's evidence to a pending, unexpired request, once;
   * `store_conflict` when evidence is already attached.
   *
   * @example
   * ```ts
   * await store.mintRequests.attachEvidence(id, { webauthn: assertionJson }, now);
   * ```
   */
  attachEvidence(id: string, evidence: JsonObject, at: Date): Promise<MintRequest>;
  /**
   * Fixes the final token of a request whose approvals are in and marks it `approved`:
   * from `pending` or `approved`, compare-and-set on its current signing input (of two
   * coordinators fixing it, one wins; the other gets null), under the guards of a
   * transition to `approved` (required approvals, unexpired). The approval-then-tap mint
   * fixes the times and signer set only once guardians approved, and again when the tap
   * window lapsed (`store_invalid_transition` from any other status).
   *
   * @example
   * ```ts
   * const fixed = await store.mintRequests.fixApprovedToken(id, row.signingInput,
   *   { signingInput, claims }, now);
   * if (fixed === null) return store.mintRequests.get(id); // another coordinator fixed it
   * ```
   */
  fixApprovedToken(
    id: string,
    currentSigningInput: string,
    token: { readonly signingInput: string; readonly claims: JsonObject },
    at: Date,
  ): Promise<MintRequest | null>;
  /**
   * Pending, unexpired requests that need guardian approvals, oldest first (at most 500).
   *
   * @example
   * ```ts
   * for (const r of await store.mintRequests.listPending(50)) console.log(r.id, r.requester);
   * ```
   */
  listPending(limit?: number): Promise<MintRequest[]>;
  /**
   * Marks every pending or approved request whose expiry passed as expired; returns their ids.
   *
   * @example
   * ```ts
   * for (const id of await store.mintRequests.expireOverdue()) await audit.expired(id);
   * ```
   */
  expireOverdue(): Promise<string[]>;
}

/** A guardian's signature over SHA-256(signing input) of one request. */
export interface Approval {
  readonly requestId: string;
  readonly guardianId: string;
  /** ES256 by the approval key; empty for a WebAuthn approval. */
  readonly signature: Uint8Array;
  readonly createdAt: Date;
  /** The WebAuthn proof (binding, assertion) of an approval made on the approval page. */
  readonly webauthn?: JsonObject;
}

/** Guardian approvals: one per guardian per request, enforced by a unique constraint. */
export interface ApprovalStore {
  /**
   * Records an approval of a pending, unexpired request; returns how many approvals the
   * request now has. `store_duplicate_approval` when this guardian already approved it,
   * `store_not_found` for an unknown request, `store_request_not_pending` /
   * `store_request_expired` otherwise.
   *
   * @example
   * ```ts
   * const count = await store.approvals.add({ requestId, guardianId, signature, createdAt: now });
   * ```
   */
  add(approval: Approval): Promise<number>;
  /**
   * Approvals of one request, oldest first.
   *
   * @example
   * ```ts
   * const approvedBy = (await store.approvals.listByRequest(id)).map((a) => a.guardianId);
   * ```
   */
  listByRequest(requestId: string): Promise<Approval[]>;
}

/** A guardian's WebAuthn credential, registered and (once the guardian signed it) bound. */
export interface GuardianCredential {
  /** base64url */
  readonly credentialId: string;
  /** The guardian's approval key id (group configuration `guardians.keys`). */
  readonly guardianKid: string;
  /** COSE_Key, base64url. */
  readonly publicKey: string;
  /** The registration ceremony it came from (what the guardian's CLI polls). */
  readonly registrationId: string;
  readonly signCount: number;
  /** The signed binding document; null until the guardian bound the credential. */
  readonly binding: JsonObject | null;
  readonly notAfter: Date | null;
  readonly createdAt: Date;
  readonly boundAt: Date | null;
}

/** Guardians' WebAuthn credentials for the approval page. */
export interface GuardianCredentialStore {
  /**
   * Stores a freshly registered, unbound credential; `store_conflict` when the credential
   * id or the registration id is taken.
   *
   * @example
   * ```ts
   * await store.guardianCredentials.register({ credentialId, guardianKid, publicKey, registrationId, signCount: 0, createdAt: now });
   * ```
   */
  register(credential: Omit<GuardianCredential, 'binding' | 'notAfter' | 'boundAt'>): Promise<void>;
  /**
   * The credential a registration created, or null.
   *
   * @example
   * ```ts
   * const registered = await store.guardianCredentials.getByRegistration(id);
   * ```
   */
  getByRegistration(registrationId: string): Promise<GuardianCredential | null>;
  /**
   * A credential by id, or null.
   *
   * @example
   * ```ts
   * const credential = await store.guardianCredentials.get(assertion.id);
   * ```
   */
  get(credentialId: string): Promise<GuardianCredential | null>;
  /**
   * Attaches the signed binding (verified by the caller) to an unbound credential:
   * `store_not_found` for an unknown credential, `store_conflict` when already bound.
   *
   * @example
   * ```ts
   * await store.guardianCredentials.bind(credentialId, binding, new Date(binding.not_after * 1000), now);
   * ```
   */
  bind(credentialId: string, binding: JsonObject, notAfter: Date, at: Date): Promise<void>;
  /**
   * Bound credentials whose binding has not lapsed at `now`, oldest first.
   *
   * @example
   * ```ts
   * const allowCredentials = (await store.guardianCredentials.listBound(now)).map((c) => ({ id: c.credentialId, type: 'public-key' }));
   * ```
   */
  listBound(now: Date): Promise<GuardianCredential[]>;
  /**
   * Advances the signature counter (WebAuthn L3 §6.1.1): `accepted` when it increased or
   * both are 0, `regressed` otherwise; `store_not_found` for an unknown credential.
   *
   * @example
   * ```ts
   * if ((await store.guardianCredentials.recordAssertion(id, signCount)) !== 'accepted') throw cloned();
   * ```
   */
  recordAssertion(credentialId: string, signCount: number): Promise<'accepted' | 'regressed'>;
}

/** What a WebAuthn challenge was issued for; a challenge is only consumed for its purpose. */
export type ChallengePurpose = 'registration' | 'authentication' | 'approval';

/** An issued WebAuthn challenge. */
export interface Challenge {
  /** The challenge, base64url. */
  readonly challenge: string;
  readonly purpose: ChallengePurpose;
  readonly userId: string | null;
  /** The mint request it belongs to (mint and approval challenges). */
  readonly requestId: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** Single-use, expiring WebAuthn challenges. */
export interface ChallengeStore {
  /**
   * Stores a challenge; `store_conflict` when the same value is outstanding.
   *
   * @example
   * ```ts
   * await store.challenges.create({ challenge, purpose: 'authentication', userId: sub,
   *   requestId: id, createdAt: now, expiresAt: new Date(now.getTime() + 120_000) });
   * ```
   */
  create(challenge: Challenge): Promise<void>;
  /**
   * Atomically removes and returns the challenge: of concurrent consumers exactly one gets
   * it. `store_challenge_unknown` when unknown, already consumed or issued for another
   * purpose; `store_challenge_expired` when past its expiry (consumed all the same).
   *
   * @example
   * ```ts
   * const issued = await store.challenges.consume(clientData.challenge, 'authentication');
   * ```
   */
  consume(challenge: string, purpose: ChallengePurpose): Promise<Challenge>;
}

/** Replay windows: "have I seen this before?" for OIDC `jti`s, approval ids, … */
export interface ReplayStore {
  /**
   * Atomic insert-if-absent: true the first time `key` is seen in `namespace` (and it is
   * then remembered until `expiresAt`), false while it is remembered. Expired entries count
   * as absent.
   *
   * @example
   * ```ts
   * if (!(await store.replay.rememberOnce('oidc-jti', claims.jti, new Date(claims.exp * 1000)))) {
   *   throw new UnauthenticatedError('id_token_replayed', 'this ID token was already used');
   * }
   * ```
   */
  rememberOnce(namespace: string, key: string, expiresAt: Date): Promise<boolean>;

  /**
   * Whether `key` is remembered in `namespace` now (expired entries count as absent), without
   * remembering it: for evidence that is spent only once it has served (an ID token is
   * checked at authentication and remembered when its mint succeeds).
   *
   * @example
   * ```ts
   * if (await store.replay.isRemembered('oidc-id-token', key)) throw replayed();
   * ```
   */
  isRemembered(namespace: string, key: string): Promise<boolean>;
}

/** The answer of a rate-limit check. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Hits left in the current window. */
  readonly remaining: number;
  /** When the current window ends. */
  readonly resetAt: Date;
}

/** When failures lock a key out. */
export interface LockoutPolicy {
  /** Failures within `windowMs` that trigger a lock-out. */
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockoutMs: number;
}

/** Failures of a key after recording one. */
export interface LockoutState {
  /** Failures counted in the current window, this one included. */
  readonly failures: number;
  /** Set when this or an earlier failure locked the key out. */
  readonly lockedUntil: Date | null;
}

/** Per-identity rate limits and failed-attempt lock-out, shared by every coordinator. */
export interface RateLimitStore {
  /**
   * Counts a hit in a fixed window of `windowMs` aligned to the epoch (hits beyond the
   * limit count too).
   *
   * @example
   * ```ts
   * const { allowed, resetAt } = await store.rateLimits.hit(`mint:${sub}`, 60_000, 10);
   * if (!allowed) reply.header('retry-after', Math.ceil((resetAt.getTime() - Date.now()) / 1000));
   * ```
   */
  hit(key: string, windowMs: number, limit: number): Promise<RateLimitDecision>;
  /**
   * Counts a failed attempt; reaching `maxFailures` in the window locks the key out for
   * `lockoutMs` and starts a fresh count.
   *
   * @example
   * ```ts
   * const { lockedUntil } = await store.rateLimits.recordFailure(`assert:${sub}`,
   *   { maxFailures: 5, windowMs: 900_000, lockoutMs: 900_000 });
   * ```
   */
  recordFailure(key: string, policy: LockoutPolicy): Promise<LockoutState>;
  /**
   * When the key's lock-out ends, or null when it is not locked out.
   *
   * @example
   * ```ts
   * const until = await store.rateLimits.lockedUntil(`assert:${sub}`);
   * if (until !== null) throw lockedOut(until);
   * ```
   */
  lockedUntil(key: string): Promise<Date | null>;
  /**
   * Forgets the key's failures after a success; a running lock-out stays.
   *
   * @example
   * ```ts
   * await store.rateLimits.clearFailures(`assert:${sub}`);
   * ```
   */
  clearFailures(key: string): Promise<void>;
}

/** One stored audit-log leaf. */
export interface AuditLeaf {
  /** Position in the log, from 0, gap-free. */
  readonly index: number;
  /** RFC 9162 leaf hash (32 bytes) of the entry, computed by the audit module. */
  readonly leafHash: Uint8Array;
  /** The entry exactly as hashed, UTF-8 JSON text. */
  readonly entryJson: string;
  readonly createdAt: Date;
  /**
   * The id of the token the entry records (a mint's `jti`, an enrollment's `cert_id`): its
   * receipt is found by it (see {@link AuditStore.findByKey}). Absent for other entries.
   */
  readonly key?: string;
}

/** A stored tree head, co-signed by the signer quorum. */
export interface AuditCheckpoint {
  readonly treeSize: number;
  /** RFC 9162 root hash (32 bytes). */
  readonly rootHash: Uint8Array;
  /** The signed checkpoint as issued (opaque bytes here). */
  readonly signed: Uint8Array;
  readonly createdAt: Date;
}

/** Counters of {@link AuditStore.append} (see `appendStats`). */
export interface AuditAppendStats {
  readonly entries: number;
  readonly transactions: number;
}

/** Append-only audit log storage; Merkle hashing lives in `@frostmint/core`. */
export interface AuditStore {
  /**
   * Appends one entry and returns its index. Appends from any number of coordinators get
   * consecutive indexes with no gap and no duplicate. The entry is durable on return:
   * concurrent appends share one transaction (group commit) and each resolves only after
   * that transaction committed; if it fails, every append in it rejects and none is stored.
   *
   * @example
   * ```ts
   * const bytes = new TextEncoder().encode(entryJson);
   * const index = await store.audit.append({ leafHash: leafHash(bytes), entryJson, createdAt: now });
   * ```
   */
  append(entry: Omit<AuditLeaf, 'index'>): Promise<number>;
  /**
   * Entries appended and the transactions that carried them, since the store was opened
   * (appends that arrive together share one transaction: `entries / transactions` is the
   * mean group size).
   *
   * @example
   * ```ts
   * const { entries, transactions } = store.audit.appendStats();
   * ```
   */
  appendStats(): AuditAppendStats;
  /**
   * Leaves with `start <= index < end`, in order (clamped to the log's size; at most
   * 10 000 per call).
   *
   * @example
   * ```ts
   * const leaves = await store.audit.read(0, await store.audit.size());
   * const root = treeHead(leaves.map((l) => l.leafHash));
   * ```
   */
  read(start: number, end: number): Promise<AuditLeaf[]>;
  /**
   * The leaf appended with `key` (the first, should a key repeat), or null.
   *
   * @example
   * ```ts
   * const leaf = await store.audit.findByKey(jti); // the mint entry a receipt covers
   * ```
   */
  findByKey(key: string): Promise<AuditLeaf | null>;
  /**
   * Number of leaves.
   *
   * @example
   * ```ts
   * const treeSize = await store.audit.size();
   * ```
   */
  size(): Promise<number>;
  /**
   * Stores a checkpoint; idempotent for the same tree size and root hash.
   * `store_conflict` when one with the same size but another root exists (a split view),
   * `store_invalid_argument` when the tree size exceeds the log.
   *
   * @example
   * ```ts
   * await store.audit.putCheckpoint({ treeSize, rootHash, signed: cosignedNote, createdAt: now });
   * ```
   */
  putCheckpoint(checkpoint: AuditCheckpoint): Promise<void>;
  /**
   * The checkpoint with the largest tree size, or null.
   *
   * @example
   * ```ts
   * const last = await store.audit.latestCheckpoint(); // the head a new one must extend
   * ```
   */
  latestCheckpoint(): Promise<AuditCheckpoint | null>;
  /**
   * The checkpoint of one tree size, or null.
   *
   * @example
   * ```ts
   * const checkpoint = await store.audit.getCheckpoint(receipt.treeSize);
   * ```
   */
  getCheckpoint(treeSize: number): Promise<AuditCheckpoint | null>;
}

/** Where the result of a mint request goes: a public JWK to seal it to, then the sealed token. */
export interface MintResult {
  readonly requestId: string;
  /** The requester's public key (JWK, X25519 or P-256) the token is sealed to. */
  readonly resultKey: JsonObject;
  /** The token as a compact JWE, once minted. */
  readonly sealed: string | null;
  readonly createdAt: Date;
}

/** Sealed results of mint requests. */
export interface MintResultStore {
  /**
   * Records the key to seal a request's token to; `store_conflict` when already set.
   *
   * @example
   * ```ts
   * await store.mintResults.create({ requestId, resultKey: jwk, createdAt: now });
   * ```
   */
  create(result: Omit<MintResult, 'sealed'>): Promise<void>;
  /**
   * Stores the sealed token once; `store_conflict` when already sealed, `store_not_found`
   * without a result key.
   *
   * @example
   * ```ts
   * await store.mintResults.seal(requestId, jwe);
   * ```
   */
  seal(requestId: string, sealed: string): Promise<void>;
  /**
   * The result of a request, or null.
   *
   * @example
   * ```ts
   * const result = await store.mintResults.get(requestId);
   * ```
   */
  get(requestId: string): Promise<MintResult | null>;
}

/** How many expired rows one sweep removed, per kind. */
export interface SweepCounts {
  readonly challenges: number;
  readonly replay: number;
  readonly rateLimits: number;
  readonly lockouts: number;
}

/**
 * All coordinator state. Every coordinator opens its own instance; with PostgreSQL any
 * number of them share one database.
 */
/**
 * Where a group configuration stands in the key lifecycle (stored, never inferred):
 * `next` is published in the JWKS and signs nothing yet; `current` signs every token (one
 * row at most); `retired` signed before and stays published until `publishUntil`;
 * `superseded` is an earlier epoch of a key that a share refresh replaced.
 */
export type GroupKeyState = 'next' | 'current' | 'retired' | 'superseded';

/** Who put a group configuration in the store. */
export type GroupConfigSource = 'ceremony' | 'file' | 'operator';

/** One stored group configuration (one key at one epoch) and its lifecycle. */
export interface StoredGroupConfig {
  readonly kid: string;
  /** The configuration's epoch (0 for a legacy version-1 configuration). */
  readonly epoch: number;
  readonly state: GroupKeyState;
  /** The group configuration document as the ceremony signed it. */
  readonly config: JsonObject;
  /**
   * The signer endpoints (`{id, address, tlsName}`) holding this key's shares; null: the
   * coordinator's configured signers.
   */
  readonly signers: JsonValue[] | null;
  readonly source: GroupConfigSource;
  readonly createdAt: Date;
  /** When it first appeared in the JWKS (as `next`, or directly as `current`). */
  readonly publishedAt: Date;
  /** When it started signing; null for a key that never did. */
  readonly activatedAt: Date | null;
  readonly retiredAt: Date | null;
  /** A retired key is published until then. */
  readonly publishUntil: Date | null;
}

/** What {@link GroupConfigStore.add} takes. */
export interface NewGroupConfig {
  readonly kid: string;
  readonly epoch: number;
  readonly config: JsonObject;
  /** The signer endpoints of the ceremony; absent: the key's stored ones, else the configured. */
  readonly signers?: JsonValue[];
  readonly source: GroupConfigSource;
}

/** The group configurations of every coordinator sharing this store (issue 17, key lifecycle). */
export interface GroupConfigStore {
  /**
   * Adds a configuration. A newer epoch of a `next` or `current` key takes that key's state
   * and supersedes the older epoch (share refresh, signer replacement); a new key becomes
   * `current` when there is none, `next` otherwise. Adding the same kid and epoch with the
   * same document again returns the stored row. `store_conflict` for another document at
   * a stored kid and epoch, or an epoch older than the live one; `store_invalid_transition`
   * for a key that was retired.
   *
   * @example
   * ```ts
   * const row = await store.groups.add({ kid: signed.kid, epoch: signed.epoch, config: signed, source: 'ceremony' });
   * ```
   */
  add(config: NewGroupConfig): Promise<StoredGroupConfig>;
  /**
   * Makes the `next` key `kid` current and retires the current one, published until
   * `publishUntil`, in one transaction. `store_not_found` when `kid` is not `next`.
   *
   * @example
   * ```ts
   * await store.groups.switchTo(next.kid, new Date(Date.now() + retainMs));
   * ```
   */
  switchTo(kid: string, publishUntil: Date): Promise<StoredGroupConfig>;
  /**
   * Stops publishing the `next` or `retired` key `kid` after `publishUntil` (now: at once).
   * `store_not_found` when `kid` is neither; `store_invalid_transition` for the current key.
   *
   * @example
   * ```ts
   * await store.groups.retire(abandoned.kid, new Date());
   * ```
   */
  retire(kid: string, publishUntil: Date): Promise<StoredGroupConfig>;
  /**
   * Every configuration not superseded: the current one, then next, then retired ones,
   * each newest first.
   *
   * @example
   * ```ts
   * const current = (await store.groups.list()).find((g) => g.state === 'current');
   * ```
   */
  list(): Promise<StoredGroupConfig[]>;
}

export interface CoordinatorStore {
  readonly backend: StoreBackend;
  readonly enrollments: EnrollmentStore;
  readonly mintRequests: MintRequestStore;
  readonly mintResults: MintResultStore;
  readonly approvals: ApprovalStore;
  readonly guardianCredentials: GuardianCredentialStore;
  readonly challenges: ChallengeStore;
  readonly replay: ReplayStore;
  readonly rateLimits: RateLimitStore;
  readonly audit: AuditStore;
  readonly groups: GroupConfigStore;
  /** Whether the store can take writes now (disk headroom, backend answering). */
  readonly health: StoreHealth;
  /**
   * Deletes expired challenges, replay entries, rate-limit windows and lock-outs. Call it
   * periodically (every minute or so) from one place per coordinator.
   *
   * @example
   * ```ts
   * setInterval(() => void store.sweepExpired().catch((err) => log.warn({ err }, 'sweep')), 60_000).unref();
   * ```
   */
  sweepExpired(): Promise<SweepCounts>;
  /**
   * Closes the backend; later calls fail with `store_closed`. Idempotent.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => void store.close());
   * ```
   */
  close(): Promise<void>;
}
