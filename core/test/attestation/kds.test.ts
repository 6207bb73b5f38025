import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestChain, TCB_MILAN, TCB_TURIN, type TestChain } from '@frostmint/test-support/snp';
import { beforeAll, describe, expect, it } from 'vitest';
import { AMD_KDS_URL, KdsClient, vcekPath } from '../../src/attestation/index.ts';

/** A fetch that records URLs and answers from `answer`; the network is never used. */
function fakeFetch(answer: () => Response | Promise<Response>) {
  const urls: string[] = [];
  const fetch = async (url: string | URL | Request) => {
    urls.push(String(url));
    return answer();
  };
  return { urls, fetch: fetch as typeof globalThis.fetch };
}

let chain: TestChain;
beforeAll(async () => {
  chain = await createTestChain('Milan');
});

describe('vcekPath', () => {
  const chipId = Uint8Array.from({ length: 64 }, (_, i) => i);

  it('Milan and Genoa: the 64-byte CHIP_ID and four SPLs', () => {
    expect(vcekPath({ product: 'Genoa', chipId, reportedTcb: TCB_MILAN })).toBe(
      `/vcek/v1/Genoa/${Buffer.from(chipId).toString('hex')}?blSPL=4&teeSPL=0&snpSPL=24&ucodeSPL=219`,
    );
  });

  it('Turin: the first 8 bytes of CHIP_ID and fmcSPL first', () => {
    expect(vcekPath({ product: 'Turin', chipId, reportedTcb: TCB_TURIN })).toBe(
      '/vcek/v1/Turin/0001020304050607?fmcSPL=1&blSPL=2&teeSPL=3&snpSPL=4&ucodeSPL=84',
    );
  });
});

describe('KdsClient', () => {
  const query = () => ({ product: 'Milan' as const, chipId: chain.chipId, reportedTcb: chain.tcb });

  it('defaults to AMD and shares one fetch between concurrent and later requests', async () => {
    const fake = fakeFetch(() => new Response(chain.vcek));
    const kds = new KdsClient({ fetch: fake.fetch });
    const [a, b] = await Promise.all([kds.fetchVcek(query()), kds.fetchVcek(query())]);
    await kds.fetchVcek(query());
    expect(a).toEqual(chain.vcek);
    expect(b).toEqual(chain.vcek);
    expect(fake.urls).toEqual([`${AMD_KDS_URL}${vcekPath(query())}`]);
  });

  it('keeps VCEKs in the cache directory across clients', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kds-'));
    try {
      const first = fakeFetch(() => new Response(chain.vcek));
      await new KdsClient({
        baseUrl: 'https://mirror.test/',
        cacheDir: dir,
        fetch: first.fetch,
      }).fetchVcek(query());
      expect(first.urls[0]?.startsWith('https://mirror.test/vcek/v1/Milan/')).toBe(true);
      expect(await readdir(dir)).toEqual([
        `vcek-Milan-${Buffer.from(chain.chipId).toString('hex')}-db18000000000004.der`,
      ]);
      const second = fakeFetch(() => new Response('', { status: 500 }));
      const again = await new KdsClient({ cacheDir: dir, fetch: second.fetch }).fetchVcek(query());
      expect(again).toEqual(chain.vcek);
      expect(second.urls).toEqual([]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it.each([
    ['HTTP 404', () => new Response('', { status: 404 }), /HTTP 404/],
    ['rate limiting', () => new Response('', { status: 429 }), /rate limited/],
    ['an unreachable KDS', () => Promise.reject(new TypeError('fetch failed')), /unreachable/],
    ['an answer that is no certificate', () => new Response('<html>'), /not a certificate/],
    ['an oversized answer', () => new Response(new Uint8Array(70_000)), /is no VCEK/],
  ])('maps %s to attestation_kds_unavailable and retries later', async (_name, answer, message) => {
    const fake = fakeFetch(answer);
    const kds = new KdsClient({ fetch: fake.fetch });
    for (let i = 0; i < 2; i++) {
      await expect(kds.fetchVcek(query())).rejects.toMatchObject({
        code: 'attestation_kds_unavailable',
        status: 503,
        message: expect.stringMatching(message),
      });
    }
    expect(fake.urls).toHaveLength(2);
  });
});
