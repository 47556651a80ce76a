import { Elysia } from 'elysia';
import { holdOpen } from '../http/app';
import { badRequest } from './consul-errors';
import { type ConsulHttp, consulRoute, json, parseBlocking, pathTail, type Req } from './consul-http';
import type { UserEvent } from './consul-model';
import type { EventService } from './event-service';

/** The version we report to tools that probe it (spec §3.1). */
export const CONSUL_COMPAT_VERSION = '1.21.4';

/** This server as a Consul node/agent. */
export interface LocalNode {
  name: string;
  id: string;
  address: string;
  datacenter: string;
  aclsEnabled: () => boolean;
  batataVersion: string;
}

const AGENT_R = { resource: 'consul-agent', action: 'r' } as const;
const EVENT_W = { resource: 'consul-agent', action: 'w' } as const;
const OPEN = { open: true } as const;

export function memberJson(n: LocalNode) {
  return {
    Name: n.name,
    Addr: n.address,
    Port: 8301,
    Tags: {
      acls: n.aclsEnabled() ? '1' : '0',
      build: `${CONSUL_COMPAT_VERSION}:batata-${n.batataVersion}`,
      dc: n.datacenter,
      id: n.id,
      port: '8300',
      role: 'consul',
      segment: '',
      vsn: '2',
      vsn_max: '3',
      vsn_min: '2',
    },
    Status: 1,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

/** `/v1/agent/self`, `/v1/agent/members`, `/v1/status/*`, `/v1/catalog/datacenters`, `/v1/event/*`. */
export function agentRoutes(http: ConsulHttp, node: LocalNode, events: EventService) {
  const leader = `${node.address}:8300`;
  /** Open endpoints still pass the gate (per-client rate limit). */
  const open = async (c: Req, body: unknown) => {
    const q = http.query(c.request);
    await http.authorize(c, q, OPEN);
    return json(q, body);
  };
  return new Elysia({ name: 'consul.agent' })
    .get(
      '/v1/agent/self',
      async (c: Req) => {
        const q = http.query(c.request);
        await http.authorize(c, q, AGENT_R);
        return json(q, {
          Config: {
            Datacenter: node.datacenter,
            PrimaryDatacenter: node.datacenter,
            NodeName: node.name,
            NodeID: node.id,
            Revision: `batata-${node.batataVersion}`,
            Server: true,
            Version: CONSUL_COMPAT_VERSION,
            BuildDate: '2025-01-01T00:00:00Z',
          },
          DebugConfig: { Datacenter: node.datacenter, NodeName: node.name, ServerMode: true },
          Coord: null,
          Member: memberJson(node),
          Stats: {
            agent: { checks: '0', services: '0' },
            consul: { server: 'true', leader: 'true', leader_addr: leader, known_datacenters: '1' },
            batata: { version: node.batataVersion },
          },
          Meta: { 'consul-network-segment': '', 'consul-version': CONSUL_COMPAT_VERSION },
        });
      },
      { detail: consulRoute('Consul agent self', AGENT_R) },
    )
    .get(
      '/v1/agent/members',
      async (c: Req) => {
        const q = http.query(c.request);
        await http.authorize(c, q, AGENT_R);
        if (q.get('wan') && q.get('segment')) throw badRequest('Cannot provide a segment with wan=true');
        return json(q, [memberJson(node)]);
      },
      { detail: consulRoute('Consul agent members (this server)', AGENT_R) },
    )
    .get('/v1/status/leader', (c: Req) => open(c, leader), {
      detail: consulRoute('Consul raft leader', OPEN),
    })
    .get('/v1/status/peers', (c: Req) => open(c, [leader]), {
      detail: consulRoute('Consul raft peers', OPEN),
    })
    .get('/v1/catalog/datacenters', (c: Req) => open(c, [node.datacenter]), {
      detail: consulRoute('Consul datacenters', OPEN),
    })
    .put(
      '/v1/event/fire/*',
      async (c: Req) => {
        const q = http.query(c.request);
        const name = pathTail(c.request, '/v1/event/fire/');
        await http.authorize(c, q, EVENT_W, name);
        if (!name) throw badRequest('Missing name');
        const body = new Uint8Array(await c.request.arrayBuffer());
        const ev = events.fire(name, body, {
          node: q.get('node') ?? undefined,
          service: q.get('service') ?? undefined,
          tag: q.get('tag') ?? undefined,
        });
        return json(q, eventJson(ev));
      },
      { parse: 'none', detail: consulRoute('Consul fire user event', EVENT_W) },
    )
    .get(
      '/v1/event/list',
      async (c: Req) => {
        const q = http.query(c.request);
        await http.authorize(c, q, AGENT_R);
        const name = q.get('name') || undefined;
        const rawIndex = q.get('index');
        if (rawIndex && !/^\d+$/.test(rawIndex)) throw badRequest('Invalid index');
        let r = events.list(name);
        if (rawIndex && rawIndex !== '0' && BigInt(rawIndex) === r.index) {
          // compat(consul): the event index is a hash, so "changed" means "differs", not "greater".
          const { waitMs } = parseBlocking(q);
          holdOpen(c.server, c.request);
          const signal = AbortSignal.any([c.request.signal, http.shutdown.signal]);
          const deadline = Date.now() + waitMs;
          while (r.index === BigInt(rawIndex) && Date.now() < deadline && !signal.aborted) {
            await events.wait(deadline - Date.now(), signal);
            r = events.list(name);
          }
        }
        return json(q, r.events.map(eventJson), {
          headers: { 'X-Consul-Index': String(r.index === 0n ? 1n : r.index) },
        });
      },
      { detail: consulRoute('Consul list user events (blocking)', AGENT_R) },
    );
}

function eventJson(e: UserEvent) {
  return {
    ID: e.id,
    Name: e.name,
    Payload: e.payload ? Buffer.from(e.payload).toString('base64') : null,
    NodeFilter: e.nodeFilter,
    ServiceFilter: e.serviceFilter,
    TagFilter: e.tagFilter,
    Version: e.version,
    LTime: e.ltime,
  };
}
