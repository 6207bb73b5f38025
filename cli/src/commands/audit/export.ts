import {
  type ConventionOptions,
  renderResult,
  usageError,
  withConvention,
} from '@frostmint/client/cli-kit';
import type { ExportTarget } from '@frostmint/coordinator';
import { noteVerifier } from '@frostmint/core';
import { Command, Option } from 'commander';
import { groupKeysFromJwks } from './keys.ts';
import { logPrefix, originOption } from './options.ts';

interface ExportOptions extends ConventionOptions {
  log?: string;
  jwks?: string;
  origin: string;
  out?: string;
  s3?: string;
  s3Prefix?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3PathStyle?: boolean;
}

/**
 * `frostmint audit export`: copies the log's latest checkpoint and its tlog-tiles (tiles,
 * entry bundles) to a directory or an S3 bucket, after checking the checkpoint's quorum
 * signature (JWKS) and every tile against its root. Resumable and idempotent: full tiles
 * already there are kept, never rewritten. With S3 Object Lock on the bucket the copy is
 * WORM (docs/audit.md).
 *
 * @example
 * ```sh
 * frostmint audit export --coordinator https://mint.example --s3 mint-audit --s3-region eu-west-1
 * ```
 */
export function exportCommand(): Command {
  return withConvention(new Command('export'), {
    coordinator: 'optional',
    format: { formats: ['text', 'json'] },
  })
    .description('Copy the log (checkpoint, tiles) to a directory or an S3 bucket; resumable')
    .option('--log <url>', 'the tiled log (C2SP tlog-tiles) prefix; default <coordinator>/audit/')
    .option('--jwks <file|url>', "the group's JWKS; default <coordinator>/.well-known/jwks.json")
    .addOption(originOption())
    .addOption(new Option('--out <dir>', 'write to this directory').conflicts('s3'))
    .option('--s3 <bucket>', 'write to this S3 bucket (credentials: the usual AWS sources)')
    .option('--s3-prefix <prefix>', 'key prefix in the bucket, e.g. audit/')
    .addOption(
      new Option('--s3-endpoint <url>', 'S3 endpoint (another region, a compatible store)').env(
        'AWS_ENDPOINT_URL_S3',
      ),
    )
    .addOption(new Option('--s3-region <region>', 'the bucket region').env('AWS_REGION'))
    .option('--s3-path-style', 'path-style bucket URLs (most S3-compatible stores)')
    .action(async (options: ExportOptions) => {
      if (!options.log && !options.coordinator) {
        throw usageError(
          'no log: pass --coordinator <url> (or $FROSTMINT_COORDINATOR) or --log <url>',
        );
      }
      const jwks = options.jwks ?? new URL('.well-known/jwks.json', options.coordinator ?? '').href;
      if (!options.jwks && !options.coordinator) throw usageError('pass --jwks with --log');
      // Loaded here: the other audit subcommands start without the coordinator package.
      const { exportLog, httpTileSource } = await import('@frostmint/coordinator');
      const target = await targetOf(options);
      const groupKeys = await groupKeysFromJwks(jwks);
      const result = await exportLog({
        source: httpTileSource(logPrefix(options).href),
        target,
        verifiers: groupKeys.map((key) => noteVerifier(options.origin, key)),
      });
      const json = { ...result, target: target.description };
      const text = `exported the log at size ${result.size} to ${target.description}: ${result.written} files written, ${result.kept} kept`;
      process.stdout.write(renderResult({ text, json }, options.format!));
    });
}

async function targetOf(options: ExportOptions): Promise<ExportTarget> {
  const { directoryTarget, s3Target } = await import('@frostmint/coordinator');
  if (options.out) return directoryTarget(options.out);
  if (!options.s3) throw usageError('pass --out <dir> or --s3 <bucket>');
  const { S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    ...(options.s3Region ? { region: options.s3Region } : {}),
    ...(options.s3Endpoint ? { endpoint: options.s3Endpoint } : {}),
    ...(options.s3PathStyle ? { forcePathStyle: true } : {}),
  });
  return s3Target({
    client,
    bucket: options.s3,
    ...(options.s3Prefix ? { prefix: options.s3Prefix } : {}),
  });
}
