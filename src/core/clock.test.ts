import { describe, expect, test } from 'bun:test';
import { systemClock } from './clock';

describe('systemClock', () => {
  test('a delay past the 32-bit timer limit waits instead of firing at once', async () => {
    let fired = 0;
    const far = systemClock.setTimeout(() => fired++, 2 ** 40);
    const near = systemClock.setTimeout(() => fired++, 5);
    await Bun.sleep(60);
    expect(fired).toBe(1);
    systemClock.clearTimeout(far);
    systemClock.clearTimeout(near);
  });

  test('clearTimeout cancels a pending timer', async () => {
    let fired = false;
    systemClock.clearTimeout(systemClock.setTimeout(() => (fired = true), 10));
    await Bun.sleep(40);
    expect(fired).toBe(false);
  });
});
