import {
  type ConfigProblem,
  checkJsonConfig,
  checkTlsIdentity,
  unreadableFiles,
} from '@frostmint/core';
import { type SignerConfig, SignerConfigSchema } from './config.ts';

/** Environment variables the config names for secrets must be set (their values are never read here). */
function missingEnv(config: SignerConfig): ConfigProblem[] {
  const vault = config.vault;
  const [field, name] =
    vault.kind === 'dev'
      ? ['vault.passphraseEnv', vault.passphraseEnv]
      : ['vault.pinEnv', vault.pinEnv];
  return name !== undefined && !process.env[name]
    ? [{ where: field, message: `environment variable ${name} is not set` }]
    : [];
}

/**
 * `frostmint-signer --check-config`: every problem of a signer configuration — JSON syntax
 * (line:column), schema (field paths), unreadable files (TLS, policy, PKCS#11 module, PIN
 * file), unset secret variables, and its TLS identity: issued by `tls.ca`, matches its key,
 * valid now, allowed for serverAuth, and naming `tlsName` (what the coordinator expects).
 *
 * @example
 * ```ts
 * const problems = await checkSignerConfig('/etc/frostmint/signer.json'); // [] when fine
 * ```
 */
export async function checkSignerConfig(path: string): Promise<ConfigProblem[]> {
  const { config, problems } = await checkJsonConfig(path, SignerConfigSchema);
  if (!config) return problems;
  const vault = config.vault;
  const checks = await Promise.all([
    checkTlsIdentity({
      field: 'tls',
      ...config.tls,
      usage: 'serverAuth',
      ...(config.tlsName ? { dnsName: config.tlsName, dnsNameSource: 'tlsName' } : {}),
    }),
    unreadableFiles({
      'policy.wasm': config.policy.wasm,
      'policy.data': config.policy.data,
      ...(vault.kind === 'pkcs11'
        ? { 'vault.module': vault.module, 'vault.pinFile': vault.pinFile }
        : {}),
    }),
    missingEnv(config),
  ]);
  return checks.flat();
}
