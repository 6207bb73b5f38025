import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const run = promisify(execFile);

/** A running litewitness (filippo.io/torchwood), a real C2SP tlog-witness. */
export interface TestWitness {
  /** The witness name, as its cosignature lines carry it. */
  readonly name: string;
  /** `http://127.0.0.1:<port>`: POST `${url}/add-checkpoint`. */
  readonly url: string;
  /** Its C2SP verifier key `name+<key id>+base64(0x04 || Ed25519 public key)`. */
  readonly verifierKey: string;
  /** Tells the witness about a log: its origin and the note verifier key of its signature. */
  addLog(origin: string, logVerifierKey: string): Promise<void>;
  /** What the witness has recorded per log (`witnessctl list-logs`). */
  listLogs(): Promise<{ origin: string; size: number; root_hash: string }[]>;
  /** Stops litewitness and its ssh-agent, deletes their directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a real litewitness: a dedicated `ssh-agent` holding a fresh Ed25519 key (litewitness
 * signs through the agent protocol), an SQLite database in a temp directory, listening on a
 * free loopback port. Logs are added with {@link TestWitness.addLog} (`witnessctl add-log` +
 * `add-key`, which litewitness reads on every request). The binaries come from
 * `$(go env GOPATH)/bin` (scripts/install-test-deps.sh installs them, pinned); a missing one is
 * an error, never a skip.
 *
 * @example
 * ```ts
 * const witness = await startLitewitness({ name: 'witness.test/w1' });
 * await witness.addLog('frostmint.local/audit', logVerifierKey);
 * // POST `${witness.url}/add-checkpoint` …
 * await witness.stop();
 * ```
 */
export async function startLitewitness(options: { name: string }): Promise<TestWitness> {
  const bin = await goBin();
  const dir = await mkdtemp(join(tmpdir(), 'fm-lw-'));
  const socket = join(dir, 'agent.sock');
  const db = join(dir, 'litewitness.db');
  const children: ChildProcess[] = [];
  const stopSync = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', stopSync);
  const stop = async () => {
    process.removeListener('exit', stopSync);
    for (const child of children) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    children.length = 0;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // `-D`: foreground, so the agent is our child and dies with the test.
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    children.push(agent);
    await waitFor(() =>
      stat(socket).then(
        () => true,
        () => false,
      ),
    );
    const key = join(dir, 'witness_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', key]);
    await run('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
    const { stdout: fp } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`]);
    const fingerprint = fp.split(' ')[1]!;
    // witnessctl creates the database litewitness then opens.
    await run(join(bin, 'witnessctl'), ['list-logs', '-db', db]);
    const port = await freePort();
    const witness = spawn(
      join(bin, 'litewitness'),
      [
        `-db=${db}`,
        `-name=${options.name}`,
        `-ssh-agent=${socket}`,
        `-key=${fingerprint}`,
        `-listen=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(witness);
    const verifierKey = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      witness.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        // slog text handler: `… msg="verifier key" vkey=<key>`, then `… msg=listening`.
        const vkey = /vkey=(\S+)/.exec(stderr)?.[1];
        if (vkey && stderr.includes('msg=listening')) resolve(vkey);
      });
      witness.once('exit', (code) => reject(new Error(`litewitness exited (${code}): ${stderr}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(url).catch(() => undefined))?.ok === true);
    const ctl = (args: string[]) => run(join(bin, 'witnessctl'), [...args, '-db', db]);
    return {
      name: options.name,
      url,
      verifierKey,
      async addLog(origin, logVerifierKey) {
        await ctl(['add-log', '-origin', origin]);
        await ctl(['add-key', '-origin', origin, '-key', logVerifierKey]);
      },
      async listLogs() {
        const { stdout } = await ctl(['list-logs']);
        return stdout
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as { origin: string; size: number; root_hash: string });
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw new Error(
      `could not start litewitness (run scripts/install-test-deps.sh): ${(err as Error).message}`,
    );
  }
}

async function goBin(): Promise<string> {
  const { stdout } = await run('go', ['env', 'GOPATH']).catch((err: Error) => {
    throw new Error(`Go is required to find litewitness: ${err.message}`);
  });
  return join(stdout.trim(), 'bin');
}

async function waitFor(ready: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the witness to start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
