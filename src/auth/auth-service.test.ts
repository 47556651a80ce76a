import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { silentLogger } from '../core/log';
import { StateStore } from '../state';
import { AuthService } from './auth-service';
import { FakeAuthRepo } from './fake-auth-repo';

setDefaultTimeout(30_000);

describe('AuthService', () => {
  test('a create of an existing user, or a password change of a missing one, is refused before the BCrypt hash', async () => {
    const svc = new AuthService(new StateStore(), new FakeAuthRepo(), silentLogger);
    let t0 = performance.now();
    await svc.createUser('dev', 'dev-pass');
    const oneHash = performance.now() - t0;

    t0 = performance.now();
    for (let i = 0; i < 20; i++) {
      await expect(svc.createUser('dev', 'other-pass')).rejects.toMatchObject({ kind: 'already_exists' });
      await expect(svc.updatePassword('ghost', 'other-pass')).rejects.toMatchObject({ kind: 'not_found' });
    }
    // 40 refusals cost less than a few hashes would (each hash is ~50 ms at cost 10).
    expect(performance.now() - t0).toBeLessThan(Math.max(oneHash * 4, 20));
    expect(await svc.checkPassword('dev', 'dev-pass')).toBe(true);
  });
});
