import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { SIGNING_LOG_FILE, SigningLog, verifySigningLog } from '../src/signing-log.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

describe("the signer's own signing log", () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function written(): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'frostmint-signing-log-'));
    const log = await SigningLog.open(dir);
    await Promise.all([
      log.append({ kind: 'signed', purpose: 'token', requestId: 'r1', id: 'jti-1', sub: 'a' }),
      log.append({ kind: 'refused', requestId: 'r2', code: 'token_iat_skew' }),
    ]);
    await log.close();
    // Reopened, it continues the chain.
    const again = await SigningLog.open(dir);
    await again.append({
      kind: 'signed',
      purpose: 'token',
      requestId: 'r3',
      id: 'jti-3',
      sub: 'b',
    });
    await again.close();
    return join(dir, SIGNING_LOG_FILE);
  }

  /** `frostmint-signer log verify --state-dir <dir>`, as an operator runs it. */
  const verifyCommand = () =>
    promisify(execFile)(process.execPath, [
      '--import',
      TSX,
      MAIN,
      'log',
      'verify',
      '--state-dir',
      dir,
    ]);

  it('is hash chained across restarts and verified by `frostmint-signer log verify`', async () => {
    const path = await written();
    expect(await verifySigningLog(path)).toMatchObject({ ok: true, entries: 3, tornBytes: 0 });
    const { stdout } = await verifyCommand();
    expect(stdout).toMatch(/ok, 3 entries, head [0-9a-f]{64}/);
  }, 60_000);

  it('detects an edited entry (the CLI exits 1)', async () => {
    const path = await written();
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('token_iat_skew', 'policy_denied'));
    expect(await verifySigningLog(path)).toMatchObject({
      ok: false,
      error: 'entry 2: hash mismatch',
    });
    const run = verifyCommand();
    await expect(run).rejects.toMatchObject({ code: 1 });
  }, 60_000);

  it('detects a removed entry', async () => {
    const path = await written();
    const lines = (await readFile(path, 'utf8')).split('\n');
    await writeFile(path, [lines[0], lines[2], ''].join('\n'));
    expect(await verifySigningLog(path)).toMatchObject({ ok: false, error: 'entry 2: seq 3' });
  });

  it('drops a last line cut short by a crash when it reopens', async () => {
    const path = await written();
    await appendFile(path, '{"at":"2026-');
    expect(await verifySigningLog(path)).toMatchObject({ ok: true, entries: 3, tornBytes: 12 });
    const log = await SigningLog.open(dir);
    await log.append({ kind: 'refused', requestId: 'r4', code: 'nonce_unavailable' });
    await log.close();
    expect(await verifySigningLog(path)).toMatchObject({ ok: true, entries: 4, tornBytes: 0 });
  });
});
