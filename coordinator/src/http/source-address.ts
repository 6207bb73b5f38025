import {
  AddressRanges,
  CidrSchema,
  canonicalIpAddress,
  FrostmintError,
  InternalError,
  InvalidRequestError,
} from '@frostmint/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';

/**
 * Config `trustedProxies`: the reverse proxies (CIDR ranges) whose `X-Forwarded-For` the
 * coordinator believes. Empty (the default): the client address is always the TCP peer.
 */
export const TrustedProxiesSchema = z.array(CidrSchema).max(256).optional();

/** What one connection and its headers say about the client. */
export interface ClientAddressFacts {
  /** The TCP peer (`socket.remoteAddress`); undefined once the socket is gone. */
  readonly peer: string | undefined;
  /** The `X-Forwarded-For` header(s) as received. */
  readonly forwardedFor: string | readonly string[] | undefined;
}

/**
 * The client's address, canonical (`canonicalIpAddress`): the TCP peer, unless the peer is a
 * trusted proxy; then `X-Forwarded-For` is walked from the right (each proxy appends the
 * address it received the request from) and the first hop that is not a trusted proxy is
 * the client. Hops left of it were written by the client or untrusted proxies and are
 * never read, so a client cannot spoof its address or break the parse by sending its own
 * header through a trusted proxy. When every hop is a trusted proxy, the leftmost is the
 * client. A hop that is reached and is not a bare IP address (a port, brackets, `unknown`,
 * an empty element) was written by a trusted proxy: the header is refused
 * (`forwarded_for_invalid`, fail closed) rather than guessed at. RFC 7239 `Forwarded` is not
 * read.
 *
 * @example
 * ```ts
 * const trusted = new AddressRanges(['10.0.0.0/8']);
 * clientAddress({ peer: '10.0.0.2', forwardedFor: '1.2.3.4, 203.0.113.9, 10.0.0.3' }, trusted); // '203.0.113.9'
 * clientAddress({ peer: '198.51.100.7', forwardedFor: '10.0.0.9' }, trusted); // '198.51.100.7'
 * ```
 */
export function clientAddress(facts: ClientAddressFacts, trusted: AddressRanges): string {
  const peer = facts.peer === undefined ? undefined : canonicalIpAddress(facts.peer);
  if (peer === undefined) {
    throw new InternalError('internal', 'the connection has no peer address (it is closed)');
  }
  const header =
    typeof facts.forwardedFor === 'string' ? facts.forwardedFor : facts.forwardedFor?.join(',');
  if (!trusted.contains(peer) || header === undefined || header.trim() === '') return peer;
  const hops = header.split(',');
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = canonicalIpAddress(hops[i]!.trim());
    if (hop === undefined) {
      throw new InvalidRequestError(
        'forwarded_for_invalid',
        `X-Forwarded-For hop ${hops.length - i} from the right is not an IP address`,
      );
    }
    client = hop;
    if (!trusted.contains(hop)) break;
  }
  return client;
}

const ADDRESSES = new WeakMap<FastifyRequest, string | FrostmintError>();

/**
 * The requester's address as a policy input (`request.source_address`): derived for every
 * request by {@link clientAddress} from the socket and the trusted proxies, and read back
 * with {@link sourceAddressOf} by the routes that mint.
 *
 * @example
 * ```ts
 * new SourceAddresses(config.trustedProxies).register(app);
 * app.post('/v1/mint', async (request) => mints.mint(requester, body, sourceAddressOf(request)));
 * ```
 */
export class SourceAddresses {
  readonly #trusted: AddressRanges;

  constructor(trustedProxies: readonly string[]) {
    this.#trusted = new AddressRanges(trustedProxies);
  }

  /** Derives each request's address before its route runs (errors surface only where read). */
  register(app: FastifyInstance): void {
    app.addHook('onRequest', async (request) => {
      try {
        ADDRESSES.set(
          request,
          clientAddress(
            {
              peer: request.socket.remoteAddress,
              forwardedFor: request.headers['x-forwarded-for'],
            },
            this.#trusted,
          ),
        );
      } catch (err) {
        if (!(err instanceof FrostmintError)) throw err;
        ADDRESSES.set(request, err);
      }
    });
  }
}

/**
 * The address {@link SourceAddresses} derived for `request`; throws its error
 * (`forwarded_for_invalid`), or `internal` when none was derived (fail closed).
 *
 * @example
 * ```ts
 * const source = sourceAddressOf(request); // '203.0.113.9'
 * ```
 */
export function sourceAddressOf(request: FastifyRequest): string {
  const address = ADDRESSES.get(request);
  if (address === undefined) {
    throw new InternalError('internal', 'no source address was derived for this request');
  }
  if (address instanceof FrostmintError) throw address;
  return address;
}
