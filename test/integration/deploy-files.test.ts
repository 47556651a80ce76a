import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { parseMemberList } from '../../src/cluster/member-list';
import { SEED_METRIC_NAMES } from '../../src/metrics/seed-metrics';
import { withSettingsReference } from '../../src/settings/reference';
import { envNameFor } from '../../src/settings/setting-spec';
import { ALL_SETTINGS, loadSettings } from '../../src/settings/settings';
import { startTestServer, type TestServer } from '../support/server';

// No Docker engine or cluster here: the deployment files are parsed and checked against the
// code's own defaults (settings specs, routes, metric names) and a running server.
const ROOT = resolve(import.meta.dir, '../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

const defaults = loadSettings({
  configPath: join(ROOT, 'does-not-exist.yml'),
  configPathExplicit: false,
  env: {},
});
const MAIN = defaults.mainPort;
const CONSOLE = defaults.int('nacos.console.port');
const SDK = MAIN + 1000;
const CLUSTER = MAIN + 1001;
const CTX = defaults.contextPath;
const LIVENESS = `${CTX}/v1/console/health/liveness`;
const READINESS = `${CTX}/v1/console/health/readiness`;
const CONFIG_PATH = '/etc/batata/conf/application.yml';
const DATA_DIR = '/var/lib/batata';
const ENV_NAMES = new Set(ALL_SETTINGS.flatMap((s) => [envNameFor(s.key), ...(s.env ?? [])]));

function settingsFrom(yamlText: string, env: Record<string, string> = {}) {
  const path = join(t.dataDir, `cfg-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(path, yamlText);
  return loadSettings({ configPath: path, configPathExplicit: true, env });
}

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await Bun.write(join(t.dataDir, '.keep'), '');
});
afterAll(async () => {
  await t.stop();
});

describe('Dockerfile and .dockerignore', () => {
  const lines = read('Dockerfile')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const instr = (name: string) => lines.filter((l) => l.toUpperCase().startsWith(`${name} `));

  test('multi-stage: Bun from npm (the pinned version), binary on debian:bookworm-slim', () => {
    const froms = instr('FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms[0]).toMatch(/ AS build$/i);
    expect(froms.at(-1)).toBe('FROM debian:bookworm-slim');
    const pinned = /BUN_VERSION="([^"]+)"/.exec(read('install.sh'))![1];
    expect(instr('ARG')).toContain(`ARG BUN_VERSION=${pinned}`);
    expect(Bun.version).toBe(pinned!);
    expect(lines.some((l) => l.includes('npm install -g') && l.includes(`bun@\${BUN_VERSION}`))).toBe(true);
    expect(lines).toContain('RUN bun install --frozen-lockfile');
    expect(lines.some((l) => l.startsWith('RUN bun run build'))).toBe(true);
    expect(instr('COPY')).toContain('COPY --from=build /src/dist/batata /usr/local/bin/batata');
  });

  test('ports, user, config path, data volume and command agree with the code', () => {
    const exposed = instr('EXPOSE').flatMap((l) => l.split(/\s+/).slice(1).map(Number));
    expect(exposed.sort()).toEqual([MAIN, CONSOLE, SDK, CLUSTER].sort());
    const user = instr('USER').at(-1)!;
    expect(user).not.toMatch(/USER (root|0)\b/);
    expect(lines.some((l) => l.includes('useradd') && l.includes('--uid 10001'))).toBe(true);
    expect(instr('COPY')).toContain(`COPY deploy/application.yml ${CONFIG_PATH}`);
    expect(instr('VOLUME')).toEqual([`VOLUME ["${DATA_DIR}"]`]);
    expect(JSON.parse(instr('CMD').at(-1)!.slice(4))).toEqual(['batata', '--config', CONFIG_PATH]);
  });

  test('HEALTHCHECK probes liveness on the main port and really passes/fails', async () => {
    const hc = lines.find((l) => l.startsWith('CMD ["bash"'))!;
    const argv = JSON.parse(hc.slice(4)) as string[];
    expect(argv.slice(0, 2)).toEqual(['bash', '-c']);
    expect(argv[2]).toContain(`/dev/tcp/127.0.0.1/${MAIN}`);
    expect(argv[2]).toContain(`GET ${LIVENESS} `);
    const run = async (port: number) =>
      Bun.spawn(['bash', '-c', argv[2]!.replace(`/${MAIN}`, `/${port}`)], {
        stdout: 'ignore',
        stderr: 'ignore',
      }).exited;
    expect(await run(t.ports.main)).toBe(0);
    const { freePort } = await import('../support/ports');
    expect(await run(await freePort())).not.toBe(0);
  });

  test('the image config is valid, has no unknown keys and stores data in the volume', () => {
    const s = settingsFrom(read('deploy/application.yml'));
    expect(s.warnings).toEqual([]);
    expect(s.str('storage.data-dir')).toBe(DATA_DIR);
    expect(s.mainPort).toBe(MAIN);
    expect(s.int('nacos.console.port')).toBe(CONSOLE);
  });

  test('.dockerignore keeps build outputs out but everything the build COPYs in', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const p of ['node_modules', 'dist', '.git', 'data']) expect(ignored).toContain(p);
    for (const needed of [
      'package.json',
      'bun.lock',
      'deploy/application.yml',
      'conf/mysql-schema.sql',
      'src',
      'cli',
    ])
      expect(ignored.some((p) => needed === p || needed.startsWith(`${p}/`))).toBe(false);
  });
});

describe('docker-compose.yml', () => {
  const doc = parse(read('docker-compose.yml')) as any;

  test('MySQL 8 initialised from conf/mysql-schema.sql, database name matches the schema script', () => {
    const mysql = doc.services.mysql;
    expect(mysql.image).toMatch(/^mysql:8/);
    expect(mysql.volumes).toContain('./conf/mysql-schema.sql:/docker-entrypoint-initdb.d/init.sql:ro');
    const created = /CREATE DATABASE IF NOT EXISTS `([^`]+)`/.exec(read('conf/mysql-schema.sql'))![1];
    expect(mysql.environment.MYSQL_DATABASE).toBe(created);
    const url = new URL(doc.services.batata.environment.BATATA_DB_URL);
    expect(url.hostname).toBe('mysql');
    expect(url.pathname).toBe(`/${created}`);
    expect(url.password).toBe(mysql.environment.MYSQL_ROOT_PASSWORD);
  });

  test('batata env names are real settings and publish every port', () => {
    const b = doc.services.batata;
    for (const name of Object.keys(b.environment)) expect(ENV_NAMES.has(name)).toBe(true);
    expect(b.environment.RUST_LOG).toBe('info');
    const s = loadSettings({ configPath: join(ROOT, 'deploy/application.yml'), env: b.environment });
    expect(s.str('db.url')).toBe(b.environment.BATATA_DB_URL);
    expect(s.str('log.level')).toBe('info');
    expect(b.ports.map((p: string) => Number(p.split(':')[1])).sort()).toEqual(
      [MAIN, CONSOLE, SDK, CLUSTER].sort(),
    );
    expect(b.depends_on.mysql.condition).toBe('service_healthy');
    expect(b.volumes).toContain(`batata_data:${DATA_DIR}`);
  });
});

describe('Kubernetes manifests', () => {
  const docs = [
    'configmap.yaml',
    'service.yaml',
    'statefulset.yaml',
    'pdb.yaml',
    'secret.example.yaml',
  ].flatMap((f) => parseAllDocuments(read(`deploy/k8s/${f}`)).map((d) => d.toJSON() as any));
  const kind = (k: string) => docs.filter((d) => d.kind === k);
  const sts = kind('StatefulSet')[0];
  const container = sts.spec.template.spec.containers[0];
  const mount = (name: string) =>
    container.volumeMounts.find((m: any) => m.name === name).mountPath as string;
  // The env the StatefulSet sets; secrets from the example Secret, placeholders → random values.
  const podEnv = () => {
    const secret = kind('Secret')[0].stringData as Record<string, string>;
    const fill: Record<string, string> = {
      'auth-secret-key': randomBytes(32).toString('base64'),
      'server-identity': randomBytes(24).toString('hex'),
    };
    return Object.fromEntries(
      container.env
        .filter((e: any) => e.value !== undefined || e.valueFrom?.secretKeyRef)
        .map((e: any) => {
          const key = e.valueFrom?.secretKeyRef?.key;
          return [e.name, e.value ?? fill[key] ?? secret[key]];
        }),
    ) as Record<string, string>;
  };

  test('kustomization lists every manifest but the example secret', () => {
    const k = parse(read('deploy/k8s/kustomization.yaml')) as { resources: string[] };
    expect(k.resources.sort()).toEqual(['configmap.yaml', 'pdb.yaml', 'service.yaml', 'statefulset.yaml']);
  });

  test('ConfigMap application.yml is valid for this server', () => {
    const cm = kind('ConfigMap')[0];
    // With the env the StatefulSet sets (secrets → random values of the right shape).
    const s = settingsFrom(cm.data['application.yml'], podEnv());
    expect(s.warnings).toEqual([]);
    expect(s.str('cluster.member.lookup.type')).toBe('file');
    expect(s.str('cluster.conf.file')).toBe(`${mount('config')}/cluster.conf`);
    const members = parseMemberList(cm.data['cluster.conf']);
    expect(members).toEqual(
      members.map((_: string, i: number) => `${sts.metadata.name}-${i}.${sts.spec.serviceName}:${MAIN}`),
    );
    expect(members).toHaveLength(sts.spec.replicas);
    // Each pod advertises the name it has in cluster.conf.
    const advertised = container.env.find((e: any) => e.name === 'BATATA_NACOS_SERVER_IP').value;
    expect(members).toContain(`${advertised.replace('$(POD_NAME)', `${sts.metadata.name}-0`)}:${MAIN}`);
    expect(s.mainPort).toBe(MAIN);
    expect(s.str('storage.data-dir')).toBe(DATA_DIR);
    expect(`${mount('config')}/application.yml`).toBe(CONFIG_PATH);
    expect(sts.spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name).toBe(
      cm.metadata.name,
    );
  });

  test('StatefulSet ports, probes, env, data volume, non-root', async () => {
    const ports = Object.fromEntries(container.ports.map((p: any) => [p.name, p.containerPort]));
    expect(ports).toEqual({ http: MAIN, console: CONSOLE, grpc: SDK, cluster: CLUSTER });
    expect(container.args).toEqual(['batata', '--config', CONFIG_PATH]);
    expect(container.livenessProbe.httpGet.path).toBe(LIVENESS);
    expect(container.readinessProbe.httpGet.path).toBe(READINESS);
    expect(container.startupProbe.httpGet.path).toBe(LIVENESS);
    for (const probe of [container.livenessProbe, container.readinessProbe])
      expect(ports[probe.httpGet.port]).toBe(MAIN);
    // The probe paths answer 200 on a real server.
    for (const p of [LIVENESS, READINESS]) expect((await fetch(`${t.url}${p}`)).status).toBe(200);
    for (const e of container.env) if (e.name !== 'POD_NAME') expect(ENV_NAMES.has(e.name)).toBe(true);
    expect(container.volumeMounts.find((m: any) => m.name === 'data').mountPath).toBe(DATA_DIR);
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    const secretKeys = Object.keys(kind('Secret')[0].stringData);
    for (const e of container.env.filter((x: any) => x.valueFrom?.secretKeyRef))
      expect(secretKeys).toContain(e.valueFrom.secretKeyRef.key);
  });

  test('headless Service and PodDisruptionBudget select the StatefulSet pods', () => {
    const labels = sts.spec.template.metadata.labels;
    const headless = kind('Service').find((s) => s.spec.clusterIP === 'None');
    expect(headless.metadata.name).toBe(sts.spec.serviceName);
    for (const svc of kind('Service')) {
      expect(labels).toMatchObject(svc.spec.selector);
      const named = new Set(container.ports.map((p: any) => p.name));
      for (const p of svc.spec.ports) expect(named.has(p.targetPort)).toBe(true);
    }
    const pdb = kind('PodDisruptionBudget')[0];
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(labels).toMatchObject(pdb.spec.selector.matchLabels);
    expect(pdb.spec.maxUnavailable).toBeLessThan(sts.spec.replicas);
    const annotations = sts.spec.template.metadata.annotations;
    expect(annotations['prometheus.io/path']).toBe(`${CTX}/metrics`);
    expect(Number(annotations['prometheus.io/port'])).toBe(MAIN);
  });
});

describe('systemd unit', () => {
  const unit = read('deploy/systemd/batata.service');
  const kv = (k: string) =>
    unit
      .split('\n')
      .filter((l) => l.startsWith(`${k}=`))
      .map((l) => l.slice(k.length + 1));

  test('runs the binary with the config path as a non-root user, restarts on failure', () => {
    expect(kv('ExecStart')).toEqual([`/usr/local/bin/batata --config ${CONFIG_PATH}`]);
    expect(kv('User')).toEqual(['batata']);
    expect(kv('Restart')).toEqual(['on-failure']);
    expect(kv('KillSignal')).toEqual(['SIGTERM']);
    expect(Number(kv('TimeoutStopSec')[0]) * 1000).toBeGreaterThan(
      defaults.int('server.shutdown-timeout-ms'),
    );
    expect(kv('ReadWritePaths')[0]).toContain(DATA_DIR);
    for (const [, name] of kv('Environment').map((e) => /^([A-Z_]+)=/.exec(e) ?? []))
      expect(ENV_NAMES.has(name!)).toBe(true);
  });
});

describe('systemd unit, verified by systemd itself', () => {
  test('systemd-analyze verify accepts the unit (binary path pointed at an existing executable)', async () => {
    const analyze = Bun.which('systemd-analyze');
    if (!analyze) {
      // Not every machine has systemd; the parse checks above still run there.
      console.warn('systemd-analyze not found: unit verified by parsing only');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'batata-unit-'));
    const unit = join(dir, 'batata.service');
    writeFileSync(
      unit,
      read('deploy/systemd/batata.service').replace(
        'ExecStart=/usr/local/bin/batata',
        `ExecStart=${process.execPath}`,
      ),
    );
    const p = Bun.spawn([analyze, 'verify', unit], { stdout: 'pipe', stderr: 'pipe' });
    const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    rmSync(dir, { recursive: true, force: true });
    expect(err.trim()).toBe('');
    expect(code).toBe(0);
  });
});

