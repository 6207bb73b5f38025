import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  SignJWT,
} from 'jose';

/** A requester's DPoP key (RFC 9449): tokens minted with its proofs carry `cnf.jkt`. */
export interface DpopKey {
  readonly privateKey: CryptoKey;
  /** The public JWK that goes into every proof header. */
  readonly publicJwk: JWK;
  /** RFC 7638 thumbprint: the `cnf.jkt` of tokens bound to this key. */
  readonly jkt: string;
}

/**
 * The default key file: `$FROSTMINT_DPOP_KEY`, else `~/.config/frostmint/dpop-key.jwk`
 * (`$XDG_CONFIG_HOME` honoured).
 *
 * @example
 * ```ts
 * defaultDpopKeyFile(process.env); // '/home/alice/.config/frostmint/dpop-key.jwk'
 * ```
 */
export function defaultDpopKeyFile(env: NodeJS.ProcessEnv): string {
  if (env.FROSTMINT_DPOP_KEY) return env.FROSTMINT_DPOP_KEY;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'frostmint', 'dpop-key.jwk');
}

/**
 * Loads the Ed25519 DPoP key in `file` (a private JWK), or creates one there (mode 0600,
 * never overwriting; concurrent first runs end up sharing one key). Node has no
 * non-exportable key storage, so the key is a file guarded by its permissions: one readable
 * by group or others is refused (`dpop_key_exposed`). Throws `Error` with a `code`-prefixed message otherwise.
 *
 * @example
 * ```ts
 * const key = await loadOrCreateDpopKey('/home/ci/.config/frostmint/dpop-key.jwk');
 * key.jkt; // the token's future cnf.jkt
 * ```
 */
export async function loadOrCreateDpopKey(file: string): Promise<DpopKey> {
  const exists = await stat(file).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
  return (exists ? undefined : await createKey(file)) ?? loadKey(file);
}

async function loadKey(file: string): Promise<DpopKey> {
  if (((await stat(file)).mode & 0o077) !== 0) {
    throw new Error(`dpop_key_exposed: ${file} is readable by others; chmod 600 it`);
  }
  const jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string') {
    throw new Error(`dpop_key_invalid: ${file} is not a private Ed25519 JWK`);
  }
  const { d: _d, ...publicJwk } = jwk;
  const privateKey = (await importJWK(jwk, 'EdDSA')) as CryptoKey;
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
}

/**
 * Writes a new key to a private temporary file and hard-links it into place, so `file`
 * appears complete or not at all. `undefined` when another process created it first (two
 * CI jobs starting together): the caller then loads that one.
 */
async function createKey(file: string): Promise<DpopKey | undefined> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const staging = `${file}.${randomUUID()}.tmp`;
  try {
    await writeFile(staging, `${JSON.stringify(privateJwk)}\n`, { mode: 0o600, flag: 'wx' });
    await link(staging, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  } finally {
    await rm(staging, { force: true });
  }
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
}

/** What one proof is for. */
export interface ProofRequest {
  /** The request method, e.g. `POST`. */
  readonly htm: string;
  /** The request URI; query and fragment are dropped (RFC 9449 §4.2). */
  readonly htu: string | URL;
  /** The access token the request carries: sets `ath` (RFC 9449 §4.2). */
  readonly token?: string;
}

/**
 * A DPoP proof JWT (RFC 9449 §4.2) by `key` for one request: `typ` `dpop+jwt`, `alg`
 * `EdDSA`, the public `jwk`, a fresh random `jti`, `htm`, `htu`, `iat` now, and `ath` when a
 * token is given. Made with jose: the `dpop` package names Ed25519 proofs `alg: Ed25519`
 * (RFC 9864), which frostmint's verifiers (EdDSA, ES256, ES384) do not accept.
 *
 * @example
 * ```ts
 * const proof = await createDpopProof(key, { htm: 'POST', htu: 'https://mint.example/v1/mint' });
 * ```
 */
export async function createDpopProof(key: DpopKey, request: ProofRequest): Promise<string> {
  const htu = new URL(request.htu);
  htu.search = '';
  htu.hash = '';
  const ath =
    request.token === undefined
      ? {}
      : {
          ath: Buffer.from(
            await crypto.subtle.digest('SHA-256', Buffer.from(request.token, 'ascii')),
          ).toString('base64url'),
        };
  return new SignJWT({ htm: request.htm, htu: htu.href, ...ath })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: key.publicJwk })
    .setJti(randomUUID())
    .setIssuedAt()
    .sign(key.privateKey);
}
