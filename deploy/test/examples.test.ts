import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { CoordinatorConfigSchema } from '@frostmint/coordinator';
import {
  type DevPki,
  ensureDevPki,
  issueDevServerIdentity,
  jsonSyntaxProblems,
  mtlsChannelCredentials,
} from '@frostmint/core';
import { SEALING_KEY, type SoftHsm, softHsm } from '@frostmint/pkcs11/testing';
import { grpcHealthCheck, SignerConfigSchema } from '@frostmint/signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  type Daemon,
  freePort,
  HEALTHCHECK,
  httpsGet,
  runDaemonCommand,
  runHealthcheck,
  startDaemon,
  waitFor,
} from './support/daemons.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = join(REPO, 'deploy/examples');
const HTTPS_NAME = 'mint.example.com';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Replaces every absolute path of an example by its test counterpart; an example path the
 * test does not know fails the test (a new file in an example must be exercised here too).
 */
function localize(value: Json, paths: Record<string, string>): Json {
  if (typeof value === 'string' && value.startsWith('/')) {
    const local = paths[value];
    if (!local) throw new Error(`example path ${value} has no test counterpart`);
    return local;
  }
  if (Array.isArray(value)) return value.map((v) => localize(v, paths));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, localize(v, paths)]));
  return value;
}

const readExample = async (name: string) =>
  JSON.parse(await readFile(join(EXAMPLES, name), 'utf8')) as Record<string, Json>;

