import type { WrkRequest } from './common';

/**
 * Scenario hooks: each domain adds an entry here. `setup` prepares data through the public API
 * and returns the request wrk repeats; `available` probes the route so scenarios of domains that
 * are not merged yet are reported as skipped instead of measuring 404s.
 */
export interface Scenario {
  name: string;
  /** Resolves false when the server does not serve this API (domain not merged). */
  available(base: string): Promise<boolean>;
  setup(base: string): Promise<WrkRequest>;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function post(base: string, path: string, params: Record<string, string>, method = 'POST') {
  const res = await fetch(`${base}${path}`, { method, headers: FORM, body: new URLSearchParams(params) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

const notMissing = async (base: string, path: string, init?: RequestInit) => {
  try {
    const res = await fetch(`${base}${path}`, init);
    await res.arrayBuffer();
    return res.status !== 404 && res.status !== 405;
  } catch {
    return false;
  }
};

const CONFIG = 'dataId=bench.properties&group=BENCH';

/** Config API present: a publish succeeds (a GET of a missing config is a legitimate 404). */
const configApi = async (base: string) => {
  try {
    const res = await fetch(`${base}/nacos/v1/cs/configs`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ dataId: 'bench.probe', group: 'BENCH', content: 'x' }),
    });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
};

export const SCENARIOS: Scenario[] = [
  {
    name: 'namespace list (GET /nacos/v1/console/namespaces)',
    available: (b) => notMissing(b, '/nacos/v1/console/namespaces'),
    async setup(base) {
      for (let i = 0; i < 10; i++)
        await post(base, '/nacos/v1/console/namespaces', {
          customNamespaceId: `bench-${i}`,
          namespaceName: `b${i}`,
        });
      return { path: '/nacos/v1/console/namespaces' };
    },
  },
  {
    name: 'namespace update (PUT /nacos/v1/console/namespaces, durable write)',
    available: (b) => notMissing(b, '/nacos/v1/console/namespaces'),
    async setup(base) {
      await post(base, '/nacos/v1/console/namespaces', { customNamespaceId: 'bench-w', namespaceName: 'w' });
      return {
        method: 'PUT',
        path: '/nacos/v1/console/namespaces',
        headers: FORM,
        body: 'namespace=bench-w&namespaceShowName=renamed&namespaceDesc=bench',
      };
    },
  },
  {
    name: 'config GET (GET /nacos/v1/cs/configs)',
    available: configApi,
    async setup(base) {
      await post(base, '/nacos/v1/cs/configs', {
        dataId: 'bench.properties',
        group: 'BENCH',
        content: 'a=1\nb=2\n',
      });
      return { path: `/nacos/v1/cs/configs?${CONFIG}` };
    },
  },
  {
    name: 'config publish (POST /nacos/v1/cs/configs, durable write)',
    available: configApi,
    async setup() {
      return {
        method: 'POST',
        path: '/nacos/v1/cs/configs',
        headers: FORM,
        body: 'dataId=bench-pub.properties&group=BENCH&content=k%3Dv',
      };
    },
  },
  {
    name: 'instance list (GET /nacos/v1/ns/instance/list)',
    available: (b) => notMissing(b, '/nacos/v1/ns/instance/list?serviceName=bench'),
    async setup(base) {
      for (let i = 0; i < 5; i++)
        await post(base, '/nacos/v1/ns/instance', {
          serviceName: 'bench',
          ip: `10.0.0.${i + 1}`,
          port: '8080',
          ephemeral: 'true',
        });
      return { path: '/nacos/v1/ns/instance/list?serviceName=bench' };
    },
  },
  {
    name: 'Consul KV GET (GET /v1/kv/bench/key)',
    available: (b) => notMissing(b, '/v1/kv/bench/key', { method: 'PUT', body: 'v' }),
    async setup(base) {
      const r = await fetch(`${base}/v1/kv/bench/key`, { method: 'PUT', body: 'value' });
      if (!r.ok) throw new Error(`KV PUT ${r.status}`);
      return { path: '/v1/kv/bench/key' };
    },
  },
  {
    name: 'Consul KV PUT (PUT /v1/kv/bench/put, durable write)',
    available: (b) => notMissing(b, '/v1/kv/bench/put', { method: 'PUT', body: 'v' }),
    async setup() {
      return { method: 'PUT', path: '/v1/kv/bench/put', body: 'value' };
    },
  },
];
