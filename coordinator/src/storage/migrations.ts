/**
 * The coordinator schema, as forward-only migrations. Rules: never edit or reorder a
 * released migration (its SHA-256 is recorded and checked at every start), only append a
 * new one with the next version; every migration must run on PostgreSQL 15+ and PGlite.
 */

/** One schema change. */
export interface Migration {
  /** 1, 2, 3, … in order, no gaps. */
  readonly version: number;
  /** Short snake_case description, recorded alongside the version. */
  readonly name: string;
  /** A script of one or more statements, run in the migration's transaction. */
  readonly sql: string;
}

const initialSchema = `
CREATE TABLE enrollments (
  credential_id           text PRIMARY KEY,
  user_id                 text NOT NULL,
  public_key              bytea NOT NULL,
  sign_count              bigint NOT NULL CHECK (sign_count >= 0),
  transports              jsonb NOT NULL,
  roles                   jsonb NOT NULL,
  certificate             bytea NOT NULL,
  certificate_expires_at  timestamptz NOT NULL,
  created_at              timestamptz NOT NULL,
  last_used_at            timestamptz,
  revoked_at              timestamptz,
  revocation_reason       text,
  CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);
CREATE INDEX enrollments_by_user ON enrollments (user_id, created_at);
CREATE INDEX enrollments_revoked ON enrollments (certificate_expires_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE mint_requests (
  id                  text PRIMARY KEY,
  requester           text NOT NULL,
  kind                text NOT NULL,
  signing_input       text NOT NULL,
  claims              jsonb NOT NULL,
  decision            jsonb NOT NULL,
  justification       text,
  required_approvals  integer NOT NULL CHECK (required_approvals >= 0),
  status              text NOT NULL
                      CHECK (status IN ('pending', 'approved', 'minted', 'denied', 'expired')),
  status_reason       text,
  evidence            jsonb,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  expires_at          timestamptz NOT NULL
);
CREATE INDEX mint_requests_pending ON mint_requests (created_at) WHERE status = 'pending';
CREATE INDEX mint_requests_open_expiry ON mint_requests (expires_at)
  WHERE status IN ('pending', 'approved');

CREATE TABLE approvals (
  request_id   text NOT NULL REFERENCES mint_requests (id) ON DELETE CASCADE,
  guardian_id  text NOT NULL,
  signature    bytea NOT NULL,
  created_at   timestamptz NOT NULL,
  CONSTRAINT approvals_one_per_guardian PRIMARY KEY (request_id, guardian_id)
);

CREATE TABLE webauthn_challenges (
  challenge   text PRIMARY KEY,
  purpose     text NOT NULL,
  user_id     text,
  request_id  text,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at);

CREATE TABLE replay_window (
  namespace   text NOT NULL,
  key         text NOT NULL,
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (namespace, key)
);
CREATE INDEX replay_window_expiry ON replay_window (expires_at);

CREATE TABLE rate_limits (
  key           text PRIMARY KEY,
  window_start  timestamptz NOT NULL,
  window_end    timestamptz NOT NULL,
  hits          bigint NOT NULL
);
CREATE INDEX rate_limits_expiry ON rate_limits (window_end);

CREATE TABLE lockouts (
  key           text PRIMARY KEY,
  failures      integer NOT NULL,
  window_end    timestamptz NOT NULL,
  locked_until  timestamptz
);

CREATE TABLE audit_log (
  idx         bigint PRIMARY KEY CHECK (idx >= 0),
  leaf_hash   bytea NOT NULL CHECK (octet_length(leaf_hash) = 32),
  entry_json  text NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE TABLE audit_log_size (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  size       bigint NOT NULL CHECK (size >= 0)
);
INSERT INTO audit_log_size (singleton, size) VALUES (true, 0);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
END
$fn$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE audit_checkpoints (
  tree_size   bigint PRIMARY KEY CHECK (tree_size >= 0),
  root_hash   bytea NOT NULL CHECK (octet_length(root_hash) = 32),
  signed      bytea NOT NULL,
  created_at  timestamptz NOT NULL
);
`;

/**
 * Results of WebAuthn mint requests: the token, sealed (JWE, ECDH-ES + A256GCM) to the key
 * the requesting CLI sent when it prepared the request, so the database never holds a usable
 * token and only that CLI can open it.
 */
const mintResults = `
CREATE TABLE mint_results (
  request_id  text PRIMARY KEY REFERENCES mint_requests (id) ON DELETE CASCADE,
  result_key  jsonb NOT NULL,
  sealed      text,
  created_at  timestamptz NOT NULL
);
`;

/**
 * Guardians' WebAuthn credentials (docs/approvals.md "Web approvals"): registered on the
 * coordinator's page, then bound to the guardian by a binding document their approval key
 * signed; and the WebAuthn proof of an approval made on the approval page (NULL for an
 * approval signed by the approval key).
 */
const guardianCredentials = `
CREATE TABLE guardian_credentials (
  credential_id    text PRIMARY KEY,
  guardian_kid     text NOT NULL,
  public_key       text NOT NULL,
  registration_id  text NOT NULL UNIQUE,
  sign_count       bigint NOT NULL CHECK (sign_count >= 0),
  binding          jsonb,
  not_after        timestamptz,
  created_at       timestamptz NOT NULL,
  bound_at         timestamptz,
  CHECK ((binding IS NULL) = (not_after IS NULL) AND (binding IS NULL) = (bound_at IS NULL))
);
CREATE INDEX guardian_credentials_bound ON guardian_credentials (not_after)
  WHERE binding IS NOT NULL;
ALTER TABLE approvals ADD COLUMN webauthn jsonb;
`;