// Each test starts daemons or runs them to completion: minutes on a loaded 2-core machine.
describe('deploy/examples start as they are (test certificates, SoftHSM2 token)', {
  timeout: 300_000,
}, () => {
  let dir: string;
  let pki: DevPki;
  let hsm: SoftHsm;
  let paths: Record<string, string>;
  let signerConfig: string;
  let coordinatorConfig: string;
  let ports: { signer: number; health: number; coordinator: number };
  const daemons: Daemon[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frostmint-examples-'));
    pki = await ensureDevPki(join(dir, 'pki'), 3);
    const https = { cert: join(dir, 'https.pem'), key: join(dir, 'https-key.pem') };
    await issueDevServerIdentity(join(dir, 'pki'), HTTPS_NAME, https);
    hsm = await softHsm();
    await hsm.createToken('signer-1', [SEALING_KEY]);
    for (const state of ['coordinator-state', 'signer-state']) await mkdir(join(dir, state));
    paths = {
      '/etc/frostmint/tls/ca.pem': pki.ca,
      '/etc/frostmint/tls/coordinator.pem': pki.coordinator.cert,
      '/etc/frostmint/tls/coordinator-key.pem': pki.coordinator.key,
      '/etc/frostmint/tls/signer-1.pem': pki.signers[0]!.cert,
      '/etc/frostmint/tls/signer-1-key.pem': pki.signers[0]!.key,
      '/etc/frostmint/tls/https.pem': https.cert,
      '/etc/frostmint/tls/https-key.pem': https.key,
      '/opt/frostmint/policy/build/policy.wasm': join(REPO, 'policy/build/policy.wasm'),
      '/etc/frostmint/policy/data.json': join(REPO, 'policy/data.json'),
      '/var/lib/frostmint-coordinator': join(dir, 'coordinator-state'),
      '/var/lib/frostmint-signer': join(dir, 'signer-state'),
      '/usr/lib/x86_64-linux-gnu/libykcs11.so.2': hsm.module,
      '/run/credentials/frostmint-signer.service/token-pin': hsm.pinFile,
    };
    ports = { signer: await freePort(), health: await freePort(), coordinator: await freePort() };

    const signer = localize(await readExample('signer.json'), paths) as Record<string, Json>;
    Object.assign(signer, {
      listen: `127.0.0.1:${ports.signer}`,
      healthListen: `127.0.0.1:${ports.health}`,
      // The example names a YubiKey's token; here the SoftHSM2 token stands in for it.
      vault: { ...(signer.vault as Record<string, Json>), tokenLabel: 'signer-1' },
    });
    signerConfig = join(dir, 'signer.json');
    await writeFile(signerConfig, JSON.stringify(signer, null, 2));

    const coordinator = localize(await readExample('coordinator.json'), paths) as Record<
      string,
      Json
    >;
    const unused = [await freePort(), await freePort()];
    Object.assign(coordinator, {
      listen: `127.0.0.1:${ports.coordinator}`,
      https: { ...(coordinator.https as Record<string, Json>), reloadIntervalMs: 200 },
      signers: (coordinator.signers as Record<string, Json>[]).map((s, i) => ({
        ...s,
        address: `127.0.0.1:${i === 0 ? ports.signer : unused[i - 1]}`,
      })),
    });
    coordinatorConfig = join(dir, 'coordinator.json');
    await writeFile(coordinatorConfig, JSON.stringify(coordinator, null, 2));
  });

  afterAll(async () => {
    for (const daemon of daemons) await daemon.stop();
    await hsm?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('are strict JSON (no duplicate keys) and valid for the real schemas', async () => {
    for (const [name, schema] of [
      ['coordinator.json', CoordinatorConfigSchema],
      ['signer.json', SignerConfigSchema],
    ] as const) {
      const text = await readFile(join(EXAMPLES, name), 'utf8');
      expect(jsonSyntaxProblems(text, name)).toEqual([]);
      const parsed = schema.safeParse(JSON.parse(text));
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
    const signer = SignerConfigSchema.parse(await readExample('signer.json'));
    expect(signer.vault.kind).toBe('pkcs11');
  });

  it('--check-config says ok for both, with their files in place', () => {
    for (const [bin, config] of [
      [BIN.signer, signerConfig],
      [BIN.coordinator, coordinatorConfig],
    ] as const) {
      const run = runDaemonCommand(bin, config, ['--check-config']);
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('ok');
      expect(run.status).toBe(0);
    }
  });

  it('the signer starts (pkcs11 vault) and reports SERVING over grpc.health.v1', async () => {
    const signer = startDaemon(BIN.signer, signerConfig, {});
    daemons.push(signer);
    await waitFor(
      signer,
      async () => (await grpcHealthCheck(`127.0.0.1:${ports.health}`)) === 'SERVING',
    );
    // The same service on the mTLS listener, for a client holding the coordinator identity.
    const channel = mtlsChannelCredentials(
      { ca: pki.ca, ...pki.coordinator },
      'signer-1.frostmint.local',
    );
    expect(await grpcHealthCheck(`127.0.0.1:${ports.signer}`, { channel })).toBe('SERVING');
    // The container HEALTHCHECK entry agrees.
    expect(runHealthcheck(HEALTHCHECK.signer, signerConfig)).toEqual({ status: 0, stderr: '' });
  });

  it('the coordinator starts and answers /healthz over HTTPS with the configured certificate', async () => {
    const coordinator = startDaemon(BIN.coordinator, coordinatorConfig, {});
    daemons.push(coordinator);
    const healthz = `https://127.0.0.1:${ports.coordinator}/healthz`;
    await waitFor(
      coordinator,
      async () => (await httpsGet(healthz, pki.ca, HTTPS_NAME)).status === 200,
    );
    expect(JSON.parse((await httpsGet(healthz, pki.ca, HTTPS_NAME)).body)).toEqual({
      status: 'ok',
    });
    expect(runHealthcheck(HEALTHCHECK.coordinator, coordinatorConfig)).toEqual({
      status: 0,
      stderr: '',
    });
  });

  it('a renewed HTTPS certificate is served without a restart', async () => {
    const presented = () =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(
          {
            host: '127.0.0.1',
            port: ports.coordinator,
            servername: HTTPS_NAME,
            ca: readFileSync(pki.ca),
          },
          () => {
            resolve(socket.getPeerCertificate().fingerprint256);
            socket.end();
          },
        );
        socket.once('error', reject);
      }).catch(() => '');
    const https = { cert: paths['/etc/frostmint/tls/https.pem']!, key: join(dir, 'next-key.pem') };
    const before = new X509Certificate(await readFile(https.cert)).fingerprint256;
    const next = { cert: join(dir, 'next.pem'), key: https.key };
    await issueDevServerIdentity(join(dir, 'pki'), HTTPS_NAME, next);
    const after = new X509Certificate(await readFile(next.cert)).fingerprint256;
    expect(after).not.toBe(before);
    // Key first, then certificate: the listener keeps the old pair until both match.
    await copyFile(next.key, paths['/etc/frostmint/tls/https-key.pem']!);
    await copyFile(next.cert, https.cert);
    const deadline = Date.now() + 20_000;
    let seen = await presented();
    while (seen !== after && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      seen = await presented();
    }
    expect(seen).toBe(after);
  });

  it('--check-config lists every problem with positions, paths and certificate names', async () => {
    const broken = join(dir, 'broken-syntax.json');
    await writeFile(broken, '{\n  "id": 1,\n  "id": 2,\n  "listen": "x" "y"\n}\n');
    const syntax = runDaemonCommand(BIN.signer, broken, ['--check-config']);
    expect(syntax.status).toBe(1);
    expect(syntax.stderr).toContain(`${broken}:3:3: duplicate key "id" (first at 2:3)`);
    expect(syntax.stderr).toMatch(new RegExp(`${broken}:4:\\d+: JSON syntax: CommaExpected`));

    const schema = join(dir, 'broken-schema.json');
    const base = JSON.parse(await readFile(signerConfig, 'utf8'));
    await writeFile(schema, JSON.stringify({ ...base, id: 0, listen: 'nowhere', extra: true }));
    const invalid = runDaemonCommand(BIN.signer, schema, ['--check-config']);
    expect(invalid.status).toBe(1);
    for (const field of ['id:', 'listen:', '(root):']) expect(invalid.stderr).toContain(field);

    // Valid JSON and schema, but every file is wrong in its own way.
    const otherPki = await ensureDevPki(join(dir, 'other-pki'), 1);
    const files = join(dir, 'broken-files.json');
    await writeFile(
      files,
      JSON.stringify({
        ...base,
        tls: { ca: otherPki.ca, cert: pki.signers[1]!.cert, key: pki.signers[0]!.key },
        policy: { ...base.policy, wasm: join(dir, 'missing.wasm') },
        vault: { ...base.vault, pinFile: join(dir, 'missing-pin') },
      }),
    );
    const wrong = runDaemonCommand(BIN.signer, files, ['--check-config']);
    expect(wrong.status).toBe(1);
    const lines = wrong.stderr.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringContaining('tls.key: does not match the certificate'),
        expect.stringContaining(`tls.cert: not issued by the CA in ${otherPki.ca}`),
        expect.stringContaining(
          'tls.cert: subjectAltName (DNS:signer-2.frostmint.local, IP Address:127.0.0.1) does not name signer-1.frostmint.local (tlsName)',
        ),
        expect.stringContaining(`policy.wasm: ${join(dir, 'missing.wasm')}: ENOENT`),
        expect.stringContaining(`vault.pinFile: ${join(dir, 'missing-pin')}: ENOENT`),
      ]),
    );
    expect(lines).toHaveLength(5);

    // The coordinator's HTTPS certificate must name the issuer's host.
    const coordinator = JSON.parse(await readFile(coordinatorConfig, 'utf8'));
    const wrongHost = join(dir, 'wrong-host.json');
    await writeFile(
      wrongHost,
      JSON.stringify({ ...coordinator, issuer: 'https://other.example.com' }),
    );
    const host = runDaemonCommand(BIN.coordinator, wrongHost, ['--check-config']);
    expect(host.status).toBe(1);
    expect(host.stderr).toContain('does not name other.example.com (the host of issuer)');
  });

  it('a missing TLS file stops either daemon at start with config_invalid naming it', async () => {
    const cases = [
      [BIN.signer, signerConfig, 'tls', 'key', 'signer config'],
      [BIN.coordinator, coordinatorConfig, 'tls', 'ca', 'coordinator config'],
      [BIN.coordinator, coordinatorConfig, 'https', 'cert', 'coordinator config'],
    ] as const;
    for (const [bin, config, section, field, what] of cases) {
      const base = JSON.parse(await readFile(config, 'utf8'));
      const missing = join(dir, `absent-${section}-${field}.pem`);
      const path = join(dirname(config), `missing-${section}-${field}.json`);
      await writeFile(
        path,
        JSON.stringify({
          ...base,
          listen: `127.0.0.1:${await freePort()}`,
          [section]: { ...base[section], [field]: missing },
        }),
      );
      const run = runDaemonCommand(bin, path, []);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        `config_invalid: ${what}: ${section}.${field}: ${missing}: ENOENT: no such file or directory`,
      );
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
