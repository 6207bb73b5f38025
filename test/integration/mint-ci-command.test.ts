import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '@frostmint/client/cli-kit';
import { createVerifier } from '@frostmint/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintCi } from '../support/mint-ci.ts';
import { CI_AUDIENCE, type OidcStack, startOidcStack } from '../support/oidc-stack.ts';

describe('`frostmint mint-ci` (non-interactive CI mint, real binary against the real stack)', () => {
  let work: string;
  let env: OidcStack;
  let base: string[];
  let actions: Server;
  let actionsUrl: string;
  const actionsSeen: { audience: string | null; authorization: string | undefined }[] = [];
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'frostmint-mint-ci-'));
    env = await startOidcStack(work);
    base = [
      '--coordinator',
      env.stack.coordinatorUrl,
      '--scope',
      'deploy:canary',
      '--aud',
      'deploy-api',
    ];
    // GitHub Actions' ID token service, as the runner exposes it to a job.
    actions = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      actionsSeen.push({
        audience: url.searchParams.get('audience'),
        authorization: req.headers.authorization,
      });
      if (req.headers.authorization !== 'bearer runner-secret') {
        res.writeHead(401).end();
        return;
      }
      void env.issuer.issue({ aud: url.searchParams.get('audience') ?? 'none' }).then((value) => {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ count: 1, value }));
      });
    });
    await new Promise<void>((r) => actions.listen(0, '127.0.0.1', r));
    actionsUrl = `http://127.0.0.1:${(actions.address() as AddressInfo).port}/token?api-version=2.0`;
  });
  afterAll(async () => {
    await new Promise((r) => actions?.close(r));
    await env?.dispose();
    await rm(work, { recursive: true, force: true });
  });

  const verify = async (token: string) => {
    const verifier = createVerifier({
      issuer: env.stack.coordinatorUrl,
      audience: 'deploy-api',
      jwksUri: `${env.stack.coordinatorUrl}/.well-known/jwks.json`,
    });
    try {
      return (await verifier.verify(token, { requiredScopes: ['deploy:canary'] })).claims;
    } finally {
      verifier.close();
    }
  };

  it('reads the ID token from a file and prints only the token (exit 0)', async () => {
    const file = join(work, 'id-token');
    await writeFile(file, `${await env.issuer.issue({ aud: CI_AUDIENCE })}\n`);
    const run = await mintCi([...base, '--id-token-file', file, '--ttl', '300']);
    expect(run.code, run.stderr).toBe(0);
    const claims = await verify(run.stdout.trim());
    expect(claims.exp - claims.iat).toBe(300);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
  });

  it("fetches the ID token from GitHub Actions' token service with the requested audience (--format env)", async () => {
    const run = await mintCi([...base, '--format', 'env'], {
      ACTIONS_ID_TOKEN_REQUEST_URL: actionsUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-secret',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(actionsSeen.at(-1)).toEqual({
      audience: CI_AUDIENCE,
      authorization: 'bearer runner-secret',
    });
    // `export NAME='value'` (strings shell-quoted) or `export NAME=123`.
    const vars = Object.fromEntries(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => /^export ([A-Z_]+)='?([^']*)'?$/.exec(l)!.slice(1, 3)),
    );
    const claims = await verify(vars.FROSTMINT_TOKEN!);
    expect(Number(vars.FROSTMINT_TOKEN_EXPIRES_AT)).toBe(claims.exp);
    expect(vars.FROSTMINT_TOKEN_JTI).toBe(claims.jti);
  });

  it('takes the ID token from $FROSTMINT_ID_TOKEN (GitLab id_tokens), and a replay exits 8 (unauthenticated)', async () => {
    const idToken = await env.issuer.issue({ aud: CI_AUDIENCE });
    const first = await mintCi([...base, '--format', 'json'], { FROSTMINT_ID_TOKEN: idToken });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const replay = await mintCi(base, { FROSTMINT_ID_TOKEN: idToken });
    expect(replay).toMatchObject({ code: EXIT.unauthenticated, stdout: '' });
    expect(replay.stderr).toMatch(/oidc_token_replayed/);
    expect(replay.stderr).not.toContain(idToken.split('.')[2]);
  });

  it('exits 3 when policy refuses, 13 without an ID token, 2 on bad usage, 6 when the coordinator is unreachable', async () => {
    const other = await env.issuer.issue({ aud: CI_AUDIENCE, repository: 'acme/other' });
    const refused = await mintCi(base, { FROSTMINT_ID_TOKEN: other });
    expect(refused.code).toBe(EXIT.refused);
    expect(refused.stderr).toMatch(/policy_denied/);
    const none = await mintCi(base);
    expect(none.code).toBe(EXIT.idTokenUnavailable);
    expect(none.stderr).toMatch(/id_token_missing/);
    expect((await mintCi(['--coordinator', env.stack.coordinatorUrl, '--scope', 'x'])).code).toBe(
      2,
    );
    expect((await mintCi([...base, '--ttl', '3600'])).code).toBe(2);
    const down = await mintCi(
      ['--coordinator', 'http://127.0.0.1:1', '--scope', 'deploy:canary', '--aud', 'deploy-api'],
      { FROSTMINT_ID_TOKEN: await env.issuer.issue({ aud: CI_AUDIENCE }) },
    );
    expect(down.code).toBe(6);
  });
});
