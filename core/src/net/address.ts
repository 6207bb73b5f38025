import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * An IP address in one canonical text form, so policy (Rego's `net.cidr_contains`), logs
 * and address ranges all see the same string: IPv4 dotted quad; IPv6 lowercase and
 * zero-compressed (RFC 5952 §4); an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291
 * §2.5.5.2, what a dual-stack socket reports for an IPv4 peer) as its IPv4 address; an
 * IPv6 zone index (`%eth0`, RFC 4007 §11) dropped. Anything else — a port, brackets,
 * spaces, leading zeros, `127.1` — is not an address: `undefined`.
 *
 * @example
 * ```ts
 * canonicalIpAddress('::ffff:127.0.0.1'); // '127.0.0.1'
 * canonicalIpAddress('2001:DB8:0:0::1'); // '2001:db8::1'
 * canonicalIpAddress('1.2.3.4:80'); // undefined
 * ```
 */
export function canonicalIpAddress(text: string): string | undefined {
  const family = isIP(text);
  if (family === 4) return text;
  if (family !== 6) return undefined;
  const zone = text.indexOf('%');
  const bare = zone === -1 ? text : text.slice(0, zone);
  // The WHATWG URL host serializer writes IPv6 lowercase with the longest zero run compressed.
  const host = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!mapped) return host;
  const hi = Number.parseInt(mapped[1]!, 16);
  const lo = Number.parseInt(mapped[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** An address range in CIDR notation (RFC 4632 §3.1, RFC 4291 §2.3), parsed. */
export interface Cidr {
  /** The range's address (host bits are ignored when matching, as `net.cidr_contains` does). */
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/**
 * Parses `address/prefix` (`10.0.0.0/8`, `2001:db8::/32`; a single address is `/32` or
 * `/128`); `undefined` when it is not one. The prefix is required, so a range is never
 * mistaken for one address.
 *
 * @example
 * ```ts
 * parseCidr('fd00::/8'); // { address: 'fd00::', prefix: 8, family: 'ipv6' }
 * ```
 */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^([^/]+)\/(0|[1-9][0-9]{0,2})$/.exec(text);
  if (!match) return undefined;
  const family = isIP(match[1]!);
  const prefix = Number(match[2]);
  if (family === 0 || match[1]!.includes('%') || prefix > (family === 4 ? 32 : 128)) {
    return undefined;
  }
  return { address: match[1]!, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/** A CIDR range in configuration or policy data (validated with {@link parseCidr}). */
export const CidrSchema = z.string().refine((s) => parseCidr(s) !== undefined, {
  message: 'not a CIDR range such as 10.0.0.0/8 or 2001:db8::/32 (one address: /32 or /128)',
});

/**
 * A set of CIDR ranges to test addresses against (node's `BlockList`); an IPv4-mapped IPv6
 * address matches the IPv4 ranges.
 *
 * @example
 * ```ts
 * const proxies = new AddressRanges(['10.0.0.0/8', 'fd00::/8']);
 * proxies.contains('10.1.2.3'); // true
 * ```
 */
export class AddressRanges {
  readonly #list = new BlockList();
  readonly #empty: boolean;

  /** Throws `TypeError` naming a range that is not CIDR notation (validate config first). */
  constructor(ranges: readonly string[]) {
    for (const text of ranges) {
      const cidr = parseCidr(text);
      if (!cidr) throw new TypeError(`not a CIDR range: ${text}`);
      this.#list.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
    this.#empty = ranges.length === 0;
  }

  /** Whether `address` (any form {@link canonicalIpAddress} takes) lies in one of the ranges. */
  contains(address: string): boolean {
    const canonical = canonicalIpAddress(address);
    if (this.#empty || canonical === undefined) return false;
    return this.#list.check(canonical, isIP(canonical) === 4 ? 'ipv4' : 'ipv6');
  }
}
