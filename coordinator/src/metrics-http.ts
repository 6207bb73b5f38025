import { FrostmintError } from '@frostmint/core';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.ts';

/**
 * Times every HTTP request into `frostmint_http_request_duration_seconds`, labelled by the
 * matched route template (`/v1/requests/:id`, never the raw URL, so the label set stays
 * bounded; requests that match no route are `unmatched`), method and status class.
 *
 * @example
 * ```ts
 * instrumentHttp(app, metrics);
 * ```
 */
export function instrumentHttp(app: FastifyInstance, metrics: Pick<Metrics, 'httpDuration'>): void {
  app.addHook('onResponse', async (request, reply) => {
    const matched = request.routeOptions.url;
    metrics.httpDuration.observe(
      {
        route: matched ?? 'unmatched',
        method: matched ? request.method : 'other',
        status_class: `${Math.floor(reply.statusCode / 100)}xx`,
      },
      reply.elapsedTime / 1000,
    );
  });
}

/**
 * Times one mint into `frostmint_mint_duration_seconds` and counts failures in
 * `frostmint_mints_total` (successes are counted where the token is issued). The outcome
 * is `ok`, `pending` (waits for approvals) or the stable error code.
 *
 * @example
 * ```ts
 * const minted = await timeMint(metrics, () => mints.mint(requester, body, sourceAddressOf(request)));
 * ```
 */
export async function timeMint<T extends object>(
  metrics: Pick<Metrics, 'mintDuration' | 'mints'>,
  mint: () => Promise<T>,
): Promise<T> {
  const end = metrics.mintDuration.startTimer();
  try {
    const minted = await mint();
    end({ outcome: 'request_id' in minted ? 'pending' : 'ok' });
    return minted;
  } catch (err) {
    const outcome = err instanceof FrostmintError ? err.code : 'internal';
    end({ outcome });
    metrics.mints.inc({ outcome });
    throw err;
  }
}
