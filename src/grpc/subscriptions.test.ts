import { expect, test } from 'bun:test';
import { FakeClock } from '../core/clock';
import type { Connection } from './connection';
import { Debouncer, Subscriptions } from './subscriptions';

const conn = (id: string) => ({ id }) as Connection;

test('Subscriptions index both ways and drop a connection completely', () => {
  const s = new Subscriptions<string>();
  s.add('k1', conn('a'), 'x');
  s.add('k2', conn('a'), 'y');
  s.add('k1', conn('b'), 'z');
  expect(s.watchers('k1').map((w) => w.data)).toEqual(['x', 'z']);
  expect(s.size).toBe(3);
  expect(s.removeConnection('a').sort()).toEqual(['k1', 'k2']);
  expect(s.watchers('k2')).toEqual([]);
  expect([...s.keys()]).toEqual(['k1']);
  s.remove('k1', 'b');
  expect(s.size).toBe(0);
});

test('Debouncer merges a burst into one run after the delay', () => {
  const clock = new FakeClock();
  const runs: string[] = [];
  const d = new Debouncer(clock, 500, (k) => runs.push(k));
  d.schedule('svc');
  clock.advance(200);
  d.schedule('svc');
  d.schedule('other');
  clock.advance(300);
  expect(runs).toEqual(['svc']);
  clock.advance(200);
  expect(runs).toEqual(['svc', 'other']);
  d.schedule('svc');
  d.dispose();
  clock.advance(1000);
  expect(runs).toHaveLength(2);
});
