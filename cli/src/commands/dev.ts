import { CoordinatorClient } from '@frostmint/client';
import { createVerifier } from '@frostmint/sdk';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { type DevStack, startDevStack } from '../dev/stack.ts';

const DEMO_REQUEST = { scope: ['deploy:canary'], audience: 'deploy-api', ttl: 900 };

/**
 * `frostmint dev`: the local stack (coordinator and three signers as separate processes on
 * loopback, dev CA, DKG on first start, a local OpenID Provider with demo users that proves
 * enrollments), one mint, one SDK verification.
 *
 * @example
 * ```sh
 * frostmint dev --once   # last stdout line: {"token": "...", "jwks": {...}, "issuer": "...", "idp": "..."}
 * ```
 */
export function devCommand(): Command {
  return new Command('dev')
    .description(
      'Run the local stack: 3 signers + coordinator on loopback (dev CA, dev share vault), DKG on first start, a local OpenID Provider (demo users) that signers trust to prove enrollments, then mint a demo token and verify it with the SDK. Local demo only.',
    )
    .option('--state-dir <dir>', 'where keys, certificates and configs live', '.frostmint/dev')
    .addOption(
      new Option(
        '--port <port>',
        'coordinator port; signers use the next three (0: any free ports)',
      )
        .argParser(parsePort)
        .default(8780),
    )
    .option(
      '--once',
      'mint and verify once, print a JSON summary as the last stdout line, stop and exit',
      false,
    )
    .option('--verbose', "show the daemons' logs", false)
    .action(async (opts: { stateDir: string; port: number; once: boolean; verbose: boolean }) => {
      const log = pino({ level: opts.verbose ? 'info' : 'warn' }, pino.destination(2));
      const out = (line = '') => process.stdout.write(`${line}\n`);
      const stack = await startDevStack({ stateDir: opts.stateDir, port: opts.port, log });
      try {
        out(
          `frostmint dev: coordinator ${stack.coordinatorUrl}, signers ${[...stack.signers.keys()].join(', ')} (mTLS)`,
        );
        out(stack.ranDkg ? 'DKG: ran (new 2-of-3 group key)' : 'DKG: existing group key reused');
        const summary = await mintAndVerify(stack);
        out('\ntoken:');
        out(summary.token);
        out('\nverified claims:');
        out(JSON.stringify(summary.claims, null, 2));
        if (opts.once) {
          out(
            JSON.stringify({
              token: summary.token,
              jwks: summary.jwks,
              issuer: stack.coordinatorUrl,
              idp: stack.idp.issuer,
            }),
          );
          return;
        }
        out("\nrunning. This run's dev bearer credential (demo only; a new one every run):");
        out(`  export FROSTMINT_DEV_BEARER=${stack.layout.bearer}`);
        out(
          `  curl -s -X POST ${stack.coordinatorUrl}/v1/mint -H "authorization: Bearer $FROSTMINT_DEV_BEARER" \\`,
        );
        out(
          `    -H 'content-type: application/json' -d '{"scope":["deploy:canary"],"audience":"deploy-api"}'`,
        );
        const tapOrigin = stack.layout.coordinator.webauthn?.origins[0];
        if (tapOrigin) {
          out('\npasskey tap (WebAuthn; users in policy/data.json "enrollment"):');
          out(
            `  FROSTMINT_OPERATOR_TOKEN=$FROSTMINT_DEV_BEARER frostmint enroll --coordinator ${tapOrigin} --user alice@example.com`,
          );
          out(
            `  frostmint mint --coordinator ${tapOrigin} --user alice@example.com --scope deploy:canary --aud deploy-api`,
          );
          out(
            `\nlocal OpenID Provider ${stack.idp.issuer} (signers trust it to prove enrollments):`,
          );
          out(
            `  after the tap, frostmint enroll opens its sign-in: user ${stack.idp.users.join(' | ')}, password ${stack.idp.password} (demo only; new every run)`,
          );
        }
        out('press Ctrl-C to stop');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
      } finally {
        await stack.stop();
      }
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65532) {
    throw new InvalidArgumentError('expected a port number from 0 to 65532');
  }
  return port;
}

async function mintAndVerify(stack: DevStack) {
  const client = new CoordinatorClient({ baseUrl: stack.coordinatorUrl });
  const outcome = await client.mint(DEMO_REQUEST, stack.layout.bearer);
  if (outcome.kind !== 'minted') throw new Error('the demo mint unexpectedly needs approvals');
  const { token } = outcome.token;
  const jwks = await client.jwks();
  const verifier = createVerifier({
    issuer: stack.coordinatorUrl,
    audience: DEMO_REQUEST.audience,
    jwksUri: `${stack.coordinatorUrl}/.well-known/jwks.json`,
  });
  try {
    const { claims } = await verifier.verify(token, { requiredScopes: DEMO_REQUEST.scope });
    return { token, claims, jwks };
  } finally {
    verifier.close();
  }
}
