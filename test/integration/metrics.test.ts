import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { SEED_METRICS } from '../../src/metrics/seed-metrics';
import { NacosGrpcClient } from '../support/grpc-client';
import { scrape, sumOf } from '../support/prom';
import { form, startTestServer, type TestServer } from '../support/server';

// Real traffic against a real server, then the counters must have moved by exactly that much.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

const metricsUrl = () => `${t.nacos}/metrics`;

describe('metrics after real traffic', () => {
  test('HTTP counters and histograms move by the exact number of requests, per route template and status', async () => {
    const before = await scrape(metricsUrl());
    const LIVE = '/nacos/v1/console/health/liveness';
    const NS_V1 = '/nacos/v1/console/namespaces';
    const NS_V3 = '/nacos/v3/admin/core/namespace';
    for (let i = 0; i < 7; i++) expect((await fetch(`${t.url}${LIVE}`)).status).toBe(200);
    for (let i = 0; i < 3; i++)
      expect(
        (await form('POST', `${t.url}${NS_V1}`, { customNamespaceId: `m${i}`, namespaceName: `m${i}` })).text,
      ).toBe('true');
    // Duplicate id on v3: a client error, counted under its status and route template.
    expect(
      (await form('POST', `${t.url}${NS_V3}`, { namespaceId: 'm0', namespaceName: 'again' })).status,
    ).toBe(400);
    expect((await fetch(`${t.url}/nacos/v1/no/such/route`)).status).toBe(404);
    const after = await scrape(metricsUrl());
    const d = (name: string, labels: Record<string, string>) =>
      sumOf(after, name, labels) - sumOf(before, name, labels);

    const H = SEED_METRICS.httpRequests;
    expect(d(H, { method: 'GET', route: LIVE, status: '200' })).toBe(7);
    expect(d(H, { method: 'POST', route: NS_V1, status: '200' })).toBe(3);
    expect(d(H, { method: 'POST', route: NS_V3, status: '400' })).toBe(1);
    expect(d(H, { method: 'GET', status: '404' })).toBe(1);
    // The scrape before counts once (it completed before the second scrape rendered).
    expect(d(H, { method: 'GET', route: '/nacos/metrics', status: '200' })).toBe(1);
    expect(d('batata_http_request_duration_seconds_count', { method: 'GET', route: LIVE })).toBe(7);
    expect(d('batata_http_request_duration_seconds_count', { method: 'POST', route: NS_V1 })).toBe(3);
    expect(d('batata_http_request_duration_seconds_bucket', { method: 'GET', route: LIVE, le: '+Inf' })).toBe(
      7,
    );

    // Storage latency: every acknowledged namespace write ran one storage transaction or statement.
    const storageOk = d('batata_storage_query_duration_seconds_count', { outcome: 'ok' });
    expect(storageOk).toBeGreaterThanOrEqual(3);
    expect(d('batata_storage_query_duration_seconds_count', { outcome: 'unavailable' })).toBe(0);
  });

  test('system gauges: uptime, healthy, cluster size, process metrics; actuator path serves the same registry', async () => {
    const s = await scrape(metricsUrl());
    expect(sumOf(s, SEED_METRICS.uptime)).toBeGreaterThan(0);
    expect(sumOf(s, SEED_METRICS.healthy)).toBe(1);
    expect(sumOf(s, SEED_METRICS.clusterSize)).toBe(1);
    expect(sumOf(s, 'batata_process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    const a = await scrape(`${t.nacos}/actuator/prometheus`);
    expect(new Set(a.map((x) => x.name))).toEqual(new Set(s.map((x) => x.name)));
  });

  test('domain counters: config publish/query, service register/query, gRPC requests and connections', async () => {
    const before = await scrape(metricsUrl());
    // Config: 2 publishes, 3 HTTP reads (one of a missing config: still a query).
    for (const id of ['m1.properties', 'm2.properties'])
      expect(
        (await form('POST', `${t.nacos}/v1/cs/configs`, { dataId: id, group: 'METRICS', content: 'k=v' }))
          .text,
      ).toBe('true');
    for (const id of ['m1.properties', 'm2.properties', 'missing.properties'])
      await (await fetch(`${t.nacos}/v1/cs/configs?dataId=${id}&group=METRICS`)).text();
    // Naming: 2 instance registrations, 2 instance-list queries.
    for (const ip of ['10.0.0.1', '10.0.0.2'])
      expect(
        (await form('POST', `${t.nacos}/v1/ns/instance`, { serviceName: 'metrics-svc', ip, port: 8080 }))
          .text,
      ).toBe('ok');
    for (let i = 0; i < 2; i++)
      expect((await fetch(`${t.nacos}/v1/ns/instance/list?serviceName=metrics-svc`)).status).toBe(200);
    // gRPC: one SDK connection, 2 health checks, 1 unknown request, 1 config query, 1 registration.
    const c = await NacosGrpcClient.connect(`127.0.0.1:${t.ports.sdk}`);
    const mid = await scrape(metricsUrl());
    try {
      for (let i = 0; i < 2; i++)
        expect((await c.request('HealthCheckRequest', {})).type).toBe('HealthCheckResponse');
      // Unknown request types are counted too (result no_handler).
      expect((await c.request('NoSuchRequest', {})).type).toBe('ErrorResponse');
      // The same domain counters move for SDK gRPC traffic: one config query, one registration.
      const q = await c.request('ConfigQueryRequest', {
        dataId: 'm1.properties',
        group: 'METRICS',
        tenant: '',
        module: 'config',
      });
      expect(q.body.content).toBe('k=v');
      const reg = await c.request('InstanceRequest', {
        namespace: 'public',
        serviceName: 'metrics-grpc',
        groupName: 'DEFAULT_GROUP',
        module: 'naming',
        type: 'registerInstance',
        instance: { ip: '10.0.0.9', port: 80, ephemeral: true, healthy: true, enabled: true, weight: 1 },
      });
      expect(reg.body.success).toBe(true);
      const after = await scrape(metricsUrl());
      const d = (name: string, labels: Record<string, string> = {}) =>
        sumOf(after, name, labels) - sumOf(before, name, labels);
      expect(d(SEED_METRICS.configPublish, { kind: 'formal' })).toBe(2);
      expect(d(SEED_METRICS.configQuery)).toBe(3 + 1);
      expect(d(SEED_METRICS.serviceRegister)).toBe(2 + 1);
      expect(d(SEED_METRICS.serviceQuery)).toBe(2);
      expect(sumOf(after, SEED_METRICS.grpcRequests, { type: 'HealthCheckRequest' })).toBe(
        sumOf(mid, SEED_METRICS.grpcRequests, { type: 'HealthCheckRequest' }) + 2,
      );
      expect(d(SEED_METRICS.grpcRequests, { type: 'unknown', result: 'no_handler' })).toBe(1);
      expect(d(SEED_METRICS.grpcRequests, { type: 'ConfigQueryRequest' })).toBe(1);
      expect(d(SEED_METRICS.grpcRequests, { type: 'InstanceRequest' })).toBe(1);
      expect(sumOf(after, SEED_METRICS.activeConnections)).toBe(
        sumOf(before, SEED_METRICS.activeConnections) + 1,
      );
    } finally {
      c.close();
    }
    // Closing the connection takes it out of the gauge.
    const deadline = Date.now() + 5000;
    while (
      sumOf(await scrape(metricsUrl()), SEED_METRICS.activeConnections) !==
      sumOf(before, SEED_METRICS.activeConnections)
    ) {
      if (Date.now() > deadline) throw new Error('active connection gauge did not drop after close');
      await Bun.sleep(50);
    }
  });

  test('every seed metric name is exposed by the assembled server', async () => {
    const names = new Set((await scrape(metricsUrl())).map((x) => x.name));
    const exposed = (n: string) =>
      names.has(n) || names.has(`${n}_total`) || [...names].some((x) => x.startsWith(`${n}_`));
    for (const n of Object.values(SEED_METRICS)) expect(exposed(n), n).toBe(true);
  });
});
