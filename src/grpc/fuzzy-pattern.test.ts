import { expect, test } from 'bun:test';
import {
  configGroupKey,
  fuzzyPattern,
  matchesPattern,
  namingServiceKey,
  parseConfigGroupKey,
} from './fuzzy-pattern';

test('pattern syntax and matching follow FuzzyGroupKeyPattern', () => {
  expect(fuzzyPattern('', 'DEFAULT_GROUP', 'app*')).toBe('public>>DEFAULT_GROUP>>app*');
  const m = (p: string, ns: string, g: string, n: string) => matchesPattern(p, ns, g, n);
  expect(m('public>>G>>app*', '', 'G', 'app.yaml')).toBe(true);
  expect(m('public>>G>>app*', 'dev', 'G', 'app.yaml')).toBe(false);
  expect(m('public>>*>>*.yaml', 'public', 'X', 'a.yaml')).toBe(true);
  expect(m('public>>*>>*.yaml', 'public', 'X', 'a.yml')).toBe(false);
  expect(m('public>>*G*>>x', 'public', 'MYGROUP', 'x')).toBe(true);
  expect(m('public>>G>>x', 'public', 'G', 'xy')).toBe(false);
  expect(m('broken', 'public', 'G', 'x')).toBe(false);
});

test('config groupKey escapes + and % and omits an empty tenant', () => {
  expect(configGroupKey('a+b', 'G%1')).toBe('a%2Bb+G%251');
  expect(configGroupKey('a', 'G', 'dev')).toBe('a+G+dev');
  expect(parseConfigGroupKey('a%2Bb+G%251+dev')).toEqual({ dataId: 'a+b', group: 'G%1', tenant: 'dev' });
  expect(namingServiceKey('', 'G', 's')).toBe('public@@G@@s');
});
