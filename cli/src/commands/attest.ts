import { readFile } from 'node:fs/promises';
import { CliError, type ConventionOptions, EXIT, withConvention } from '@frostmint/client/cli-kit';
import {
  AMD_KDS_URL,
  type AttestationBinding,
  AttestationFormatError,
  binaryOrHex,
  CERT_TABLE_GUID,
  KdsClient,
  parseAttestationRequirements,
  parseCertTable,
  parsePemBundle,
  type SnpVerdict,
  type TrustAnchor,
  tlsSpkiFrom,
  verifySnpReport,
} from '@frostmint/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { requesterDataCommand } from './attest-requester.ts';

/** What tests (and only tests) replace: the pinned roots and the clock. */
export interface AttestCommandDeps {
  readonly trustAnchors?: readonly TrustAnchor[];
  readonly now?: () => Date;
}

interface VerifyOptions extends ConventionOptions {
  report: string;
  certs?: string;
  vcek?: string;
  vcekDir?: string;
  kds: boolean;
  kdsUrl: string;
  kdsCache?: string;
  requirements?: string;
  measurement: string[];
  maxVmpl?: number;
  nonce?: Buffer;
  tlsKey?: string;
  policyId?: string;
}

const out = (line = '') => process.stdout.write(`${line}\n`);

/**
 * `frostmint attest`: tools for SEV-SNP attestation. `attest verify` checks a report the way
 * every signer does (pinned AMD roots, VCEK from the certificates given, a directory or the
 * KDS), prints every check with PASS/FAIL/SKIP, and exits 3 (refused) when any check fails
 * or the report is malformed. The report file may be raw binary or hex.
 *
 * @example
 * ```sh
 * frostmint attest verify --report report.bin --certs certs.bin --measurement 4a5b… --format json
 * ```
 */
export function attestCommand(deps: AttestCommandDeps = {}): Command {
  const verify = withConvention(new Command('verify'), { format: { formats: ['text', 'json'] } })
    .description('Verify an SEV-SNP attestation report; prints every check, exits 3 if any fails')
    .requiredOption('--report <file>', 'the ATTESTATION_REPORT, raw binary or hex')
    .addOption(
      new Option(
        '--certs <file>',
        'extended-report certificate table (binary GUID table) or PEM bundle holding the VCEK',
      ).conflicts('vcek'),
    )
    .option('--vcek <file>', 'the VCEK certificate, DER or PEM')
    .option('--vcek-dir <dir>', 'a directory of VCEK certificates to search')
    .option('--no-kds', 'never contact AMD KDS for the VCEK')
    .option('--kds-url <url>', 'AMD KDS base URL (or a mirror)', AMD_KDS_URL)
    .option('--kds-cache <dir>', 'keep VCEKs fetched from the KDS in this directory')
    .option(
      '--requirements <file>',
      'JSON requirements (products, allow_smt, allow_migration_agent, max_vmpl, minimum_tcb, measurements)',
    )
    .option(
      '--measurement <hex>',
      'an accepted launch measurement (repeatable)',
      collectMeasurement,
      [],
    )
    .addOption(
      new Option('--max-vmpl <n>', 'highest accepted VMPL (default 0)').argParser(parseVmpl),
    )
    .addOption(new Option('--nonce <hex>', 'the nonce the report must bind').argParser(parseHex))
    .option('--tls-key <file>', "the attester's TLS certificate or public key (with --nonce)")
    .option('--policy-id <id>', 'the policy id the report must bind (with --nonce)')
    .action(async (opts: VerifyOptions) => {
      if (!(await runVerify(opts, deps))) {
        throw new CliError(
          'attestation_not_verified',
          EXIT.refused,
          'the report did not verify: see the checks above',
          {
            reported: true,
          },
        );
      }
    });
  return new Command('attest')
    .description('SEV-SNP attestation tools')
    .addCommand(verify)
    .addCommand(requesterDataCommand());
}

