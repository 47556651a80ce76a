import { describe, expect, test } from 'bun:test';
import { Registry } from 'prom-client';
import { FakeClock } from '../core/clock';
import { LevelFilter, Log, MemorySink } from '../core/log';
import { type CloseReason, Connection, ConnectionManager, splitPeer } from './connection';
import { createGrpcMetrics } from './grpc-metrics';
import { PushChannel, pushIdGenerator } from './push';

const log = new Log({ filter: new LevelFilter('off'), sinks: [new MemorySink()] });

function setup(max = 0) {
  const clock = new FakeClock();
  const metrics = createGrpcMetrics(new Registry());
  const mgr = new ConnectionManager({
    clock,
    log,
    metrics,
    maxConnections: max,
    idleMs: 20_000,
    ejectIntervalMs: 3000,
    detectTimeoutMs: 5000,
  });
  const nextId = pushIdGenerator();
  const make = (peer: string) => {
    const sent: any[] = [];
    let closed = false;
    const push = new PushChannel(
      {
        write: (p) => {
          sent.push(JSON.parse(new TextDecoder().decode(p.body!.value!)));
          return true;
        },
        onDrain: () => {},
      },
      {
        clock,
        nextId,
        limits: { queueSize: 10, maxInFlight: 10, timeoutMs: 3000, maxRetries: 0, retryDelayMs: 0 },
      },
    );
    const { ip, port } = splitPeer(peer);
    const conn = new Connection(
      {
        id: mgr.idForPeer(peer),
        remoteIp: ip,
        remotePort: port,
        clientIp: '',
        clientVersion: '',
        tenant: '',
        labels: {},
      },
      push,
      () => (closed = true),
      clock.now(),
    );
    return { conn, sent, isClosed: () => closed };
  };
  return { clock, metrics, mgr, make };
}

describe('ConnectionManager', () => {
  test('ids are per transport and stable until registration; the gauge follows registrations', async () => {
    const { mgr, make, metrics } = setup();
    const id = mgr.idForPeer('ipv4:10.0.0.1:5000');
    expect(id).toMatch(/^\d+_10\.0\.0\.1_5000$/);
    expect(mgr.idForPeer('ipv4:10.0.0.1:5000')).toBe(id);
    const a = make('ipv4:10.0.0.1:5000');
    expect(a.conn.id).toBe(id);
    expect(a.conn.clientIp).toBe('10.0.0.1');
    expect(mgr.register('ipv4:10.0.0.1:5000', a.conn)).toBe(true);
    expect(mgr.forPeer('ipv4:10.0.0.1:5000')).toBe(a.conn);
    expect((await metrics.activeConnections.get()).values[0].value).toBe(1);
    const reasons: CloseReason[] = [];
    mgr.onUnregister((_c, r) => reasons.push(r));
    mgr.unregister(id, 'closed');
    mgr.unregister(id, 'closed');
    expect(reasons).toEqual(['closed']);
    expect(a.isClosed()).toBe(true);
    expect((await metrics.activeConnections.get()).values[0].value).toBe(0);
  });

  test('connection limit refuses registration', () => {
    const { mgr, make } = setup(1);
    expect(mgr.register('a:1', make('a:1').conn)).toBe(true);
    expect(mgr.register('a:2', make('a:2').conn)).toBe(false);
  });

  test('unregister with a stale connection object does not remove the new holder of the id', () => {
    const { mgr, make } = setup();
    const a = make('a:1');
    mgr.register('a:1', a.conn);
    const stale = make('a:9');
    mgr.unregister(a.conn.id, 'closed', stale.conn);
    expect(mgr.get(a.conn.id)).toBe(a.conn);
  });

  test('ejector: idle ≥ idleMs gets ClientDetectionRequest; no ack within detect timeout ⇒ unregistered', async () => {
    const { mgr, make, clock } = setup();
    const quiet = make('a:1');
    const answering = make('a:2');
    mgr.register('a:1', quiet.conn);
    mgr.register('a:2', answering.conn);
    mgr.startEjector();
    clock.advance(18_000);
    expect(quiet.sent).toHaveLength(0);
    clock.advance(3000); // tick at 21 s: both idle
    expect(quiet.sent[0]).toMatchObject({ module: 'internal', requestId: expect.any(String) });
    const req = answering.sent[0];
    answering.conn.push.ack(req.requestId, { resultCode: 200 });
    await Bun.sleep(0);
    clock.advance(5000);
    await Bun.sleep(0);
    expect(mgr.get(quiet.conn.id)).toBeUndefined();
    expect(mgr.get(answering.conn.id)).toBe(answering.conn);
    expect(answering.conn.lastActive).toBeGreaterThan(0);
    mgr.stopEjector();
    expect(clock.pendingTimers()).toBe(0);
  });
});
