import { describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, SettingsError } from './settings';

const dir = mkdtempSync(join(tmpdir(), 'batata-settings-'));
function file(name: string, text: string) {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const GOOD_SECRET = Buffer.alloc(32, 7).toString('base64');

describe('loadSettings', () => {
  test('defaults', () => {
    const s = loadSettings({ configPath: join(dir, 'missing.yml'), configPathExplicit: false });
    expect(s.mainPort).toBe(8848);
    expect(s.sdkPort).toBe(9848);
    expect(s.clusterPort).toBe(9849);
    expect(s.contextPath).toBe('/nacos');
    expect(s.str('deployment.type')).toBe('all');
  });

  test('yaml nested and dotted keys, env beats file, flags beat env', () => {
    const p = file(
      'a.yml',
      'nacos:\n  server:\n    main:\n      port: 9000\n  core.auth.enabled: false\ndb:\n  url: ""\ncluster:\n  members: ["a:1", "b:2"]\n',
    );
    const s = loadSettings({ configPath: p });
    expect(s.mainPort).toBe(9000);
    expect(s.sdkPort).toBe(10000);
    expect(s.list('cluster.members')).toEqual(['a:1', 'b:2']);
    const s2 = loadSettings({ configPath: p, env: { BATATA_SERVER_PORT: '9100' } });
    expect(s2.mainPort).toBe(9100);
    const s3 = loadSettings({
      configPath: p,
      env: { BATATA_SERVER_PORT: '9100' },
      overrides: { 'nacos.server.main.port': 9200 },
    });
    expect(s3.mainPort).toBe(9200);
    const s4 = loadSettings({ configPath: p, env: { BATATA_NACOS_SERVER_MAIN_PORT: '9300' } });
    expect(s4.mainPort).toBe(9300);
  });

  test('unknown keys warn', () => {
    const s = loadSettings({ configPath: file('u.yml', 'foo:\n  bar: 1\n') });
    expect(s.warnings[0]).toContain('foo.bar');
  });

  const bad: Array<[string, () => unknown, RegExp]> = [
    [
      'bad port',
      () => loadSettings({ configPath: file('p.yml', 'nacos.server.main.port: 70000\n') }),
      /nacos\.server\.main\.port.*1-65535/,
    ],
    [
      'non-numeric port env',
      () =>
        loadSettings({
          env: { BATATA_SERVER_PORT: 'abc' },
          configPath: join(dir, 'none.yml'),
          configPathExplicit: false,
        }),
      /BATATA_SERVER_PORT/,
    ],
    ['unparsable yaml', () => loadSettings({ configPath: file('y.yml', 'a: [1, 2\n') }), /not valid YAML/],
    [
      'missing explicit file',
      () => loadSettings({ configPath: join(dir, 'nope.yml') }),
      /cannot read config file/,
    ],
    [
      'bad db scheme',
      () =>
        loadSettings({
          env: { BATATA_DB_URL: 'postgres://x/y' },
          configPath: join(dir, 'none.yml'),
          configPathExplicit: false,
        }),
      /db\.url.*unsupported scheme/,
    ],
    [
      'auth on, no secret',
      () =>
        loadSettings({
          env: { BATATA_AUTH_ENABLED: 'true' },
          configPath: join(dir, 'none.yml'),
          configPathExplicit: false,
        }),
      /secret\.key is required/,
    ],
    [
      'auth on, short secret',
      () =>
        loadSettings({
          env: { BATATA_AUTH_ENABLED: 'true', BATATA_AUTH_SECRET_KEY: 'c2hvcnQ=' },
          configPath: join(dir, 'none.yml'),
          configPathExplicit: false,
        }),
      /at least 32/,
    ],
    [
      'auth on, non-base64',
      () =>
        loadSettings({
          env: { BATATA_AUTH_ENABLED: 'true', BATATA_AUTH_SECRET_KEY: 'not base64 at all!!' },
          configPath: join(dir, 'none.yml'),
          configPathExplicit: false,
        }),
      /not valid base64/,
    ],
    [
      'auth on, sample key',
      () =>
        loadSettings({
          env: {
            BATATA_AUTH_ENABLED: 'true',
            BATATA_AUTH_SECRET_KEY: 'SecretKey012345678901234567890123456789012345678901234567890123456789',
          },
          configPath: join(dir, 'none.yml'),
          configPathExplicit: false,
        }),
      /sample key/,
    ],
    [
      'bad log level',
      () =>
        loadSettings({
          env: { BATATA_LOG: 'loud' },
          configPath: join(dir, 'none.yml'),
          configPathExplicit: false,
        }),
      /log\.level/,
    ],
    [
      'bad enum',
      () =>
        loadSettings({
          overrides: { 'deployment.type': 'both' },
          configPath: join(dir, 'none.yml'),
          configPathExplicit: false,
        }),
      /one of all, server, console/,
    ],
  ];
  for (const [name, fn, re] of bad) {
    test(`rejects ${name}`, () => {
      expect(fn).toThrow(SettingsError);
      expect(fn).toThrow(re);
    });
  }

  test('auth on with good secret', () => {
    const s = loadSettings({
      env: { BATATA_AUTH_ENABLED: 'true', BATATA_AUTH_SECRET_KEY: GOOD_SECRET },
      configPath: join(dir, 'none.yml'),
      configPathExplicit: false,
    });
    expect(s.bool('nacos.core.auth.enabled')).toBe(true);
    expect(s.describe()['nacos.core.auth.plugin.nacos.token.secret.key']).toBe('***');
  });
});
