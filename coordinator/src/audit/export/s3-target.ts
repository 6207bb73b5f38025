import type { S3Client } from '@aws-sdk/client-s3';
import type { ExportTarget } from './target.ts';

/** The SDK's commands, loaded on first use: a coordinator that never exports never loads them. */
const sdk = () => import('@aws-sdk/client-s3');

/** Options of {@link s3Target}. */
export interface S3TargetOptions {
  /** A configured client (region, endpoint, credentials from the usual AWS sources). */
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix, e.g. `audit/` (default: the bucket root). */
  readonly prefix?: string;
}

/** C2SP tlog-tiles caching, carried to whatever serves the bucket. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const MUTABLE = 'public, max-age=60';

/**
 * An export target in an S3 bucket. WORM is the bucket's: enable S3 Object Lock with a
 * default retention (COMPLIANCE mode, e.g. 7 years) and every object written here is
 * retained; full tiles are written only when absent (`If-None-Match: *` as well, so two
 * exporters racing cannot replace one), the checkpoint and partial tiles are overwritten
 * (versions under Object Lock).
 *
 * @example
 * ```ts
 * const target = s3Target({ client: new S3Client({ region: 'eu-west-1' }), bucket: 'audit-worm' });
 * ```
 */
export function s3Target(options: S3TargetOptions): ExportTarget {
  const { client, bucket } = options;
  const prefix = options.prefix ?? '';
  return {
    description: `s3://${bucket}/${prefix}`,
    async read(path) {
      const { GetObjectCommand, NoSuchKey } = await sdk();
      try {
        const answer = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: prefix + path }),
        );
        return answer.Body ? await answer.Body.transformToByteArray() : new Uint8Array();
      } catch (err) {
        if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey')
          return undefined;
        throw err;
      }
    },
    async write(path, bytes, { contentType, immutable }) {
      const { PutObjectCommand } = await sdk();
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: prefix + path,
          Body: bytes,
          ContentType: contentType,
          CacheControl: immutable ? IMMUTABLE : MUTABLE,
          ...(immutable ? { IfNoneMatch: '*' } : {}),
        }),
      );
    },
  };
}
