import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMetrics } from '@frostmint/coordinator';
import { createSignerMetrics } from '@frostmint/signer';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requireTool } from './support/tools.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const RULES = join(REPO, 'deploy/prometheus/frostmint.rules.yml');
const TESTS_DIR = join(REPO, 'deploy/prometheus/tests');
const DASHBOARD = join(REPO, 'deploy/grafana/frostmint.json');

interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
}
interface RuleTest {
  readonly alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[];
  readonly promql_expr_test?: { expr: string }[];
}
interface Panel {
  readonly title: string;
  readonly type: string;
  readonly targets?: { expr: string }[];
}

const rules: Rule[] = (
  parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);
const testFiles = readdirSync(TESTS_DIR).filter((f) => f.endsWith('.test.yml'));
const tests: RuleTest[] = testFiles.flatMap(
  (f) => (parse(readFileSync(join(TESTS_DIR, f), 'utf8')) as { tests: RuleTest[] }).tests,
);
const panels = (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels;

/** Grafana's own variables are not PromQL: they become the durations Grafana would use. */
function asPromql(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '1h');
}

/** The frostmint metric names (recorded `frostmint:` ones too) an expression reads. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set(withoutStrings.match(/\bfrostmint[_:][A-Za-z0-9_:]*/g) ?? [])];
}

/** Every series name the code exports: the registries themselves, not a list kept by hand. */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const registries = [
    createMetrics().registry,
    createSignerMetrics({ signer: 1, vault: 'dev' }).registry,
  ];
  for (const registry of registries) {
    for (const m of await registry.getMetricsAsJSON()) {
      names.add(m.name);
      if (String(m.type) === 'histogram') {
        for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
      }
    }
  }
  return names;
}

function promtool(args: string[]) {
  const run = spawnSync(requireTool('promtool'), args, { encoding: 'utf8', cwd: REPO });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

// `promtool check rules` and `promtool test rules` run as their own step of scripts/test.sh
// (scripts/prometheus-check.sh); these tests check what promtool does not.
describe('deploy/prometheus rules', () => {
  it('test every alert both firing and quiet, and every recording rule', () => {
    const alertTests = tests.flatMap((t) => t.alert_rule_test ?? []);
    const exprTests = tests.flatMap((t) => t.promql_expr_test ?? []).map((t) => t.expr);
    for (const rule of rules) {
      if (rule.alert) {
        const mine = alertTests.filter((t) => t.alertname === rule.alert);
        expect(
          mine.some((t) => t.exp_alerts.length > 0),
          `${rule.alert} fires in a test`,
        ).toBe(true);
        expect(
          mine.some((t) => t.exp_alerts.length === 0),
          `${rule.alert} stays quiet in a test`,
        ).toBe(true);
      } else {
        const record = rule.record!;
        const testedDirectly = exprTests.some((e) => metricNames(e).includes(record));
        const testedThroughAlert = rules.some(
          (r) => r.alert && metricNames(r.expr).includes(record),
        );
        expect(testedDirectly || testedThroughAlert, `${record} is tested`).toBe(true);
      }
    }
  });

  it('read only metrics the coordinator and signers export, or that a rule records', async () => {
    const exported = await exportedNames();
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    const unknown = rules
      .flatMap((r) => metricNames(r.expr))
      .filter((n) => !exported.has(n) && !recorded.has(n));
    expect(unknown).toEqual([]);
  });
});

describe('deploy/grafana dashboard', () => {
  it('is a dashboard whose panels all query something', () => {
    const queried = panels.filter((p) => p.type !== 'row');
    expect(queried.length).toBeGreaterThan(15);
    for (const p of queried) expect(p.targets?.length, p.title).toBeGreaterThan(0);
  });

  it("has only queries promtool parses (each checked as a recording rule's expression)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'frostmint-dashboard-'));
    try {
      const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => asPromql(t.expr)));
      const file = join(dir, 'dashboard.rules.yml');
      const asRules = exprs.map((expr, i) => ({ record: `dashboard:panel_query:${i}`, expr }));
      await writeFile(file, JSON.stringify({ groups: [{ name: 'dashboard', rules: asRules }] }));
      const check = promtool(['check', 'rules', file]);
      expect(check.output).toContain(`SUCCESS: ${exprs.length} rules found`);
      expect(check.status).toBe(0);
      // A query that does not parse fails the check: the check is not vacuous.
      await writeFile(
        file,
        JSON.stringify({
          groups: [{ name: 'x', rules: [{ record: 'x:y', expr: 'sum(rate(x[5m])' }] }],
        }),
      );
      expect(promtool(['check', 'rules', file]).status).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads only metrics the code exports or the rules record', async () => {
    const exported = await exportedNames();
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    const used = panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr)));
    expect(used.length).toBeGreaterThan(20);
    expect(used.filter((n) => !exported.has(n) && !recorded.has(n))).toEqual([]);
  });
});
