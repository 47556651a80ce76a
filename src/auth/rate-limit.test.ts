import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../core/clock';
import { ClientRateLimiter, LoginLimiter, LruCache } from './rate-limit';

describe('login lockout and client rate limit', () => {
  test('locks a key after max failures in the window, for the lockout time', () => {
    const clock = new FakeClock();
    const l = new LoginLimiter({ maxAttempts: 3, windowMs: 10_000, lockoutMs: 60_000 }, clock);
    expect(l.fail('k')).toBe(false);
    expect(l.fail('k')).toBe(false);
    expect(l.lockedFor('k')).toBe(0);
    expect(l.fail('k')).toBe(true);
    expect(l.lockedFor('k')).toBe(60_000);
    expect(l.lockedFor('other')).toBe(0);
    clock.advance(60_000);
    expect(l.lockedFor('k')).toBe(0);
  });

  test('failures outside the window do not add up; success resets', () => {
    const clock = new FakeClock();
    const l = new LoginLimiter({ maxAttempts: 2, windowMs: 1_000, lockoutMs: 5_000 }, clock);
    l.fail('k');
    clock.advance(1_500);
    expect(l.fail('k')).toBe(false);
    l.succeed('k');
    expect(l.fail('k')).toBe(false);
  });

  test('maxAttempts 0 disables lockout', () => {
    const l = new LoginLimiter({ maxAttempts: 0, windowMs: 1_000, lockoutMs: 5_000 }, new FakeClock());
    for (let i = 0; i < 10; i++) l.fail('k');
    expect(l.lockedFor('k')).toBe(0);
  });

  test('token bucket per client', () => {
    const clock = new FakeClock();
    const r = new ClientRateLimiter(2, 2, clock);
    expect(r.take('a')).toBe(true);
    expect(r.take('a')).toBe(true);
    expect(r.take('a')).toBe(false);
    expect(r.take('b')).toBe(true);
    clock.advance(500);
    expect(r.take('a')).toBe(true);
    expect(r.take('a')).toBe(false);
    expect(new ClientRateLimiter(0, 0, clock).take('a')).toBe(true);
  });

  test('LRU cache keeps the most recent entries', () => {
    const c = new LruCache<number>(2);
    c.set('a', 1);
    c.set('b', 2);
    c.get('a');
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    const off = new LruCache<number>(0);
    off.set('a', 1);
    expect(off.get('a')).toBeUndefined();
  });
});
