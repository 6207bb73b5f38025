import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type GroupJwk,
  groupJwk,
  InvalidRequestError,
  parseGroupConfig,
  writeFileAtomic,
} from '@frostmint/core';
import { z } from 'zod';

/** Where the keyring remembers the keys it published (in the coordinator's state directory). */
export const KEYRING_FILE = 'jwks-keyring.json';
/** A new DKG's group configuration, published before it signs anything (`next`). */
export const NEXT_GROUP_FILE = 'group.next.json';
/** The largest clock tolerance verifiers accept (the SDKs' cap): a retired key outlives its tokens by it. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 300;

const JwkSchema = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().min(1),
    kid: z.string().min(1),
    alg: z.literal('EdDSA'),
    use: z.literal('sig'),
  })
  .strict();
const KeyringFileSchema = z
  .object({
    version: z.literal(1),
    current: JwkSchema,
    /** Keys that signed before the current one, published until `retireAfter` (unix s). */
    retired: z.array(z.object({ jwk: JwkSchema, retireAfter: z.number().int() }).strict()),
  })
  .strict();
type KeyringFile = z.infer<typeof KeyringFileSchema>;

/** Options of {@link JwksKeyring.open}. */
export interface JwksKeyringOptions {
  readonly stateDir: string;
  /** The key the coordinator signs with now (from `group.json`). */
  readonly current: GroupJwk;
  /**
   * How long a replaced key stays published, seconds: the longest token lifetime plus the
   * verifiers' clock tolerance, so every token it signed verifies until it expires.
   */
  readonly retainSeconds: number;
  readonly now?: () => number;
}

/**
 * The keys the JWKS publishes across a rotation (like Vault's `verification_ttl`):
 *
 * - **current** — the group key that signs now;
 * - **next** — a new DKG's key from `group.next.json`, published before it signs anything,
 *   so verifiers' caches hold it by the switch;
 * - **retired** — a key that signed before the current one, kept until every token it
 *   signed has expired (`retainSeconds` after the switch), then dropped for good.
 *
 * A switch is noticed when the coordinator starts with another `group.json` than the one
 * the keyring last saw (`jwks-keyring.json` in the state directory).
 *
 * @example
 * ```ts
 * const keyring = await JwksKeyring.open({ stateDir, current: jwk, retainSeconds: 900 + 300 });
 * app.get('/.well-known/jwks.json', () => ({ keys: keyring.keys() }));
 * ```
 */
export class JwksKeyring {
  private constructor(
    private state: KeyringFile,
    private readonly next: GroupJwk | undefined,
    private readonly now: () => number,
  ) {}

  static async open(options: JwksKeyringOptions): Promise<JwksKeyring> {
    const now = options.now ?? Date.now;
    const path = join(options.stateDir, KEYRING_FILE);
    const seen = await readJson(path, KeyringFileSchema);
    const at = Math.floor(now() / 1000);
    const retired = (seen?.retired ?? []).filter(
      (r) => r.jwk.kid !== options.current.kid && r.retireAfter > at,
    );
    if (seen && seen.current.kid !== options.current.kid) {
      retired.unshift({ jwk: seen.current, retireAfter: at + options.retainSeconds });
    }
    const state: KeyringFile = { version: 1, current: options.current, retired };
    await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`);
    const next = await readNext(options.stateDir);
    return new JwksKeyring(state, next?.kid === options.current.kid ? undefined : next, now);
  }

  /** The published keys: current first, then next, then retired ones not yet expired. */
  keys(): GroupJwk[] {
    const at = Math.floor(this.now() / 1000);
    const retired = this.state.retired.filter((r) => r.retireAfter > at).map((r) => r.jwk);
    return [this.state.current, ...(this.next ? [this.next] : []), ...retired];
  }
}

async function readNext(stateDir: string): Promise<GroupJwk | undefined> {
  const path = join(stateDir, NEXT_GROUP_FILE);
  const json = await readJson(path, z.unknown());
  if (json === undefined) return undefined;
  const config = await parseGroupConfig(json, path);
  const jwk = await groupJwk(Buffer.from(config.groupKey, 'base64url'));
  if (jwk.kid !== config.kid) {
    throw new InvalidRequestError('group_config_invalid', `${path}: kid does not match its key`);
  }
  return jwk;
}

async function readJson<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidRequestError('config_invalid', `${path} is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InvalidRequestError('config_invalid', `${path} is malformed`);
  return parsed.data;
}
