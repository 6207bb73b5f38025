import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SIDECARS = join(ROOT, 'deploy', 'sidecars');
const ENVOY = join(SIDECARS, 'envoy', 'envoy.yaml');
const ISTIO = join(SIDECARS, 'istio', 'frostmint.yaml');

/**
 * No Envoy or Istio can run here, so the recipes are checked against the proxies' own API
 * definitions: go-control-plane's generated protos and validators (also inside every
 * typed_config) and istio.io/api's protos, by deploy/sidecars/validate.
 */
describe('Envoy jwt_authn and Istio recipes (deploy/sidecars)', () => {
  let validator: string;
  let scratch: string;

  beforeAll(async () => {
    const out = join(ROOT, '.test-artifacts', 'sidecars');
    await mkdir(out, { recursive: true });
    validator = join(out, 'validate');
    await run('go', ['build', '-o', validator, '.'], {
      cwd: join(SIDECARS, 'validate'),
      env: { ...process.env, GOFLAGS: '-buildvcs=false' },
    });
    scratch = await mkdtemp(join(tmpdir(), 'frostmint-sidecars-'));
  }, 600_000);
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const validate = (...files: string[]) =>
    run(validator, files).then(
      ({ stdout }) => ({ ok: true, output: stdout }),
      (err: { stderr: string }) => ({ ok: false, output: err.stderr }),
    );

  /** Validates `file` with one text replacement applied. */
  async function mutated(file: string, from: string, to: string) {
    const text = await readFile(file, 'utf8');
    expect(text).toContain(from);
    const copy = join(scratch, `mutated-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(copy, text.replace(from, to));
    return validate(copy);
  }

  it('the Envoy bootstrap and the Istio objects validate', async () => {
    const result = await validate(ENVOY, ISTIO);
    expect(result.output).toContain(`${ENVOY}: valid`);
    expect(result.output).toContain(`${ISTIO}: valid`);
    expect(result.ok).toBe(true);
  });

  it('the validator is real: it refuses broken recipes, inside typed_config too', async () => {
    const cases = [
      // protoc-gen-validate rule inside jwt_authn's typed_config (HttpUri.timeout is required)
      [ENVOY, '                              timeout: 5s\n', '', 'HttpUri.Timeout'],
      [ENVOY, 'payload_in_metadata:', 'payload_in_metadatum:', 'unknown field'],
      [ENVOY, 'action: ALLOW', 'action: PERMIT', 'invalid value for enum'],
      [ENVOY, '- name: frostmint_jwks\n', '- name: ""\n', 'Cluster.Name'],
      [ISTIO, 'jwksUri:', 'jwks_url:', 'unknown field'],
      [ISTIO, 'presence: REQUIRED', 'presence: MANDATORY', 'invalid value for enum'],
    ] as const;
    for (const [file, from, to, message] of cases) {
      const result = await mutated(file, from, to);
      expect(result.ok, `${from} → ${to}`).toBe(false);
      expect(result.output).toContain(message);
    }
  });

  it('Envoy and Istio name the same issuer, audience, JWKS and scope rules', async () => {
    const [envoy, istio] = await Promise.all([readFile(ENVOY, 'utf8'), readFile(ISTIO, 'utf8')]);
    for (const text of [envoy, istio]) {
      expect(text).toContain('https://mint.example.com/.well-known/jwks.json');
      expect(text).toMatch(/audiences: \[deploy-api\]/);
      expect(text).toContain('"deploy:prod"');
      expect(text).toContain('"deploy:canary"');
    }
    expect(envoy).toContain('issuer: https://mint.example.com');
    expect(istio).toContain('issuer: https://mint.example.com');
    // frostmint's lifetime cap (900 s) plus the SDKs' clock tolerance
    expect(envoy).toContain('max_lifetime: 930s');
  });
});
