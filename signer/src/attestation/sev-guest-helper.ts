import { spawn } from 'node:child_process';
import { REPORT_SIZE } from '@frostmint/core';
import { type CollectedReport, collectFailed, type ReportSource } from './report-source.ts';

/** A report plus a certificate table stays far below this. */
const MAX_OUTPUT = 1024 * 1024;

/**
 * The `/dev/sev-guest` fallback for kernels without configfs-tsm. Node.js cannot issue
 * ioctls, so the SNP_GET_EXT_REPORT request is delegated to a configured helper program:
 * it gets the 64 bytes of REPORT_DATA on stdin and writes the 1184-byte report, optionally
 * followed by the certificate table, to stdout; a non-zero exit status is a failure. The
 * output is checked like any report (`SnpAttester` parses it and compares REPORT_DATA).
 *
 * @example
 * ```ts
 * const source = new SevGuestHelperSource('/dev/sev-guest', ['/usr/local/bin/snp-report'], 10_000);
 * const { report } = await source.collect(reportData);
 * ```
 */
export class SevGuestHelperSource implements ReportSource {
  readonly description: string;

  constructor(
    readonly device: string,
    readonly argv: readonly string[],
    readonly timeoutMs: number,
  ) {
    this.description = `${device} via ${argv[0]}`;
  }

  async probe(): Promise<void> {}

  collect(reportData: Uint8Array): Promise<CollectedReport> {
    const [command, ...args] = this.argv as [string, ...string[]];
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: this.timeoutMs,
      });
      const out: Buffer[] = [];
      let size = 0;
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_OUTPUT) child.kill('SIGKILL');
        else out.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-500);
      });
      child.once('error', (err) => reject(collectFailed(`cannot run ${command}: ${err.message}`)));
      child.once('close', (code, signal) => {
        const bytes = new Uint8Array(Buffer.concat(out));
        if (code !== 0) {
          const why = signal ? `killed by ${signal}` : `exit status ${code}`;
          reject(
            collectFailed(`${command} failed (${why}): ${stderr.trim().split('\n').pop() ?? ''}`),
          );
        } else if (bytes.length < REPORT_SIZE) {
          reject(collectFailed(`${command} wrote ${bytes.length} bytes, less than one report`));
        } else {
          const certTable = bytes.subarray(REPORT_SIZE);
          resolve({
            report: bytes.subarray(0, REPORT_SIZE),
            ...(certTable.length > 0 ? { certTable } : {}),
          });
        }
      });
      child.stdin.on('error', () => undefined); // a helper may exit before reading; 'close' reports it
      child.stdin.end(Buffer.from(reportData));
    });
  }
}
