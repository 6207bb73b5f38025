import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoordinatorConfigSchema } from '@frostmint/coordinator';
import { SignerConfigSchema } from '@frostmint/signer';
import { Certificate, Issuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { requireTool } from './support/tools.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const KUBERNETES = join(REPO, 'deploy/kubernetes');
const OVERLAYS = readdirSync(join(KUBERNETES, 'overlays')).sort();

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are untyped YAML.
type Obj = any;

/** cert-manager kinds: not in Kubernetes' own schemas; validated with cert-manager's below. */
const CERT_MANAGER: Record<string, { validate(): void } & (new (o: Obj) => { validate(): void })> =
  { Certificate, Issuer } as never;

const byKind = (docs: Obj[], kind: string) => docs.filter((d) => d.kind === kind);
const named = (docs: Obj[], kind: string, name: string) => {
  const found = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in the rendered output`);
  return found;
};
const podSpecs = (docs: Obj[]) =>
  [...byKind(docs, 'Deployment'), ...byKind(docs, 'StatefulSet')].map((w) => ({
    name: `${w.kind}/${w.metadata.name}`,
    workload: w,
    spec: w.spec.template.spec,
  }));
/** The JSON file a generated ConfigMap carries (its name has a hash suffix). */
const configOf = (docs: Obj[], prefix: string, file: string) => {
  const map = byKind(docs, 'ConfigMap').find((c) => c.metadata.name.startsWith(`${prefix}-`));
  if (!map) throw new Error(`no ConfigMap ${prefix}-*`);
  return JSON.parse(map.data[file]);
};
const mountOf = (spec: Obj, volume: string) =>
  spec.containers[0].volumeMounts.find((m: Obj) => m.name === volume)?.mountPath;

describe.each(OVERLAYS)('deploy/kubernetes overlay %s', (overlay) => {
  let dir: string;
  let rendered: string;
  let docs: Obj[];

  beforeAll(() => {
    const kustomize = requireTool('kustomize');
    dir = mkdtempSync(join(tmpdir(), `frostmint-k8s-${overlay}-`));
    rendered = join(dir, 'rendered.yaml');
    const yaml = execFileSync(kustomize, ['build', join(KUBERNETES, 'overlays', overlay)], {
      encoding: 'utf8',
    });
    writeFileSync(rendered, yaml);
    docs = parseAllDocuments(yaml).map((d) => d.toJS());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validates against the Kubernetes 1.37 schemas offline (kubernetes-validate --strict)', () => {
    const validate = requireTool('kubernetes-validate');
    const run = spawnSync(validate, ['--strict', '--kubernetes-version', '1.37.0', rendered], {
      encoding: 'utf8',
    });
    const lines = `${run.stdout}${run.stderr}`.trim().split('\n');
    expect(lines.filter((l) => !/^(INFO|WARN) /.test(l))).toEqual([]);
    expect(run.status).toBe(0);
    const unknown = lines.filter((l) => l.includes("Couldn't find schema"));
    // Only cert-manager kinds lack a Kubernetes schema; they are validated in the next test.
    for (const line of unknown)
      expect(line).toMatch(/kind (Certificate|Issuer) with api version cert-manager\.io\/v1/);
    const core = docs.filter((d) => !d.apiVersion.startsWith('cert-manager.io/'));
    expect(lines.filter((l) => / passed for resource /.test(l))).toHaveLength(core.length);
    console.log(
      `${overlay}: ${core.length} resources passed the Kubernetes schemas; ${unknown.length} cert-manager resources are checked against cert-manager's own schemas instead`,
    );
  });

  it("validates the cert-manager resources against cert-manager's CRD schemas", () => {
    const resources = docs.filter((d) => d.apiVersion.startsWith('cert-manager.io/'));
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) {
      const Model = CERT_MANAGER[resource.kind];
      if (!Model) throw new Error(`no cert-manager schema for ${resource.kind}`);
      expect(() => new Model(resource).validate(), resource.metadata.name).not.toThrow();
    }
  });

  it('hardens every pod: non-root numeric UID, read-only root, no capabilities, RuntimeDefault seccomp', () => {
    const pods = podSpecs(docs);
    expect(pods.length).toBe(4);
    for (const { name, spec } of pods) {
      expect(spec.securityContext.runAsNonRoot, name).toBe(true);
      expect(
        Number.isInteger(spec.securityContext.runAsUser) && spec.securityContext.runAsUser > 0,
        name,
      ).toBe(true);
      expect(spec.securityContext.seccompProfile.type, name).toBe('RuntimeDefault');
      expect(spec.automountServiceAccountToken, name).toBe(false);
      expect(spec.hostNetwork ?? false, name).toBe(false);
      expect(spec.hostPID ?? false, name).toBe(false);
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        const sc = c.securityContext;
        expect(sc.allowPrivilegeEscalation, name).toBe(false);
        expect(sc.readOnlyRootFilesystem, name).toBe(true);
        expect(sc.privileged ?? false, name).toBe(false);
        expect(sc.capabilities.drop, name).toEqual(['ALL']);
        expect(sc.capabilities.add ?? [], name).toEqual([]);
        expect(sc.runAsNonRoot, name).toBe(true);
        expect(sc.seccompProfile.type, name).toBe('RuntimeDefault');
      }
    }
    const namespace = byKind(docs, 'Namespace')[0];
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('configures the daemons with files the pods mount, valid for the real schemas', () => {
    const coordinator = CoordinatorConfigSchema.parse(
      configOf(docs, 'coordinator-config', 'coordinator.json'),
    );
    const deployment = named(docs, 'Deployment', 'coordinator');
    const spec = deployment.spec.template.spec;
    expect(deployment.spec.template.spec.containers[0].args).toEqual([
      '--config',
      `${mountOf(spec, 'config')}/coordinator.json`,
    ]);
    for (const file of Object.values(coordinator.tls))
      expect(file).toMatch(new RegExp(`^${mountOf(spec, 'mtls')}/`));
    for (const file of [coordinator.https!.cert, coordinator.https!.key])
      expect(file).toMatch(new RegExp(`^${mountOf(spec, 'https')}/`));
    expect(coordinator.policy.data).toBe(`${mountOf(spec, 'policy-data')}/data.json`);
    expect(coordinator.stateDir).toBe(mountOf(spec, 'state'));
    // Every replica reads the same signed group configuration (ConfigMap from the DKG).
    expect(mountOf(spec, 'group')).toBe(`${coordinator.stateDir}/group.json`);
    expect(spec.volumes.find((v: Obj) => v.name === 'group').configMap.name).toBe(
      'frostmint-group',
    );

    const coordinatorCert = named(docs, 'Certificate', 'coordinator-mtls');
    expect(spec.volumes.find((v: Obj) => v.name === 'mtls').secret.secretName).toBe(
      coordinatorCert.spec.secretName,
    );
    const httpsCert = named(docs, 'Certificate', 'coordinator-https');
    expect(httpsCert.spec.dnsNames).toContain(new URL(coordinator.issuer).hostname);

    for (const endpoint of coordinator.signers) {
      const name = `signer-${endpoint.id}`;
      const set = named(docs, 'StatefulSet', name);
      const pod = set.spec.template.spec;
      const signer = SignerConfigSchema.parse(
        configOf(docs, `signer-config-${endpoint.id}`, 'signer.json'),
      );
      expect(signer.id).toBe(endpoint.id);
      expect(signer.issuer).toBe(coordinator.issuer);
      expect(endpoint.address).toBe(`${name}:${signer.listen.split(':')[1]}`);
      expect(named(docs, 'Service', name).spec.selector['frostmint.dev/signer']).toBe(name);
      // The certificate names what the coordinator expects; the signer expects the coordinator's.
      const cert = named(docs, 'Certificate', `signer-mtls-${endpoint.id}`);
      expect(cert.spec.dnsNames).toEqual([endpoint.tlsName]);
      expect(signer.tlsName).toBe(endpoint.tlsName);
      expect(coordinatorCert.spec.dnsNames).toContain(signer.coordinatorName);
      expect(pod.volumes.find((v: Obj) => v.name === 'mtls').secret.secretName).toBe(
        cert.spec.secretName,
      );
      for (const file of Object.values(signer.tls))
        expect(file).toMatch(new RegExp(`^${mountOf(pod, 'mtls')}/`));
      expect(signer.stateDir).toBe(
        set.spec.template.spec.containers[0].volumeMounts.find((m: Obj) => m.name === 'state')
          .mountPath,
      );
      // gRPC health probes hit the plaintext health listener.
      const healthPort = Number(signer.healthListen?.split(':')[1]);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
        expect(pod.containers[0][probe].grpc.port, `${name} ${probe}`).toBe(healthPort);
    }
    const probes = spec.containers[0];
    expect(probes.livenessProbe.httpGet).toMatchObject({ path: '/healthz', scheme: 'HTTPS' });
    expect(probes.readinessProbe.httpGet).toMatchObject({ path: '/readyz', scheme: 'HTTPS' });
  });

  it('ships the repository policy data unchanged', () => {
    const shipped = readFileSync(join(KUBERNETES, 'base/policy-data.json'), 'utf8');
    expect(JSON.parse(shipped)).toEqual(
      JSON.parse(readFileSync(join(REPO, 'policy/data.json'), 'utf8')),
    );
    const map = byKind(docs, 'ConfigMap').find((c) => c.metadata.name.startsWith('policy-data-'));
    expect(JSON.parse(map.data['data.json'])).toEqual(JSON.parse(shipped));
  });

  it('spreads the three signers over distinct nodes and zones, with a quorum-keeping PDB', () => {
    const signers = byKind(docs, 'StatefulSet');
    expect(signers.map((s) => s.metadata.name).sort()).toEqual([
      'signer-1',
      'signer-2',
      'signer-3',
    ]);
    for (const set of signers) {
      expect(set.spec.replicas).toBe(1);
      const anti =
        set.spec.template.spec.affinity?.podAntiAffinity
          ?.requiredDuringSchedulingIgnoredDuringExecution;
      if (overlay === 'dev') continue; // one-node dev clusters: no pinning (the dev patch removes it)
      expect(anti.map((t: Obj) => t.topologyKey).sort()).toEqual([
        'kubernetes.io/hostname',
        'topology.kubernetes.io/zone',
      ]);
      // The anti-affinity must match the OTHER signers: only the shared name label.
      for (const term of anti)
        expect(term.labelSelector.matchLabels).toEqual({
          'app.kubernetes.io/name': 'frostmint-signer',
        });
    }
    const pdb = named(docs, 'PodDisruptionBudget', 'signers');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'frostmint-signer' } },
    });
    expect(
      named(docs, 'PodDisruptionBudget', 'coordinator').spec.minAvailable,
    ).toBeGreaterThanOrEqual(1);
  });

  it('denies by default; signers accept only the coordinator; the coordinator egresses only to signers, PostgreSQL, DNS and JWKS', () => {
    const deny = named(docs, 'NetworkPolicy', 'default-deny');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

    const signers = named(docs, 'NetworkPolicy', 'signers');
    expect(signers.spec.podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'frostmint-signer',
    });
    expect(signers.spec.ingress).toEqual([
      {
        from: [
          { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'frostmint-coordinator' } } },
        ],
        ports: [{ protocol: 'TCP', port: 7001 }],
      },
    ]);

    const coordinator = named(docs, 'NetworkPolicy', 'coordinator');
    const egress = coordinator.spec.egress.map((rule: Obj) => ({
      to: rule.to.map(
        (peer: Obj) =>
          peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] ??
          peer.podSelector?.matchLabels?.['k8s-app'] ??
          peer.ipBlock?.cidr,
      ),
      ports: rule.ports.map((p: Obj) => `${p.protocol}/${p.port}`),
    }));
    expect(egress).toEqual([
      { to: ['frostmint-signer'], ports: ['TCP/7001'] },
      { to: ['postgresql'], ports: ['TCP/5432'] },
      { to: ['kube-dns'], ports: ['UDP/53', 'TCP/53'] },
      { to: ['0.0.0.0/0'], ports: ['TCP/443'] },
    ]);
    // JWKS egress excludes private ranges: HTTPS to the cluster's inside is not allowed.
    expect(coordinator.spec.egress[3].to[0].ipBlock.except).toEqual(
      expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']),
    );
  });

  if (overlay === 'production') {
    it('production: ≥ 2 coordinators on PostgreSQL, each signer with its own Secrets and PKCS#11 device', () => {
      const deployment = named(docs, 'Deployment', 'coordinator');
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
      const config = CoordinatorConfigSchema.parse(
        configOf(docs, 'coordinator-config', 'coordinator.json'),
      );
      expect(config.storage?.backend).toBe('postgres');
      expect(deployment.spec.template.spec.containers[0].env).toContainEqual({
        name: 'PGPASSWORD',
        valueFrom: { secretKeyRef: { name: 'coordinator-postgres', key: 'password' } },
      });
      const secrets = new Set<string>();
      const pins = new Set<string>();
      for (const set of byKind(docs, 'StatefulSet')) {
        const pod = set.spec.template.spec;
        const name = set.metadata.name;
        const terms =
          pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
            .nodeSelectorTerms;
        expect(terms).toEqual([
          { matchExpressions: [{ key: 'frostmint.dev/signer', operator: 'In', values: [name] }] },
        ]);
        const volume = (v: string) => pod.volumes.find((x: Obj) => x.name === v);
        secrets.add(volume('mtls').secret.secretName);
        pins.add(volume('token-pin').secret.secretName);
        expect(volume('pcscd').hostPath).toEqual({ path: '/run/pcscd', type: 'Directory' });
        const signer = SignerConfigSchema.parse(
          configOf(docs, `signer-config-${name.slice(-1)}`, 'signer.json'),
        );
        expect(signer.vault.kind).toBe('pkcs11');
        if (signer.vault.kind === 'pkcs11')
          expect(signer.vault.pinFile).toMatch(new RegExp(`^${mountOf(pod, 'token-pin')}/`));
      }
      expect(secrets.size).toBe(3);
      expect(pins.size).toBe(3);
      for (const image of podSpecs(docs).map((p) => p.spec.containers[0].image))
        expect(image).toMatch(/^registry\.example\.com\/frostmint\/(coordinator|signer):\d/);
    });
  }
});
