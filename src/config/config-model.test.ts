import { describe, expect, test } from 'bun:test';
import {
  betaRule,
  blurMatcher,
  type ConfigRecord,
  configStateKey,
  fromStoredTenant,
  md5Hex,
  normalizeNamespace,
  normalizeType,
  parseConfigKey,
  selectVersion,
  tagRule,
  toStoredTenant,
} from './config-model';

describe('config model', () => {
  test('md5 is lowercase hex of the UTF-8 bytes (same as Java MD5Utils.md5Hex(s, "UTF-8"))', () => {
    expect(md5Hex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Hex('hello')).toBe('5d41402abc4b2a76b9719d911017c592');
    // UTF-8, not UTF-16: "中文" is e4 b8 ad e6 96 87.
    expect(md5Hex('中文')).toBe('a7bac2239fcdcb3a067903d8077c4a07');
  });

  test('validation follows ParamUtils: letters, digits and _-.: only', () => {
    expect(parseConfigKey('app.yaml', 'DEFAULT_GROUP', '')).toEqual({
      namespaceId: 'public',
      group: 'DEFAULT_GROUP',
      dataId: 'app.yaml',
    });
    expect(parseConfigKey('a:b-c_d.e', 'G', 'dev-1').namespaceId).toBe('dev-1');
    expect(parseConfigKey('配置', 'G').dataId).toBe('配置');
    expect(() => parseConfigKey('a/b', 'G')).toThrow('invalid dataId : a/b');
    expect(() => parseConfigKey('', 'G')).toThrow('invalid dataId');
    expect(() => parseConfigKey('a', 'G G')).toThrow('invalid group : G G');
    expect(() => parseConfigKey('a', undefined)).toThrow('invalid group');
    expect(() => parseConfigKey('a', 'G', 'bad ns')).toThrow('invalid namespaceId');
    expect(() => parseConfigKey('a', 'G', 'x'.repeat(129))).toThrow('too long namespaceId, over 128');
  });

  test('namespace mapping: blank/public/null are the default, stored as tenant_id ""', () => {
    for (const t of ['', '  ', 'public', 'PUBLIC', 'null', undefined])
      expect(normalizeNamespace(t)).toBe('public');
    expect(toStoredTenant('public')).toBe('');
    expect(toStoredTenant('dev')).toBe('dev');
    expect(fromStoredTenant('')).toBe('public');
    expect(fromStoredTenant('public')).toBe('public');
    expect(fromStoredTenant('dev')).toBe('dev');
  });

  test('types: unknown or absent → text', () => {
    expect(normalizeType('YAML')).toBe('yaml');
    expect(normalizeType('ini')).toBe('text');
    expect(normalizeType(undefined)).toBe('text');
  });

  test('state key is namespace/group/dataId', () => {
    expect(configStateKey({ namespaceId: 'public', group: 'G', dataId: 'd' })).toBe('public/G/d');
  });

  test('blur: * is a wildcard, otherwise exact', () => {
    expect(blurMatcher('app*')('app.yaml')).toBe(true);
    expect(blurMatcher('*.yaml')('app.yaml')).toBe(true);
    expect(blurMatcher('app')('app.yaml')).toBe(false);
    expect(blurMatcher('a.b')('axb')).toBe(false);
    expect(blurMatcher(undefined)('x')).toBe(true);
  });

  test('gray selection: beta by client IP, tag by label, explicit unknown tag → none', () => {
    const base = {
      id: 1,
      appName: '',
      encryptedDataKey: '',
      srcUser: '',
      srcIp: '',
      createTime: 1,
      modifyTime: 2,
    };
    const rec: ConfigRecord = {
      key: { namespaceId: 'public', group: 'G', dataId: 'd' },
      formal: {
        ...base,
        content: 'formal',
        md5: md5Hex('formal'),
        type: 'yaml',
        desc: '',
        use: '',
        effect: '',
        schema: '',
        tags: [],
      },
      grays: [
        { ...base, grayName: 'tag_blue', rule: tagRule('blue'), content: 'blue', md5: md5Hex('blue') },
        {
          ...base,
          grayName: 'beta',
          rule: betaRule('10.0.0.1, 10.0.0.2'),
          content: 'beta',
          md5: md5Hex('beta'),
        },
      ],
    };
    expect(selectVersion(rec, {})?.content).toBe('formal');
    expect(selectVersion(rec, { clientIp: '10.0.0.2' })).toMatchObject({
      content: 'beta',
      beta: true,
      type: 'yaml',
    });
    expect(selectVersion(rec, { clientIp: '10.0.0.9', tag: 'blue' })).toMatchObject({
      content: 'blue',
      tag: 'blue',
    });
    // Beta has the higher priority.
    expect(selectVersion(rec, { clientIp: '10.0.0.1', tag: 'blue' })?.content).toBe('beta');
    expect(selectVersion(rec, { tag: 'green' })).toBeUndefined();
    expect(selectVersion(undefined, {})).toBeUndefined();
  });
});
