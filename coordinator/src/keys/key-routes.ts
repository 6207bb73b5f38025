import { ConflictError, InvalidRequestError, parseGroupConfig } from '@frostmint/core';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RequesterAuthenticator } from '../auth/types.ts';
import { type SignerEndpoint, SignerEndpointSchema } from '../config.ts';
import { InputJson, parseInput } from '../http/input.ts';
import type { StoredGroupConfig } from '../storage/index.ts';
import type { GroupLifecycle } from './group-lifecycle.ts';
import type { GroupRuntime, LiveGroup } from './live-group.ts';

/** Path parameter of the per-key operations: the RFC 7638 thumbprint. */
export const KeyParamsSchema = z.object({ kid: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }).strict();
/** Body of switch and retire. */
export const KeyChangeBodySchema = z
  .object({
    /** switch: before the pre-publish window; retire: a retired key still in retention. */
    force: z.boolean().default(false),
  })
  .strict();
/** Body of `POST /v1/keys`: a signed group configuration a ceremony produced. */
export const PublishKeyBodySchema = z
  .object({
    group_config: InputJson,
    /** The signers holding its shares, when not the configured ones (a new signer set). */
    signers: z.array(SignerEndpointSchema).min(2).optional(),
  })
  .strict();

/** Options of {@link registerKeyRoutes}. */
export interface KeyRoutes {
  readonly lifecycle: GroupLifecycle;
  readonly live: Pick<LiveGroup<GroupRuntime>, 'runtime' | 'keys' | 'reload'>;
  /** The operator credential, as for enrollments. */
  readonly operator: RequesterAuthenticator;
  /**
   * How many signers of `endpoints` (the configured ones when absent), asked over mTLS,
   * hold the key `kid` with this group public key.
   */
  readonly holders: (
    kid: string,
    groupKey: Buffer,
    endpoints: readonly SignerEndpoint[] | undefined,
  ) => Promise<number>;
}

/**
 * The operator's key lifecycle API, each call authenticated with the operator credential
 * (the one that starts enrollments):
 *
 * - `GET /v1/keys`: the stored group keys and the one this replica signs with;
 * - `POST /v1/keys`: pre-publish a new DKG's signed configuration (it becomes `next`;
 *   a newer epoch of a stored key replaces it in place — a refresh), once at least
 *   `threshold` of its signers say over mTLS that they hold that key;
 * - `POST /v1/keys/:kid/switch`: the next key signs from now on; the old one is retired;
 * - `POST /v1/keys/:kid/retire`: stop publishing a next key, or a retired key whose
 *   retention is over (`force` for a compromised key).
 *
 * Every change goes to the store; this replica reloads at once, the others at their next
 * poll.
 *
 * @example
 * ```ts
 * registerKeyRoutes(app, { lifecycle, live, operator, holders });
 * ```
 */
export function registerKeyRoutes(app: FastifyInstance, routes: KeyRoutes): void {
  const { lifecycle, live, operator } = routes;
  const listed = async () => {
    const signing = live.runtime?.entry.row;
    const published = new Set(live.keys().map((k) => k.kid));
    return {
      signing: signing ? { kid: signing.kid, epoch: signing.epoch } : null,
      keys: (await lifecycle.list()).map((row) => keyView(row, published.has(row.kid))),
    };
  };
  app.get('/v1/keys', async (request) => {
    await operator.authenticate(request);
    return listed();
  });
  app.post('/v1/keys', async (request, reply) => {
    await operator.authenticate(request);
    const body = parseInput(PublishKeyBodySchema, request.body, 'body');
    const config = await parseGroupConfig(body.group_config, 'body.group_config');
    // The JWKS is what verifiers trust: publish only a key a quorum of signers holds, made
    // by a guardian ceremony (signed configuration), never a key someone brought along.
    if (config.version !== 2) {
      throw new InvalidRequestError(
        'group_config_invalid',
        'only a signed (version 2) group configuration can be published',
      );
    }
    const held = await routes.holders(
      config.kid,
      Buffer.from(config.groupKey, 'base64url'),
      body.signers,
    );
    if (held < config.threshold) {
      throw new ConflictError(
        'group_key_not_held',
        `only ${held} signer(s) hold ${config.kid}; ${config.threshold} must before it is published`,
      );
    }
    const row = await lifecycle.record(config, 'operator', body.signers);
    await live.reload();
    void reply.status(201);
    return keyView(
      row,
      live.keys().some((k) => k.kid === row.kid),
    );
  });
  for (const action of ['switch', 'retire'] as const) {
    app.post(`/v1/keys/:kid/${action}`, async (request) => {
      await operator.authenticate(request);
      const { kid } = parseInput(KeyParamsSchema, request.params, 'path');
      const change = parseInput(KeyChangeBodySchema, request.body ?? {}, 'body');
      await (action === 'switch' ? lifecycle.switchTo(kid, change) : lifecycle.retire(kid, change));
      await live.reload();
      return listed();
    });
  }
}

function keyView(row: StoredGroupConfig, published: boolean) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    kid: row.kid,
    epoch: row.epoch,
    state: row.state,
    published,
    source: row.source,
    published_at: row.publishedAt.toISOString(),
    activated_at: iso(row.activatedAt),
    retired_at: iso(row.retiredAt),
    publish_until: iso(row.publishUntil),
  };
}
