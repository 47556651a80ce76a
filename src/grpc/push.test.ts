import { describe, expect, test } from 'bun:test';
import { Registry } from 'prom-client';
import { FakeClock } from '../core/clock';
import { createGrpcMetrics } from './grpc-metrics';
import type { WirePayload } from './proto';
import { PushChannel, PushError, type PushLimits, pushIdGenerator } from './push';

function setup(limits: Partial<PushLimits> = {}) {
  const clock = new FakeClock();
  const sent: Array<{ type: string; body: any }> = [];
  let full = false;
  let drain: (() => void) | undefined;
  const metrics = createGrpcMetrics(new Registry());
  const ch = new PushChannel(
    {
      write(p: WirePayload) {
        sent.push({ type: p.metadata!.type!, body: JSON.parse(new TextDecoder().decode(p.body!.value!)) });
        return !full;
      },
      onDrain: (fn) => (drain = fn),
    },
    {
      clock,
      nextId: pushIdGenerator(),
      metrics,
      limits: { queueSize: 4, maxInFlight: 2, timeoutMs: 100, maxRetries: 2, retryDelayMs: 50, ...limits },
    },
  );
  return {
    clock,
    sent,
    ch,
    metrics,
    setFull: (v: boolean) => (full = v),
    drain: () => drain?.(),
  };
}

describe('PushChannel', () => {
  test('resolves on a matching ack; ids increase; late/unknown acks are ignored', async () => {
    const { ch, sent } = setup();
    const p = ch.push('ConfigChangeNotifyRequest', 'config', { dataId: 'a' });
    expect(sent[0]).toEqual({
      type: 'ConfigChangeNotifyRequest',
      body: { headers: {}, requestId: '1', dataId: 'a', module: 'config' },
    });
    expect(ch.ack('999', { resultCode: 200 })).toBe(false);
    expect(ch.ack('1', { resultCode: 200, requestId: '1' })).toBe(true);
    expect(await p).toMatchObject({ resultCode: 200 });
    expect(ch.ack('1', { resultCode: 200 })).toBe(false);
  });

  test('retries with back-off after a timeout, with a fresh requestId, then fails', async () => {
    const { ch, sent, clock } = setup();
    const p = ch.push('X', 'config', {});
    clock.advance(100); // timeout 1
    expect(sent).toHaveLength(1);
    clock.advance(49);
    expect(sent).toHaveLength(1);
    clock.advance(1); // retry 1 after 50 ms
    expect(sent.map((s) => s.body.requestId)).toEqual(['1', '2']);
    expect(ch.ack('1', { resultCode: 200 })).toBe(false); // stale attempt
    clock.advance(100); // timeout 2
    clock.advance(100); // retry 2 after 2 × 50 ms
    expect(sent).toHaveLength(3);
    clock.advance(100); // timeout 3: give up
    await expect(p).rejects.toMatchObject({ reason: 'timeout' });
    expect(clock.pendingTimers()).toBe(0);
  });

  test('a failed ack (resultCode 500) is retried', async () => {
    const { ch, sent, clock } = setup({ maxRetries: 1 });
    const p = ch.push('X', 'config', {});
    ch.ack('1', { resultCode: 500, errorCode: -500 });
    clock.advance(50);
    expect(sent).toHaveLength(2);
    ch.ack('2', { resultCode: 200 });
    await p;
  });

  test('bounded: in-flight window, then queue, then queue_full at once', async () => {
    const { ch, sent, metrics } = setup();
    const ps = Array.from({ length: 6 }, (_, i) => ch.push('X', 'config', { i }).catch((e) => e));
    expect(sent).toHaveLength(2);
    expect(ch.queued).toBe(4);
    const overflow = await ch.push('X', 'config', { i: 6 }).catch((e) => e);
    expect(overflow).toBeInstanceOf(PushError);
    expect(overflow.reason).toBe('queue_full');
    expect((await metrics.pushQueueDropped.get()).values[0].value).toBe(1);
    ch.ack('1', { resultCode: 200 });
    expect(sent).toHaveLength(3);
    ch.close();
    const results = await Promise.all(ps);
    expect(results[0]).toMatchObject({ resultCode: 200 });
    expect(results.slice(1).every((r) => r instanceof PushError && r.reason === 'closed')).toBe(true);
  });

  test('coalesces queued pushes with the same key', async () => {
    const { ch, sent } = setup({ maxInFlight: 1 });
    const a = ch.push('X', 'config', { v: 1 }, { coalesceKey: 'k0' });
    const b = ch.push('X', 'config', { v: 2 }, { coalesceKey: 'k' });
    const c = ch.push('X', 'config', { v: 3 }, { coalesceKey: 'k' });
    expect(ch.queued).toBe(1);
    ch.ack('1', { resultCode: 200 });
    expect(sent[1].body.v).toBe(3);
    ch.ack('2', { resultCode: 200 });
    await Promise.all([a, b, c]);
  });

  test('pauses while the transport is full and resumes on drain', () => {
    const { ch, sent, setFull, drain } = setup({ maxInFlight: 10 });
    setFull(true);
    void ch.push('X', 'config', {}).catch(() => {});
    void ch.push('X', 'config', {}).catch(() => {});
    expect(sent).toHaveLength(1);
    setFull(false);
    drain();
    expect(sent).toHaveLength(2);
    ch.close();
  });
});
