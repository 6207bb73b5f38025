import { describe, expect, it } from 'vitest';
import { AddressRanges, CidrSchema, canonicalIpAddress, parseCidr } from '../../src/index.ts';

describe('canonicalIpAddress', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('%s → %s', (text, canonical) => {
    expect(canonicalIpAddress(text)).toBe(canonical);
  });

  it.each([
    '',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.4:80',
    '[::1]',
    '[::1]:443',
    '010.0.0.1',
    '127.1',
    '0x7f.0.0.1',
    '256.0.0.1',
    '1.2.3.4%eth0',
    '10.0.0.0/8',
    'localhost',
    'unknown',
    '::1::1',
  ])('rejects %j', (text) => {
    expect(canonicalIpAddress(text)).toBeUndefined();
  });
});

describe('parseCidr and CidrSchema', () => {
  it('parses IPv4 and IPv6 ranges', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('2001:db8::/32')).toEqual({
      address: '2001:db8::',
      prefix: 32,
      family: 'ipv6',
    });
    expect(parseCidr('0.0.0.0/0')?.prefix).toBe(0);
    expect(parseCidr('::1/128')?.prefix).toBe(128);
  });

  it.each([
    '10.0.0.1',
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/08',
    '10.0.0.0/-1',
    '10.0.0.0/8/8',
    '10.0.0/8',
    'fe80::%eth0/64',
    '10.0.0.0/ 8',
    '',
  ])('rejects %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
    expect(CidrSchema.safeParse(text).success).toBe(false);
  });
});

describe('AddressRanges', () => {
  const ranges = new AddressRanges(['10.0.0.0/8', '192.0.2.7/32', '2001:db8::/32']);

  it('matches IPv4, IPv6 and IPv4-mapped IPv6 addresses by range', () => {
    expect(ranges.contains('10.255.255.255')).toBe(true);
    expect(ranges.contains('11.0.0.0')).toBe(false);
    expect(ranges.contains('192.0.2.7')).toBe(true);
    expect(ranges.contains('192.0.2.8')).toBe(false);
    expect(ranges.contains('::ffff:10.1.2.3')).toBe(true);
    expect(ranges.contains('2001:DB8:1::5')).toBe(true);
    expect(ranges.contains('2001:db9::5')).toBe(false);
  });

  it('never matches what is not an address, and an empty set matches nothing', () => {
    expect(ranges.contains('10.0.0.0/8')).toBe(false);
    expect(ranges.contains('garbage')).toBe(false);
    expect(new AddressRanges([]).contains('127.0.0.1')).toBe(false);
  });

  it('refuses a range that is not CIDR notation', () => {
    expect(() => new AddressRanges(['10.0.0.1'])).toThrow(/not a CIDR range: 10.0.0.1/);
  });
});