describe('Prometheus and Grafana', () => {
  test('scrape example points at the metrics path and main port', () => {
    const p = parse(read('deploy/prometheus.yml')) as any;
    const job = p.scrape_configs[0];
    expect(job.metrics_path).toBe(`${CTX}/metrics`);
    expect(Number(job.static_configs[0].targets[0].split(':')[1])).toBe(MAIN);
  });

  test('dashboard has the recommended panels and uses only real metric names', async () => {
    const d = JSON.parse(read('deploy/grafana/batata-dashboard.json'));
    const titles: string[] = d.panels.map((p: any) => p.title);
    for (const re of [
      /request rate/i,
      /latency/i,
      /config change/i,
      /register \/ deregister/i,
      /healthy/i,
      /cluster size/i,
    ])
      expect(titles.some((x) => re.test(x))).toBe(true);
    const exprs: string[] = d.panels.flatMap((p: any) => p.targets.map((x: any) => x.expr));
    const used = new Set(exprs.flatMap((e) => e.match(/batata_[a-z_]+/g) ?? []));
    await fetch(`${t.nacos}/v1/console/namespaces`);
    const scraped = await (await fetch(`${t.nacos}/metrics`)).text();
    // Declared metrics (labelled ones have no sample before their first use), with histogram series.
    const exposed = new Set(
      [...scraped.matchAll(/^# TYPE (batata_[a-z_]+) (\w+)/gm)].flatMap(([, n, type]) =>
        type === 'histogram' ? [`${n}_bucket`, `${n}_count`, `${n}_sum`] : [n!],
      ),
    );
    // Cluster-mode metrics are not registered by a standalone server: those must be declared in
    // the cluster module's source.
    const clusterSrc = read('src/cluster/cluster-metrics.ts');
    for (const name of used) {
      expect(exposed.has(name) || clusterSrc.includes(`'${name}'`), name).toBe(true);
    }
    for (const seed of SEED_METRIC_NAMES) expect(used.has(seed), seed).toBe(true);
    const ids = d.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('README operator docs', () => {
  const readme = read('README.md');

  test('the generated settings reference is current (run `bun run gen` after adding settings)', () => {
    expect(withSettingsReference(readme, ALL_SETTINGS) === readme).toBe(true);
  });

  test('the configuration reference names every setting and every env alias', () => {
    const missingKeys = ALL_SETTINGS.filter((s) => !readme.includes(`\`${s.key}\``)).map((s) => s.key);
    expect(missingKeys).toEqual([]);
    const missingEnv = ALL_SETTINGS.flatMap((s) => s.env ?? []).filter((e) => !readme.includes(`\`${e}\``));
    expect(missingEnv).toEqual([]);
  });

  test('documents the deployment files, probes and the seed metric names', () => {
    for (const f of [
      'Dockerfile',
      'docker-compose.yml',
      'deploy/k8s',
      'deploy/systemd/batata.service',
      'deploy/grafana/batata-dashboard.json',
      'deploy/prometheus.yml',
    ])
      expect(readme).toContain(f);
    expect(readme).toContain(LIVENESS);
    expect(readme).toContain(READINESS);
    for (const m of SEED_METRIC_NAMES) expect(readme).toContain(`\`${m}\``);
  });
});
