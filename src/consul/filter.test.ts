import { describe, expect, test } from 'bun:test';
import { compileFilter } from './filter';

const items = [
  {
    ServiceName: 'web',
    ServiceTags: ['v1', 'prod'],
    ServiceMeta: { env: 'prod', 'x-y': '1' },
    ServicePort: 80,
  },
  { ServiceName: 'api', ServiceTags: ['v2'], ServiceMeta: {}, ServicePort: 8080 },
  { ServiceName: 'db', ServiceTags: [], ServiceMeta: { env: 'dev' }, ServicePort: 5432 },
];
const names = (expr: string) => items.filter(compileFilter(expr)).map((i) => i.ServiceName);

describe('bexpr filter subset', () => {
  test('operators', () => {
    expect(names('ServiceName == "web"')).toEqual(['web']);
    expect(names('ServiceName != "web"')).toEqual(['api', 'db']);
    expect(names('"prod" in ServiceTags')).toEqual(['web']);
    expect(names('"prod" not in ServiceTags')).toEqual(['api', 'db']);
    expect(names('ServiceTags contains "v2"')).toEqual(['api']);
    expect(names('ServiceTags is empty')).toEqual(['db']);
    expect(names('ServiceMeta is not empty')).toEqual(['web', 'db']);
    expect(names('ServiceMeta.env == "prod"')).toEqual(['web']);
    expect(names('ServiceMeta["x-y"] == "1"')).toEqual(['web']);
    expect(names('ServiceName matches "^(web|db)$"')).toEqual(['web', 'db']);
    expect(names('ServiceName not matches "^w"')).toEqual(['api', 'db']);
    expect(names('ServicePort == 8080')).toEqual(['api']);
    expect(names('ServiceMeta contains "env"')).toEqual(['web', 'db']);
  });
  test('and / or / not / parentheses with precedence', () => {
    expect(names('ServiceName == "web" or ServiceName == "db" and ServiceMeta.env == "prod"')).toEqual([
      'web',
    ]);
    expect(names('(ServiceName == "web" or ServiceName == "db") and ServiceMeta.env == "dev"')).toEqual([
      'db',
    ]);
    expect(names('not ServiceName == "web"')).toEqual(['api', 'db']);
    expect(names('not (ServiceTags is empty or "v1" in ServiceTags)')).toEqual(['api']);
  });
  test('syntax errors carry a position', () => {
    expect(() => compileFilter('ServiceName ==')).toThrow(/^1:\d+: expected value/);
    expect(() => compileFilter('ServiceName = "x"')).toThrow(/unexpected character/);
    expect(() => compileFilter('(ServiceName == "x"')).toThrow(/expected "\)"/);
    expect(() => compileFilter('')).toThrow();
  });
});
