import { gzipSync } from 'node:zlib';
import { FrostmintError, NotFoundError } from '@frostmint/core';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { TileSource } from '../audit/log-tiles.ts';
import type { Receipts } from '../audit/receipts.ts';
import { parseTilePath } from '../audit/tiles.ts';
import { InputText, parseInput } from './input.ts';

/** What the audit routes serve from. */
export interface AuditRoutesOptions {
  readonly receipts: Receipts;
  readonly tiles: TileSource;
}

/** `GET /v1/audit/receipts/:jti`: a mint's `jti` or an enrollment's `cert_id`. */
export const ReceiptParamsSchema = z.object({ jti: InputText.min(1).max(256) }).strict();

/** `GET /audit/tile/*`: the tile path after `/audit/` (C2SP tlog-tiles). */
export const TileParamsSchema = z.object({ path: InputText.min(1).max(512) }).strict();

/** C2SP tlog-tiles: full tiles and bundles never change; cache them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** A partial tile is replaced by the full one (and may then go): revalidate it. */
const PARTIAL = 'public, max-age=60';
/** C2SP tlog-tiles: the checkpoint is mutable, "no caching beyond a few seconds". */
const CHECKPOINT = 'public, max-age=2';

/**
 * The audit log's public read API: receipts (`GET /v1/audit/receipts/:jti`, 409
 * `receipt_pending` with `Retry-After: 1` until a checkpoint covers the entry) and the log as
 * C2SP tlog-tiles under `/audit/` (`checkpoint`, `tile/<L>/<N>[.p/<W>]`,
 * `tile/entries/<N>[.p/<W>]`) with the spec's caching.
 *
 * @example
 * ```ts
 * registerAuditRoutes(app, { receipts, tiles });
 * ```
 */
export function registerAuditRoutes(app: FastifyInstance, options: AuditRoutesOptions): void {
  app.get('/v1/audit/receipts/:jti', async (request, reply) => {
    const { jti } = parseInput(ReceiptParamsSchema, request.params, 'params');
    try {
      return await options.receipts.receipt(jti);
    } catch (err) {
      if (err instanceof FrostmintError && err.code === 'receipt_pending') {
        void reply.header('retry-after', 1);
      }
      throw err;
    }
  });

  app.get('/audit/checkpoint', async (_request, reply) => {
    const note = await options.tiles.checkpoint();
    if (note === null) throw new NotFoundError('checkpoint_missing', 'no signed checkpoint yet');
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('cache-control', CHECKPOINT)
      .send(Buffer.from(note));
  });

  app.get('/audit/tile/*', async (request, reply) => {
    const { path } = parseInput(
      TileParamsSchema,
      { path: (request.params as { '*': string })['*'] },
      'params',
    );
    const tile = parseTilePath(`tile/${path}`);
    const bytes = tile && (await options.tiles.tile(tile));
    if (!tile || !bytes) {
      throw new NotFoundError('tile_not_found', 'no such tile under the latest checkpoint');
    }
    void reply
      .header('content-type', 'application/octet-stream')
      .header('cache-control', tile.width === 256 ? IMMUTABLE : PARTIAL);
    // C2SP tlog-tiles: entry bundles SHOULD be compressed at the HTTP layer.
    if (tile.kind === 'entries') {
      void reply.header('vary', 'accept-encoding');
      if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
        return reply.header('content-encoding', 'gzip').send(gzipSync(bytes));
      }
    }
    return reply.send(Buffer.from(bytes));
  });
}
