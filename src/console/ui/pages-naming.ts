import { call, ns } from './api';
import { button, clear, field, formDialog, h, input, pager, searchForm, table, toast } from './dom';
import type { PageCtx } from './main';
import { go } from './nav';

interface ServiceRow {
  name: string;
  groupName?: string;
  clusterCount?: number;
  ipCount?: number;
  healthyInstanceCount?: number;
}

interface Instance {
  instanceId?: string;
  ip: string;
  port: number;
  weight: number;
  healthy: boolean;
  enabled: boolean;
  ephemeral?: boolean;
  clusterName?: string;
  metadata?: Record<string, string>;
}

const PAGE_SIZE = 20;

/** Accepts `Page{pageItems,totalCount}` and v1-style `{count, serviceList}`. */
function pageOf<T>(data: any): { items: T[]; total: number } {
  if (Array.isArray(data)) return { items: data, total: data.length };
  const items = data?.pageItems ?? data?.serviceList ?? data?.list ?? [];
  return { items, total: data?.totalCount ?? data?.count ?? items.length };
}

/** Service list with instance and healthy counts (Nacos and Consul registrations alike). */
export async function servicesPage(ctx: PageCtx) {
  const { q, root } = ctx;
  const name = input({ name: 'serviceName', value: q.get('name') ?? '' });
  const group = input({ name: 'groupName', value: q.get('group') ?? '' });
  const hideEmpty = h('input', { type: 'checkbox', checked: q.get('hideEmpty') === 'true' });
  const page = Number(q.get('page') ?? 1) || 1;
  const search = (p = 1) =>
    go('services', {
      name: name.value.trim(),
      group: group.value.trim(),
      hideEmpty: String(hideEmpty.checked),
      page: String(p),
    });
  const listEl = h('div', { class: 'list' });
  clear(
    root,
    h('h1', null, 'Services'),
    searchForm(
      [
        field('Service name', name),
        field('Group', group),
        h('label', { class: 'check' }, hideEmpty, ' Hide empty services'),
      ],
      'Search',
      () => search(),
    ),
    listEl,
  );
  const data = await call('GET', '/v3/console/ns/service/list', {
    namespaceId: ns.id,
    serviceNameParam: q.get('name') ?? '',
    groupNameParam: q.get('group') ?? '',
    ignoreEmptyService: q.get('hideEmpty') === 'true',
    withInstances: false,
    pageNo: page,
    pageSize: PAGE_SIZE,
  });
  const { items, total } = pageOf<ServiceRow>(data);
  const rows = items.map((s) => {
    const params = new URLSearchParams({ name: s.name, group: s.groupName ?? 'DEFAULT_GROUP' });
    const healthy = s.healthyInstanceCount ?? 0;
    const count = s.ipCount ?? 0;
    return [
      h('a', { href: `#/service?${params}` }, s.name),
      s.groupName ?? 'DEFAULT_GROUP',
      String(s.clusterCount ?? 0),
      String(count),
      h('span', { class: healthy < count ? 'warn' : 'good' }, String(healthy)),
      h('a', { href: `#/service?${params}` }, 'Detail'),
    ];
  });
  clear(
    listEl,
    table(['Service', 'Group', 'Clusters', 'Instances', 'Healthy', 'Actions'], rows, {
      'aria-label': 'Services',
    }),
    pager(page, total, PAGE_SIZE, search),
  );
}

