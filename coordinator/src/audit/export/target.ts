/** How a file of the exported log is stored. */
export interface WriteOptions {
  /** `text/plain; charset=utf-8` for the checkpoint, `application/octet-stream` for tiles. */
  readonly contentType: string;
  /** A full tile or bundle: never rewritten (the exporter checks before it writes). */
  readonly immutable: boolean;
}

/**
 * Where `exportLog` writes the tlog-tiles files (`checkpoint`, `tile/…`), by path relative to
 * the log's prefix: a directory (`directoryTarget`) or an S3 bucket (`s3Target`).
 */
export interface ExportTarget {
  /** Says where, for messages: `/srv/audit`, `s3://bucket/prefix/`. */
  readonly description: string;
  /** The bytes stored at `path`, or undefined when there is none. */
  read(path: string): Promise<Uint8Array | undefined>;
  write(path: string, bytes: Uint8Array, options: WriteOptions): Promise<void>;
}
