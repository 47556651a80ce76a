import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/settings/settings';
import { AUTH_ON, selfSignedCert, TEST_SECRET } from '../support/auth';
import { NacosGrpcClient } from '../support/grpc-client';
import { startTestServer } from '../support/server';

// BCrypt-heavy steps on a shared 2-core machine: hooks and tests get room beyond the 5 s default.
setDefaultTimeout(30_000);

describe('hardening', () => {
  test('TLS on the main port when server.tls.cert/key are set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batata-tls-'));
    const { cert, key } = selfSignedCert(dir);
    const s = await startTestServer({ ...AUTH_ON, 'server.tls.cert': cert, 'server.tls.key': key });
    try {
      const https = `https://127.0.0.1:${s.ports.main}/nacos/v1/console/health/liveness`;
      const res = await fetch(https, { tls: { rejectUnauthorized: false } } as RequestInit);
      expect(await res.text()).toBe('OK');
      // Certificate verification is real: an untrusted self-signed cert fails by default.
      await expect(fetch(https)).rejects.toThrow();
      // Plain HTTP is not served on the TLS port.
      await expect(
        fetch(`http://127.0.0.1:${s.ports.main}/nacos/v1/console/health/liveness`).then((r) => r.text()),
      ).rejects.toThrow();
      // The SDK gRPC port uses the same certificate: a TLS client completes the handshake, a
      // plaintext one does not.
      const tlsClient = await NacosGrpcClient.connect(`127.0.0.1:${s.ports.sdk}`, {
        tlsRootCert: readFileSync(cert, 'utf8'),
        // Node refuses an IP as TLS server name; the certificate also names localhost.
        channelOptions: { 'grpc.ssl_target_name_override': 'localhost' },
      });
      expect(tlsClient.serverCheck?.body.connectionId).toBeString();
      tlsClient.close();
      await expect(NacosGrpcClient.connect(`127.0.0.1:${s.ports.sdk}`)).rejects.toThrow();
    } finally {
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);

  test('per-client request rate limit (off by default) answers 503 past the burst', async () => {
    const s = await startTestServer({
      'server.rate-limit.per-client.rps': 1,
      'server.rate-limit.per-client.burst': 3,
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await fetch(`${s.nacos}/v1/console/health/liveness`)).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.at(-1)).toBe(503);
    } finally {
      await s.stop();
    }
    const off = await startTestServer({});
    try {
      for (let i = 0; i < 20; i++)
        expect((await fetch(`${off.nacos}/v1/console/health/liveness`)).status).toBe(200);
    } finally {
      await off.stop();
    }
  });

  test('settings refuse unsafe identity and half TLS configuration', () => {
    const load = (overrides: Record<string, unknown>) => () =>
      loadSettings({ configPath: '/nonexistent.yml', configPathExplicit: false, env: {}, overrides });
    const authOn = {
      'nacos.core.auth.enabled': true,
      'nacos.core.auth.plugin.nacos.token.secret.key': TEST_SECRET,
    };
    expect(load({ ...authOn, 'cluster.member.lookup.type': 'file' })).toThrow(/requires a server identity/);
    expect(load({ 'cluster.member.lookup.type': 'file' })).toThrow(/requires a server identity/);
    // Standalone ignores cluster.members (the seed's example sets both), so no identity is needed.
    expect(load({ 'cluster.members': ['10.0.0.1:8848'] })).not.toThrow();
    expect(
      load({
        'cluster.member.lookup.type': 'file',
        'nacos.core.auth.server.identity.key': 'serverIdentity',
        'nacos.core.auth.server.identity.value': 'security',
      }),
    ).toThrow(/well-known sample/);
    expect(load({ 'nacos.core.auth.server.identity.key': 'k' })).toThrow(/must be set together/);
    expect(load({ 'server.tls.cert': '/x.pem' })).toThrow(/server.tls.cert and server.tls.key/);
    expect(
      load({
        'cluster.member.lookup.type': 'file',
        'nacos.core.auth.server.identity.key': 'X-Member',
        'nacos.core.auth.server.identity.value': 'a-long-enough-member-secret',
        'nacos.core.auth.enabled': true,
        'nacos.core.auth.plugin.nacos.token.secret.key': TEST_SECRET,
      }),
    ).not.toThrow();
  });
});