/** Runs `attest verify`; true when the report verified. */
async function runVerify(opts: VerifyOptions, deps: AttestCommandDeps): Promise<boolean> {
  const binding = await readBinding(opts);
  const requirements = parseAttestationRequirements({
    ...(opts.requirements ? JSON.parse(await readFile(opts.requirements, 'utf8')) : {}),
    ...(opts.measurement.length > 0 ? { measurements: opts.measurement } : {}),
    ...(opts.maxVmpl === undefined ? {} : { max_vmpl: opts.maxVmpl }),
  });
  let verdict: SnpVerdict;
  try {
    verdict = await verifySnpReport(binaryOrHex(await readFile(opts.report)), {
      binding,
      requirements,
      vcek: await readVcek(opts),
      vcekDirectory: opts.vcekDir,
      kds: opts.kds ? new KdsClient({ baseUrl: opts.kdsUrl, cacheDir: opts.kdsCache }) : undefined,
      trustAnchors: deps.trustAnchors,
      now: deps.now?.(),
    });
  } catch (err) {
    if (!(err instanceof AttestationFormatError)) throw err;
    if (opts.format === 'json') out(JSON.stringify({ verified: false, error: err.toJSON() }));
    else out(`FAIL  ${'report_format'.padEnd(17)} ${err.code}: ${err.message}`);
    return false;
  }
  if (opts.format === 'json') out(JSON.stringify(verdict));
  else printVerdict(verdict);
  return verdict.verified;
}

/** The expected binding: all of --nonce, --tls-key and --policy-id, or none of them. */
async function readBinding(opts: VerifyOptions): Promise<AttestationBinding | null> {
  const given = [opts.nonce, opts.tlsKey, opts.policyId].filter((v) => v !== undefined).length;
  if (given === 0) return null;
  if (given !== 3 || !opts.nonce || !opts.tlsKey || !opts.policyId) {
    throw new InvalidArgumentError('--nonce, --tls-key and --policy-id go together');
  }
  return {
    nonce: opts.nonce,
    tlsSpki: tlsSpkiFrom(await readFile(opts.tlsKey)),
    policyId: opts.policyId,
  };
}

/** The VCEK from --vcek, or from --certs (a certificate table or a PEM bundle). */
async function readVcek(opts: VerifyOptions): Promise<Uint8Array | undefined> {
  if (opts.vcek) return new Uint8Array(await readFile(opts.vcek));
  if (!opts.certs) return undefined;
  const bytes = new Uint8Array(await readFile(opts.certs));
  const text = Buffer.from(bytes).toString('latin1');
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    return parseCertTable(bytes).get(CERT_TABLE_GUID.vcek);
  // In a bundle (VCEK, ASK, ARK in any order) the VCEK is the one ECDSA certificate.
  return parsePemBundle(text).find((c) => c.node.publicKey.asymmetricKeyType === 'ec')?.der;
}

function printVerdict(v: SnpVerdict): void {
  const t = v.tcb.reported;
  const fmc = t.fmc === null ? '' : ` · fmc ${t.fmc}`;
  out(
    `SEV-SNP report v${v.report_version} · ${v.product ?? 'unknown product'} · VMPL ${v.vmpl} · VCEK from ${v.vcek_source ?? 'nowhere'}`,
  );
  out(`  measurement   ${v.measurement}`);
  out(`  chip id       ${v.chip_id}`);
  out(
    `  reported TCB  bl ${t.bootloader} · tee ${t.tee} · snp ${t.snp} · ucode ${t.microcode}${fmc} (${t.raw})`,
  );
  out(
    `  guest policy  ABI ${v.policy.abi_major}.${v.policy.abi_minor} · SMT ${v.policy.smt ? 'allowed' : 'off'} · migration agent ${v.policy.migrate_ma ? 'allowed' : 'off'} · debug ${v.policy.debug ? 'ALLOWED' : 'off'}`,
  );
  out(`  report data   ${v.report_data}`);
  out();
  for (const c of v.checks) {
    const label = c.status === 'pass' ? 'PASS' : c.status === 'fail' ? 'FAIL' : 'SKIP';
    out(`${label}  ${c.id.padEnd(17)} ${c.reason}`);
  }
  const failed = v.checks.filter((c) => c.status === 'fail').length;
  out();
  out(
    v.verified
      ? `verified (${v.checks.length} checks, none failed)`
      : `NOT verified: ${failed} of ${v.checks.length} checks failed`,
  );
}

function collectMeasurement(value: string, previous: string[]): string[] {
  const hex = value.toLowerCase();
  if (!/^[0-9a-f]{96}$/.test(hex))
    throw new InvalidArgumentError('a measurement is 96 hex digits (48 bytes)');
  return [...previous, hex];
}

function parseVmpl(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3) throw new InvalidArgumentError('a VMPL is 0 to 3');
  return n;
}

function parseHex(value: string): Buffer {
  if (!/^([0-9a-fA-F]{2})+$/.test(value)) throw new InvalidArgumentError('expected hex bytes');
  return Buffer.from(value, 'hex');
}
