import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GuardianKeySchema,
  mintApprovalInput,
  mintApprovalSubject,
  type TokenClaims,
  verifyGuardianSignature,
} from '@frostmint/core';
import { type SoftHsm, softHsm } from '@frostmint/pkcs11/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.ts';
import type { CliIo } from '../src/io.ts';
import { run } from '../src/run.ts';

const now = Math.floor(Date.now() / 1000);
const header = { alg: 'EdDSA', typ: 'at+jwt', kid: 'group-kid' } as const;
const claims: TokenClaims = {
  iss: 'https://mint.example',
  sub: 'repo:acme/app:environment:production',
  aud: 'deploy-api',
  scope: 'deploy:prod',
  iat: now,
  nbf: now,
  exp: now + 600,
  jti: randomBytes(16).toString('base64url'),
  client_id: 'frostmint-ci',
  amr: ['oidc'],
  frostmint: { signers: [1], policy: 'sha256:abc' },
};
const subject = mintApprovalSubject(header, claims, now + 900);

/** A coordinator's approval API with one pending request; records what guardians submit. */
async function coordinator() {
  const submitted: { path: string; body: { guardian_kid: string; signature: string } }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url === '/v1/approvals/pending') {
        res.end(
          JSON.stringify({
            requests: [
              {
                id: 'AAAAAAAAAAAAAAAAAAAAAA',
                requester_kind: 'ci',
                justification: 'release 1.4.2',
                reasons: ['approvals_missing'],
                required_approvals: 2,
                approvals: [],
                expires_at: subject.notAfter,
                approval_subject: subject,
                oidc: { repository: 'acme/app', ref: 'refs/heads/main' },
              },
            ],
          }),
        );
        return;
      }
      submitted.push({ path: req.url ?? '', body: JSON.parse(body) });
      res.end(JSON.stringify({ approvals: 1, required: 2 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, submitted };
}

let hsm: SoftHsm | undefined;
let api: Awaited<ReturnType<typeof coordinator>> | undefined;
afterEach(async () => {
  await hsm?.cleanup();
  await new Promise((r) => api?.server.close(r));
  hsm = undefined;
  api = undefined;
});

async function guardianCli(argv: string[], reply: boolean | undefined) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    promptSecret: async () => undefined,
    confirm: async () => reply,
  };
  const code = await run(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('frostmint-guardian approve / deny (SoftHSM2 approval key, a coordinator over HTTP)', () => {
  it('shows the request, asks, signs the approval subject with the token key and submits it; "no" signs nothing', async () => {
    hsm = await softHsm();
    api = await coordinator();
    await hsm.createToken('alice', [{ label: 'frostmint-approval', id: 2, usage: 'sign' }]);
    const token = ['--module', hsm.module, '--token-label', 'alice', '--pin-file', hsm.pinFile];
    const enrolled = await guardianCli(
      ['enroll', '--name', 'Alice', ...token, '--no-sealing-key', '--no-create', '--json'],
      undefined,
    );
    expect(enrolled.code, enrolled.stderr).toBe(0);
    const alice = GuardianKeySchema.parse(JSON.parse(enrolled.stdout));

    const declined = await guardianCli(['approve', '--coordinator', api.url, ...token], false);
    expect(declined.code).toBe(ExitCode.unconfirmed);
    expect(declined.stderr).toMatch(/scopes\s+deploy:prod/);
    expect(declined.stderr).toMatch(/context from the coordinator, not signed/);
    expect(declined.stderr).toMatch(/ci\.repository\s+acme\/app/);
    expect(api.submitted).toEqual([]);

    const approved = await guardianCli(['approve', '--coordinator', api.url, ...token], true);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/1 of 2 approvals/);
    const [approval] = api.submitted;
    expect(approval!.path).toBe('/v1/mint/requests/AAAAAAAAAAAAAAAAAAAAAA/approvals');
    expect(approval!.body.guardian_kid).toBe(alice.approvalKey.kid);
    const signature = Buffer.from(approval!.body.signature, 'base64url');
    expect(verifyGuardianSignature(alice, mintApprovalInput(subject), signature)).toBe(true);
    expect(verifyGuardianSignature(alice, mintApprovalInput(subject, true), signature)).toBe(false);

    const denied = await guardianCli(
      ['deny', '--coordinator', api.url, '--yes', ...token],
      undefined,
    );
    expect(denied.code, denied.stderr).toBe(0);
    const refusal = api.submitted[1]!;
    expect(refusal.path).toBe('/v1/mint/requests/AAAAAAAAAAAAAAAAAAAAAA/denials');
    expect(
      verifyGuardianSignature(
        alice,
        mintApprovalInput(subject, true),
        Buffer.from(refusal.body.signature, 'base64url'),
      ),
    ).toBe(true);
  });

  it('exits 12 (not found) for an unknown request and 6 (unavailable) when the coordinator is unreachable', async () => {
    hsm = await softHsm();
    api = await coordinator();
    await hsm.createToken('bob', [{ label: 'frostmint-approval', id: 2, usage: 'sign' }]);
    const token = ['--module', hsm.module, '--token-label', 'bob', '--pin-file', hsm.pinFile];
    const unknown = await guardianCli(
      ['approve', '--coordinator', api.url, '--request', 'nope', '--yes', ...token],
      true,
    );
    expect(unknown.code).toBe(ExitCode.notFound);
    const down = await guardianCli(
      ['approve', '--coordinator', 'http://127.0.0.1:1', '--yes', ...token],
      true,
    );
    expect(down.code).toBe(ExitCode.unavailable);
  });
});
