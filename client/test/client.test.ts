import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CoordinatorAnswerError,
  CoordinatorClient,
  CoordinatorError,
  CoordinatorUnreachableError,
} from '../src/index.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server on loopback; each test says how it answers. */
let server: Server;
let base: string;
let handler: Handler = (_req, res) => res.writeHead(500).end();
const seen: { url: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const json =
  (status: number, body: unknown): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

const client = () => new CoordinatorClient({ baseUrl: base, timeoutMs: 5_000 });

describe('CoordinatorClient', () => {
  it("keeps the server's {error, message} code and status in a CoordinatorError", async () => {
    handler = json(403, { error: 'policy_denied', message: 'no rule grants deploy:prod' });
    const err = await client()
      .mint({ scope: ['deploy:prod'], audience: 'deploy-api' }, 'a.b.c')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoordinatorError);
    expect(err).toMatchObject({
      code: 'policy_denied',
      status: 403,
      message: 'no rule grants deploy:prod',
    });
    expect(seen.at(-1)).toEqual({ url: '/v1/mint', authorization: 'Bearer a.b.c' });
  });

  it('tells a minted token (200) from a request waiting for approvals (202)', async () => {
    handler = json(200, {
      token: 'x.y.z',
      token_type: 'Bearer',
      expires_in: 600,
      expires_at: 1_767_225_600,
      jti: 'abc',
    });
    const minted = await client().mint({ scope: ['a'], audience: 'b' }, 'a.b.c');
    expect(minted).toMatchObject({ kind: 'minted', token: { token: 'x.y.z' } });
    handler = json(202, {
      request_id: 'req',
      status: 'pending',
      request_secret: 'secret',
      required_approvals: 2,
      expires_at: 1_767_225_600,
    });
    const pending = await client().mint({ scope: ['a'], audience: 'b' }, 'a.b.c');
    expect(pending).toMatchObject({ kind: 'pending', pending: { request_secret: 'secret' } });
  });

  it('refuses an answer that is not the documented JSON (coordinator_answer_invalid)', async () => {
    handler = (_req, res) =>
      res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>bad gateway</h1>');
    await expect(client().jwks()).rejects.toBeInstanceOf(CoordinatorAnswerError);
    handler = json(200, { keys: 'not a list' });
    await expect(client().jwks()).rejects.toMatchObject({
      code: 'coordinator_answer_invalid',
      status: 200,
    });
  });

  it('a hostile coordinator cannot slip an unshown field into what a guardian signs', async () => {
    const mintView = {
      kind: 'mint',
      id: 'req1',
      requester_kind: 'ci',
      justification: null,
      reasons: ['approvals_missing'],
      required_approvals: 2,
      approvals: [],
      expires_at: 1_767_225_600,
      approval_subject: {
        header: { alg: 'EdDSA', typ: 'at+jwt', kid: 'kid1' },
        claims: {
          iss: 'https://mint.example/',
          sub: 'repo:acme/app',
          aud: 'deploy-api',
          scope: 'deploy:prod',
          jti: 'AAAAAAAAAAAAAAAAAAAAAA',
          client_id: 'ci',
          frostmint: {},
        },
        ttl: 600,
        notAfter: 1_767_225_600,
      },
    };
    handler = json(200, { requests: [mintView] });
    expect(await client().pendingApprovals()).toHaveLength(1);
    const smuggled = structuredClone(mintView) as typeof mintView & Record<string, unknown>;
    (smuggled.approval_subject.claims as Record<string, unknown>).act = { sub: 'root' };
    handler = json(200, { requests: [smuggled] });
    await expect(client().pendingApprovals()).rejects.toMatchObject({
      code: 'coordinator_answer_invalid',
    });
  });

  it('never follows a redirect with the bearer credential', async () => {
    let redirected = false;
    const other = createServer((_req, res) => {
      redirected = true;
      res.writeHead(200).end('{}');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(other.address() as AddressInfo).port}/v1/mint`;
    handler = (_req, res) => res.writeHead(307, { location: target }).end();
    try {
      await expect(
        client().mint({ scope: ['a'], audience: 'b' }, 'secret.id.token'),
      ).rejects.toBeInstanceOf(CoordinatorUnreachableError);
      expect(redirected).toBe(false);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });

  it('no answer at all is coordinator_unreachable (status 0), naming what to check', async () => {
    const err = await new CoordinatorClient({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 2_000 })
      .discovery()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'coordinator_unreachable', status: 0 });
    expect((err as Error).message).toMatch(/check the coordinator URL/);
  });
});
