import {
  type ConfigProblem,
  checkJsonConfig,
  checkTlsIdentity,
  unreadableFiles,
} from '@frostmint/core';
import { CoordinatorConfigSchema } from './config.ts';

/**
 * `frostmint-coordinator --check-config`: every problem of a coordinator configuration —
 * JSON syntax (line:column), schema (field paths), unreadable files, and TLS identities:
 * the mTLS client certificate (issued by `tls.ca`, matches its key, valid, allowed for
 * clientAuth) and the HTTPS certificate (matches its key, valid, names the issuer's host).
 *
 * @example
 * ```ts
 * const problems = await checkCoordinatorConfig('/etc/frostmint/coordinator.json'); // [] when fine
 * ```
 */
export async function checkCoordinatorConfig(path: string): Promise<ConfigProblem[]> {
  const { config, problems } = await checkJsonConfig(path, CoordinatorConfigSchema);
  if (!config) return problems;
  const checks = await Promise.all([
    checkTlsIdentity({ field: 'tls', ...config.tls, usage: 'clientAuth' }),
    config.https
      ? checkTlsIdentity({
          field: 'https',
          cert: config.https.cert,
          key: config.https.key,
          dnsName: new URL(config.issuer).hostname,
          dnsNameSource: 'the host of issuer',
          usage: 'serverAuth',
        })
      : [],
    unreadableFiles({ 'policy.wasm': config.policy.wasm, 'policy.data': config.policy.data }),
  ]);
  return checks.flat();
}
