import type { FastifyInstance } from 'fastify';

/** One served route: method and URL pattern (`/v1/mint/requests/:id`, `/audit/tile/*`). */
export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  /**
   * Matches a concrete path (each `:param` one segment of 1 to `maxParamLength` chars, a
   * final `*` the rest of the path).
   */
  readonly pattern: RegExp;
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

/**
 * Starts recording the routes `app` serves; call before registering any. The table answers
 * 405 with `Allow` (see `allowedMethods`) and lets tests enumerate every route.
 *
 * @example
 * ```ts
 * const app = Fastify();
 * trackRoutes(app);
 * ```
 */
export function trackRoutes(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  tables.set(app, table);
  const maxParamLength = app.initialConfig.routerOptions?.maxParamLength;
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      table.push({ method, url: route.url, pattern: patternOf(route.url, maxParamLength ?? 100) });
  });
}

/**
 * The routes `app` serves (recorded by `trackRoutes`), in registration order.
 *
 * @example
 * ```ts
 * for (const { method, url } of routesOf(app)) console.log(method, url);
 * ```
 */
export function routesOf(app: FastifyInstance): readonly RouteEntry[] {
  return tables.get(app) ?? [];
}

/**
 * The methods some route of `app` serves at `path` (no query), e.g. `['POST']`; empty when
 * no route matches the path at all.
 *
 * @example
 * ```ts
 * allowedMethods(app, '/v1/mint'); // ['POST']
 * ```
 */
export function allowedMethods(app: FastifyInstance, path: string): string[] {
  const methods = routesOf(app)
    .filter((r) => r.pattern.test(path))
    .map((r) => r.method);
  return [...new Set(methods)].sort();
}

function patternOf(url: string, maxParamLength: number): RegExp {
  const source = url
    .split('/')
    .map((segment) =>
      segment.startsWith(':')
        ? `[^/]{1,${maxParamLength}}`
        : segment === '*'
          ? '.+'
          : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}
