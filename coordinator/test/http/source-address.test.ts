/**
 * The client address policy sees (`request.source_address`): the TCP peer, or the client
 * behind trusted proxies by the right-to-left `X-Forwarded-For` walk — attacked with spoofed,
 * chained, IPv6 and malformed headers, through a real Fastify app and a real socket.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AddressRanges, FrostmintError } from '@frostmint/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyWithError } from '../../src/http/errors.ts';
import {
  clientAddress,
  SourceAddresses,
  sourceAddressOf,
  TrustedProxiesSchema,
} from '../../src/http/source-address.ts';

/** The load balancers: an IPv4 and an IPv6 range. */
const trusted = new AddressRanges(['10.0.0.0/8', 'fd00:aa::/32']);
const derive = (peer: string | undefined, forwardedFor?: string | string[]) =>
  clientAddress({ peer, forwardedFor }, trusted);

/** The error `call` throws (or fails the test). */
function thrown(call: () => unknown): FrostmintError {
  try {
    call();
  } catch (err) {
    expect(err).toBeInstanceOf(FrostmintError);
    return err as FrostmintError;
  }
  throw new Error('expected an error');
}

describe('clientAddress', () => {
  it('is the TCP peer when no proxy is trusted or the header is absent', () => {
    expect(
      clientAddress({ peer: '203.0.113.9', forwardedFor: '10.1.1.1' }, new AddressRanges([])),
    ).toBe('203.0.113.9');
    expect(derive('10.0.0.2')).toBe('10.0.0.2');
    expect(derive('10.0.0.2', '')).toBe('10.0.0.2');
    expect(derive('10.0.0.2', '  ')).toBe('10.0.0.2');
  });

  it('ignores X-Forwarded-For from an untrusted peer: a client cannot spoof its address', () => {
    expect(derive('198.51.100.7', '10.0.0.5')).toBe('198.51.100.7');
    expect(derive('198.51.100.7', '127.0.0.1, 10.0.0.5')).toBe('198.51.100.7');
    // Even a malformed header: it is never read.
    expect(derive('198.51.100.7', 'garbage, [::1]:80,,')).toBe('198.51.100.7');
  });

  it('takes the hop a trusted proxy appended', () => {
    expect(derive('10.0.0.2', '203.0.113.9')).toBe('203.0.113.9');
  });

  it('walks a chain of trusted proxies right to left and stops at the first untrusted hop', () => {
    // client → 10.0.0.3 → 10.0.0.2 (peer); the client prepended its own guesses.
    expect(derive('10.0.0.2', '10.9.9.9, 127.0.0.1, 203.0.113.9, 10.0.0.3')).toBe('203.0.113.9');
    // Hops left of the client are the client's own words and are never parsed.
    expect(derive('10.0.0.2', 'not-an-ip, 1.2.3.4:80, 203.0.113.9, 10.0.0.3')).toBe('203.0.113.9');
  });

  it('joins repeated X-Forwarded-For headers in order', () => {
    expect(derive('10.0.0.2', ['198.51.100.1', '203.0.113.9, 10.0.0.3'])).toBe('203.0.113.9');
  });

  it('answers the leftmost hop when every hop is a trusted proxy', () => {
    expect(derive('10.0.0.2', '10.0.0.9, 10.0.0.3')).toBe('10.0.0.9');
  });

  it('handles IPv6 peers and hops, canonically, and IPv4-mapped peers as IPv4', () => {
    expect(derive('fd00:aa::1', '2001:DB8:0:0::7')).toBe('2001:db8::7');
    expect(derive('fd00:aa::1', '2001:db8::7, fd00:aa::2')).toBe('2001:db8::7');
    expect(derive('::ffff:10.0.0.2', '2001:db8::7')).toBe('2001:db8::7');
    expect(derive('::ffff:198.51.100.7', '10.0.0.5')).toBe('198.51.100.7');
    expect(derive('10.0.0.2', '::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(derive('fe80::1%eth0')).toBe('fe80::1');
  });

  it.each([
    ['a port', '203.0.113.9:443'],
    ['brackets', '[2001:db8::7]'],
    ['a bracketed IPv6 address with a port', '[2001:db8::7]:443'],
    ['an obfuscated address', 'unknown'],
    ['an empty element', '203.0.113.9,,10.0.0.3'],
    ['a trailing comma', '203.0.113.9,'],
    ['a non-decimal IPv4 form', '0x7f.0.0.1'],
    ['a range', '203.0.113.0/24'],
  ])('refuses a header whose reached hop has %s (forwarded_for_invalid)', (_what, header) => {
    const err = thrown(() => derive('10.0.0.2', header));
    expect([err.code, err.status]).toEqual(['forwarded_for_invalid', 400]);
    expect(err.message).not.toContain(header);
  });

  it('fails closed without a peer address (closed socket)', () => {
    expect(thrown(() => derive(undefined, '203.0.113.9')).code).toBe('internal');
  });

  it('validates the trusted proxy list as CIDR ranges', () => {
    expect(TrustedProxiesSchema.parse(['10.0.0.0/8', '::1/128'])).toEqual([
      '10.0.0.0/8',
      '::1/128',
    ]);
    expect(TrustedProxiesSchema.safeParse(['10.0.0.1']).success).toBe(false);
    expect(TrustedProxiesSchema.safeParse(['10.0.0.0/40']).success).toBe(false);
  });
});

describe('SourceAddresses on a Fastify app', () => {
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    app = Fastify();
    app.setErrorHandler(replyWithError);
    new SourceAddresses(['127.0.0.2/32', '10.0.0.0/8']).register(app);
    app.get('/whoami', async (request) => ({ source_address: sourceAddressOf(request) }));
    app.get('/health', async () => ({ ok: true }));
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
  });

  /** GET over a real socket bound to `localAddress` (any 127/8 address is this machine). */
  const get = (path: string, localAddress: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const { port } = app.server.address() as AddressInfo;
      const req = httpRequest({ host: '127.0.0.1', port, path, localAddress, headers }, (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end();
    });

  it('is the socket peer; a spoofed header from an untrusted peer changes nothing', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    expect(await get('/whoami', '127.0.0.1')).toEqual({
      status: 200,
      body: { source_address: '127.0.0.1' },
    });
    expect(
      await get('/whoami', '127.0.0.1', { 'x-forwarded-for': '10.0.0.5, 203.0.113.9' }),
    ).toEqual({ status: 200, body: { source_address: '127.0.0.1' } });
  });

  it('believes the header from a trusted proxy peer', async () => {
    expect(
      await get('/whoami', '127.0.0.2', { 'x-forwarded-for': '203.0.113.9, 10.0.0.3' }),
    ).toEqual({
      status: 200,
      body: { source_address: '203.0.113.9' },
    });
  });

  it('refuses a malformed header from a trusted proxy where the address is read, nowhere else', async () => {
    const bad = { 'x-forwarded-for': '203.0.113.9:5555' };
    const refused = await get('/whoami', '127.0.0.2', bad);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('forwarded_for_invalid');
    expect((await get('/health', '127.0.0.2', bad)).status).toBe(200);
  });

  it('fails closed where no address was derived', async () => {
    const bare = Fastify();
    bare.setErrorHandler(replyWithError);
    bare.get('/whoami', async (request) => ({ source_address: sourceAddressOf(request) }));
    const res = await bare.inject({ method: 'GET', url: '/whoami' });
    expect([res.statusCode, res.json().error]).toEqual([500, 'internal']);
    await bare.close();
  });
});
