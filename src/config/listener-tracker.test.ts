import { expect, test } from 'bun:test';
import { groupKey, ListenerTracker } from './listener-tracker';

test('groupKey escapes + and % and omits the default tenant (GroupKey2)', () => {
  expect(groupKey({ namespaceId: 'public', group: 'G', dataId: 'a' })).toBe('a+G');
  expect(groupKey({ namespaceId: 'dev', group: 'G+1', dataId: 'a%b' })).toBe('a%25b+G%2B1+dev');
});

test('tracker counts repeated listens and reports per config and per IP', () => {
  const t = new ListenerTracker();
  const k = { namespaceId: 'public', group: 'G', dataId: 'a' };
  t.add(k, '10.0.0.1', 'm1');
  t.add(k, '10.0.0.1', 'm1');
  t.add(k, '10.0.0.2', 'm2');
  expect(t.ofConfig(k)).toEqual({ '10.0.0.1': 'm1', '10.0.0.2': 'm2' });
  expect(t.ofIp('10.0.0.1')).toEqual({ 'a+G': 'm1' });
  t.remove(k, '10.0.0.1');
  expect(t.ofConfig(k)['10.0.0.1']).toBe('m1');
  t.remove(k, '10.0.0.1');
  t.remove(k, '10.0.0.2');
  t.remove(k, '10.0.0.9');
  expect(t.ofConfig(k)).toEqual({});
});
