import { describe, expect, test } from 'bun:test';
import { grants, patternFor, renderResource } from './rbac';

describe('RBAC resource rendering and matching (spec §E.5)', () => {
  test('renders namespace:group:type/name with Nacos defaults', () => {
    expect(renderResource('config', { group: 'DEFAULT_GROUP', name: 'app.yaml' })).toBe(
      'public:DEFAULT_GROUP:config/app.yaml',
    );
    expect(renderResource('naming', { namespaceId: 'dev' })).toBe('dev:*:naming/*');
    expect(renderResource('config', { namespaceId: '  ', group: '', name: '' })).toBe('public:*:config/*');
  });

  test('stored patterns: * wildcard, leading colon means public, everything else literal', () => {
    expect(patternFor('public:*:*').test('public:DEFAULT_GROUP:config/a')).toBe(true);
    expect(patternFor(':*:*').test('public:G:naming/s')).toBe(true);
    expect(patternFor(':*:*').test('dev:G:naming/s')).toBe(false);
    expect(patternFor('dev:*:config/*').test('dev:G:config/x')).toBe(true);
    expect(patternFor('dev:*:config/*').test('dev:G:naming/x')).toBe(false);
    expect(patternFor('public:G:config/app.yaml').test('public:G:config/appXyaml')).toBe(false);
    expect(patternFor('public:G:config/(a+)+').test('public:G:config/aaaa')).toBe(false);
  });

  test('action r/w against stored r, w, rw', () => {
    const perms = [
      { role: 'x', resource: 'public:*:config/*', action: 'r' },
      { role: 'x', resource: 'dev:*:*', action: 'rw' },
    ];
    expect(grants(perms, 'public:G:config/a', 'r')).toBe(true);
    expect(grants(perms, 'public:G:config/a', 'w')).toBe(false);
    expect(grants(perms, 'dev:G:naming/a', 'w')).toBe(true);
    expect(grants(perms, 'test:G:naming/a', 'r')).toBe(false);
  });
});
