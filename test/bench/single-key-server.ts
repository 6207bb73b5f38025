// Baseline for `npm run bench`: the coordinator's own HTTP stack, policy gate, durable audit
// log and mint service, but the token is signed by one in-process Ed25519 key instead of a
// FROST quorum. Logs like the coordinator daemon (info, JSON lines on stdout) and prints its
// URL and dev bearer credential among them as one JSON line `{url, bearer}`.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_POLICY } from '@frostmint/cli';
import {
  AuditLog,
  buildCoordinatorApp,
  createMetrics,
  DevBearerAuthenticator,
  MintPipeline,
  MintService,
  openCoordinatorStore,
  SignerPool,
  type TokenSigner,
} from '@frostmint/coordinator';
import { correlationMixin, groupJwk, loadPolicyFiles } from '@frostmint/core';
import { pino } from 'pino';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
const jwk = await groupJwk(raw);
const singleKey: TokenSigner = {
  async sign(attempt) {
    const message = attempt.messageFor([1]);
    return { message, signature: sign(null, message, privateKey), signers: [1] };
  },
};
const log = pino({ name: 'coordinator', level: 'info', mixin: correlationMixin });
const stateDir = await mkdtemp(join(tmpdir(), 'frostmint-baseline-'));
const store = await openCoordinatorStore({ stateDir });
const bearer = randomBytes(32).toString('base64url');
const issuer = 'http://127.0.0.1';
const pool = new SignerPool(
  [],
  { ca: '', cert: '', key: '' },
  { deadlineMs: 1000, healthIntervalMs: 60_000, log },
);
const app = buildCoordinatorApp({
  issuer,
  log,
  pool,
  authenticator: new DevBearerAuthenticator(bearer),
  metrics: createMetrics(),
  group: {
    jwk,
    threshold: 1,
    mints: new MintService(
      new MintPipeline({
        issuer,
        kid: jwk.kid,
        defaultTtlSeconds: 900,
        maxTtlSeconds: 900,
        driver: singleKey,
        policy: { current: await loadPolicyFiles(DEMO_POLICY) },
        log,
        audit: new AuditLog(store.audit),
      }),
    ),
  },
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url, bearer })}\n`);
process.once('SIGTERM', async () => {
  await app.close();
  await store.close();
  await rm(stateDir, { recursive: true, force: true });
  process.exit(0);
});
