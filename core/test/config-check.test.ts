import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  checkJsonConfig,
  checkTlsIdentity,
  type DevPki,
  ensureDevPki,
  jsonSyntaxProblems,
  requireReadableFiles,
} from '../src/index.ts';

describe('jsonSyntaxProblems', () => {
  it('reports every syntax problem and duplicate key with line:column', () => {
    const text = '{\n  "a": 1,\n  "b": {"a": 2, "c": 3},\n  "a": 4, // note\n  "d": [1,],\n}';
    expect(jsonSyntaxProblems(text, 'f.json')).toEqual([
      { where: 'f.json:4:3', message: 'duplicate key "a" (first at 2:3)' },
      { where: 'f.json:4:11', message: 'JSON syntax: InvalidCommentToken' },
      { where: 'f.json:5:11', message: 'JSON syntax: ValueExpected' },
      { where: 'f.json:6:1', message: 'JSON syntax: PropertyNameExpected' },
      { where: 'f.json:6:1', message: 'JSON syntax: ValueExpected' },
    ]);
  });

  it('accepts strict JSON, and the same key in different objects', () => {
    expect(jsonSyntaxProblems('{"a": {"x": 1}, "b": {"x": 2}}', 'f.json')).toEqual([]);
  });
});

describe('checkJsonConfig and requireReadableFiles', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frostmint-config-check-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists every schema issue with its path, and returns the config only when clean', async () => {
    const schema = z
      .object({ port: z.number(), name: z.string(), tls: z.object({ ca: z.string() }) })
      .strict();
    const path = join(dir, 'c.json');
    await writeFile(path, JSON.stringify({ port: 'x', tls: {}, extra: 1 }));
    const bad = await checkJsonConfig(path, schema);
    expect(bad.config).toBeUndefined();
    expect(bad.problems.map((p) => p.where).sort()).toEqual(['(root)', 'name', 'port', 'tls.ca']);
    await writeFile(path, JSON.stringify({ port: 1, name: 'n', tls: { ca: 'a' } }));
    expect(await checkJsonConfig(path, schema)).toEqual({
      config: { port: 1, name: 'n', tls: { ca: 'a' } },
      problems: [],
    });
    const missing = await checkJsonConfig(join(dir, 'absent.json'), schema);
    expect(missing.problems).toEqual([
      {
        where: join(dir, 'absent.json'),
        message: 'cannot read: ENOENT: no such file or directory',
      },
    ]);
  });

  it('fails fast with config_invalid naming every unreadable file', async () => {
    await expect(
      requireReadableFiles({ 'tls.ca': join(dir, 'no-ca.pem'), 'tls.key': dir }, 'x config'),
    ).rejects.toMatchObject({
      code: 'config_invalid',
      message: `x config: tls.ca: ${join(dir, 'no-ca.pem')}: ENOENT: no such file or directory; tls.key: ${dir}: EISDIR: illegal operation on a directory`,
    });
  });
});

describe('checkTlsIdentity', () => {
  let dir: string;
  let pki: DevPki;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frostmint-tls-check-'));
    pki = await ensureDevPki(join(dir, 'pki'), 1);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('accepts a matching identity', async () => {
    const signer = { field: 'tls', ca: pki.ca, ...pki.signers[0]! };
    expect(
      await checkTlsIdentity({
        ...signer,
        dnsName: 'signer-1.frostmint.local',
        usage: 'serverAuth',
      }),
    ).toEqual([]);
  });

  it('reports a wrong purpose, an expired certificate and a PEM that is not one', async () => {
    const coordinator = { field: 'tls', ca: pki.ca, ...pki.coordinator };
    const wrong = await checkTlsIdentity({
      ...coordinator,
      usage: 'serverAuth',
      now: new Date(Date.now() + 400 * 86_400_000),
    });
    expect(wrong.map((p) => p.message)).toEqual([
      expect.stringMatching(/^not valid now \(valid .* – .*\)$/),
      'extended key usage does not allow serverAuth',
    ]);
    const garbage = join(dir, 'garbage.pem');
    await writeFile(garbage, 'not a certificate');
    expect(await checkTlsIdentity({ ...coordinator, cert: garbage })).toEqual([
      { where: 'tls.cert', message: 'not a PEM certificate' },
    ]);
  });
});
