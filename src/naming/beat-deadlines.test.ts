import { describe, expect, test } from 'bun:test';
import { BeatDeadlines } from './beat-deadlines';

const keysOf = (xs: Array<{ key: string }>) => xs.map((x) => x.key).sort();

describe('BeatDeadlines', () => {
  test('reports a key once its timeout passed, again at its delete deadline, not while it beats', () => {
    const d = new BeatDeadlines(1000);
    d.set('a', { last: 0, timeout: 15_000, del: 30_000 });
    d.set('b', { last: 0, timeout: 15_000, del: 30_000 });
    expect(d.overdue(15_000)).toEqual([]);
    d.touch('b', 10_000);
    const first = d.overdue(15_001);
    expect(keysOf(first)).toEqual(['a']);
    expect(first[0]!.idle).toBe(15_001);
    expect(d.overdue(16_000)).toEqual([]); // a is reported again at 30 001 or after retryMs
    expect(keysOf(d.overdue(16_002))).toEqual(['a']);
    expect(keysOf(d.overdue(25_001))).toEqual(['a', 'b']);
  });

  test('deleted keys are never reported; re-set keys use their new deadline', () => {
    const d = new BeatDeadlines(1000);
    d.set('a', { last: 0, timeout: 100, del: 200 });
    d.delete('a');
    expect(d.overdue(1000)).toEqual([]);
    d.set('a', { last: 1000, timeout: 100, del: 200 });
    expect(d.overdue(1100)).toEqual([]);
    expect(keysOf(d.overdue(1101))).toEqual(['a']);
  });

  test('shorter timeouts take effect at once; longer ones when the old deadline comes up', () => {
    const d = new BeatDeadlines(1000);
    d.set('a', { last: 0, timeout: 10_000, del: 20_000 });
    d.setTimeouts('a', 500, 1000);
    expect(keysOf(d.overdue(501))).toEqual(['a']);
    d.set('b', { last: 0, timeout: 100, del: 200 });
    d.setTimeouts('b', 5000, 6000);
    expect(d.overdue(101)).toEqual([]);
    expect(keysOf(d.overdue(5001)).includes('b')).toBe(true);
  });

  test('many keys come out in deadline order (heap)', () => {
    const d = new BeatDeadlines(1_000_000);
    const n = 2000;
    const order = Array.from({ length: n }, (_, i) => (i * 7919) % n);
    for (const i of order) d.set(`k${i}`, { last: i, timeout: 10, del: 1_000_000 });
    const seen: number[] = [];
    for (let t = 0; t <= n + 20; t++) for (const o of d.overdue(t)) seen.push(Number(o.key.slice(1)));
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(d.size).toBe(n);
  });
});