/**
 * Explicit request kinds. Until now the flow of a request was inferred from its content (a
 * one-step request kept its poll record in `evidence`; a renewal's claims name its
 * credential), and `kind` said only what it mints (`token` or `enrollment`). `request_kind`
 * names the flow: every existing row gets what that inference gave it. For a rolling
 * upgrade the previous release keeps working: it still writes `kind` alone, and a trigger
 * fills in `request_kind` for its rows with the same inference — in this one place, until a
 * later migration drops it with the previous release gone.
 */
const requestKinds = `
CREATE FUNCTION mint_requests_legacy_kind(kind text, claims jsonb, evidence jsonb)
  RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE
    WHEN kind = 'token' AND evidence ->> 'secretSha256' IS NOT NULL THEN 'polled_mint'
    WHEN kind = 'token' THEN 'tap_mint'
    WHEN claims ->> 'credential_id' IS NOT NULL THEN 'renewal'
    ELSE 'enrollment'
  END
$fn$;
ALTER TABLE mint_requests ADD COLUMN request_kind text
  CHECK (request_kind IN ('tap_mint', 'polled_mint', 'enrollment', 'renewal'));
UPDATE mint_requests SET request_kind = mint_requests_legacy_kind(kind, claims, evidence);
ALTER TABLE mint_requests ALTER COLUMN request_kind SET NOT NULL;
CREATE FUNCTION mint_requests_fill_kind() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.request_kind IS NULL THEN
    NEW.request_kind := mint_requests_legacy_kind(NEW.kind, NEW.claims, NEW.evidence);
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER mint_requests_fill_kind BEFORE INSERT ON mint_requests
  FOR EACH ROW EXECUTE FUNCTION mint_requests_fill_kind();
`;

/**
 * Receipts (issue 14) are looked up by the token they cover — a mint's `jti`,
 * an enrollment certificate's `cert_id` — so each such audit entry's index is kept under that
 * key, written in the same transaction as the entry. The log itself is never updated: the
 * existing entries' keys are copied out of their JSON here.
 */
const auditReceiptKeys = `
CREATE TABLE audit_receipt_keys (
  key  text PRIMARY KEY,
  idx  bigint NOT NULL REFERENCES audit_log (idx)
);
INSERT INTO audit_receipt_keys (key, idx)
  SELECT COALESCE(e ->> 'jti', e ->> 'cert_id'), idx
    FROM (SELECT idx, entry_json::jsonb AS e FROM audit_log) AS entries
   WHERE e ->> 'type' IN ('mint', 'enrollment') AND COALESCE(e ->> 'jti', e ->> 'cert_id') IS NOT NULL
   ORDER BY idx
  ON CONFLICT (key) DO NOTHING;
`;

/**
 * Key lifecycle (issue 17): every group configuration a ceremony (or a boot-time
 * `group.json`) produced, with its state as a fact, never inferred: `next` (published in
 * the JWKS, signs nothing yet), `current` (signs every token; at most one row), `retired`
 * (signed before, published until `publish_until`), `superseded` (an earlier epoch of the
 * same key, replaced by a share refresh; its key is published through the newer epoch).
 * Version 1 (legacy, unsigned) configurations have no epoch: stored as epoch 0. `signers`:
 * the signer endpoints that hold the key's shares (a new DKG runs on a new signer set, since
 * a signer holds one key); NULL means the coordinator's configured `signers`.
 */
const groupConfigs = `
CREATE TABLE group_configs (
  kid            text NOT NULL,
  epoch          integer NOT NULL CHECK (epoch >= 0),
  state          text NOT NULL CHECK (state IN ('next', 'current', 'retired', 'superseded')),
  config         jsonb NOT NULL,
  signers        jsonb,
  source         text NOT NULL CHECK (source IN ('ceremony', 'file', 'operator')),
  created_at     timestamptz NOT NULL,
  published_at   timestamptz NOT NULL,
  activated_at   timestamptz,
  retired_at     timestamptz,
  publish_until  timestamptz,
  PRIMARY KEY (kid, epoch),
  CHECK ((state = 'retired') = (retired_at IS NOT NULL AND publish_until IS NOT NULL)),
  CHECK (state <> 'current' OR activated_at IS NOT NULL)
);
CREATE UNIQUE INDEX group_configs_one_current ON group_configs ((state)) WHERE state = 'current';
CREATE UNIQUE INDEX group_configs_one_live_epoch ON group_configs (kid)
  WHERE state IN ('next', 'current');
`;

/** Every migration, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial_schema', sql: initialSchema },
  { version: 2, name: 'mint_results', sql: mintResults },
  { version: 3, name: 'guardian_credentials', sql: guardianCredentials },
  { version: 4, name: 'request_kinds', sql: requestKinds },
  { version: 5, name: 'audit_receipt_keys', sql: auditReceiptKeys },
  { version: 6, name: 'group_configs', sql: groupConfigs },
];