/** Service detail: clusters with their instances (edit weight/enabled/metadata), subscribers. */
export async function serviceDetailPage(ctx: PageCtx) {
  const { q, root } = ctx;
  const key = {
    namespaceId: ns.id,
    serviceName: q.get('name') ?? '',
    groupName: q.get('group') ?? 'DEFAULT_GROUP',
  };
  const detail = await call<{
    clusterMap?: Record<string, unknown>;
    metadata?: Record<string, string>;
    protectThreshold?: number;
    ephemeral?: boolean;
  }>('GET', '/v3/console/ns/service', key);
  // One call for every instance, grouped by cluster (clusters without instances still show).
  const { items } = pageOf<Instance>(
    await call('GET', '/v3/console/ns/instance/list', { ...key, pageNo: 1, pageSize: 1000 }),
  );
  const byCluster = new Map<string, Instance[]>(Object.keys(detail?.clusterMap ?? {}).map((c) => [c, []]));
  for (const i of items) {
    const c = i.clusterName || 'DEFAULT';
    byCluster.set(c, [...(byCluster.get(c) ?? []), i]);
  }
  const sections = [...byCluster].map(([clusterName, list]) => {
    const rows = list.map((i) => [
      `${i.ip}:${i.port}`,
      String(i.weight),
      h('span', { class: i.healthy ? 'good' : 'warn' }, i.healthy ? 'healthy' : 'unhealthy'),
      i.enabled ? 'yes' : 'no',
      i.ephemeral === false ? 'persistent' : 'ephemeral',
      h('code', null, JSON.stringify(i.metadata ?? {})),
      button('Edit', () => editInstance(i, clusterName, key), {
        class: 'link',
        'aria-label': `Edit ${i.ip}:${i.port}`,
      }),
    ]);
    return h(
      'section',
      { class: 'cluster' },
      h('h2', null, `Cluster ${clusterName}`),
      table(['Instance', 'Weight', 'Health', 'Enabled', 'Kind', 'Metadata', ''], rows, {
        'aria-label': `Instances of ${clusterName}`,
      }),
    );
  });
  const subsEl = h('section', null, h('h2', null, 'Subscribers'));
  clear(
    root,
    h('h1', null, `Service ${key.serviceName}`),
    h(
      'dl',
      { class: 'props' },
      h('dt', null, 'Group'),
      h('dd', null, key.groupName),
      h('dt', null, 'Protect threshold'),
      h('dd', null, String(detail?.protectThreshold ?? 0)),
      h('dt', null, 'Metadata'),
      h('dd', null, h('code', null, JSON.stringify(detail?.metadata ?? {}))),
    ),
    h('p', null, h('a', { href: '#/services' }, '‹ All services')),
    sections,
    subsEl,
  );
  try {
    const subs = pageOf<any>(
      await call('GET', '/v3/console/ns/service/subscribers', { ...key, pageNo: 1, pageSize: 100 }),
    );
    subsEl.append(
      table(
        ['Address', 'Agent', 'App'],
        subs.items.map((s) => [s.addrStr ?? `${s.ip}:${s.port}`, s.agent ?? '', s.app ?? s.appName ?? '']),
        { 'aria-label': 'Subscribers' },
      ),
    );
  } catch (e) {
    ctx.fail(e);
  }
}

function editInstance(i: Instance, clusterName: string, key: Record<string, string>) {
  const weight = input({ type: 'number', min: '0', max: '10000', step: '0.1', value: String(i.weight) });
  const enabled = h('input', { type: 'checkbox', checked: i.enabled });
  const metadata = h('textarea', { rows: 5 }, JSON.stringify(i.metadata ?? {}, null, 2));
  formDialog(
    `Edit ${i.ip}:${i.port}`,
    [
      field('Weight', weight),
      h('label', { class: 'check' }, enabled, ' Enabled (receives traffic)'),
      field('Metadata (JSON)', metadata),
    ],
    async () => {
      try {
        JSON.parse(metadata.value || '{}');
      } catch {
        throw new Error('Metadata must be a JSON object, e.g. {"version":"1.0"}.');
      }
      await call('PUT', '/v3/console/ns/instance', {
        ...key,
        clusterName,
        ip: i.ip,
        port: i.port,
        weight: weight.value,
        enabled: enabled.checked,
        ephemeral: i.ephemeral ?? true,
        metadata: metadata.value || '{}',
      });
      toast(`Updated ${i.ip}:${i.port}`);
    },
    () => go('service', { name: key.serviceName!, group: key.groupName! }),
  );
}
