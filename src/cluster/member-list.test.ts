import { describe, expect, test } from 'bun:test';
import { normalizeAddress, parseMemberList, renderClusterConf } from './member-list';

describe('parseMemberList', () => {
  test('one address per line, comments and blanks ignored, default port 8848', () => {
    const text = '# cluster\n10.0.0.1:8848\n\n  10.0.0.2  # second\n10.0.0.3:9000\r\n';
    expect(parseMemberList(text)).toEqual(['10.0.0.1:8848', '10.0.0.2:8848', '10.0.0.3:9000']);
  });
  test('commas and whitespace separate too; duplicates dropped', () => {
    expect(parseMemberList('a.example:1,b.example:2 a.example:1')).toEqual(['a.example:1', 'b.example:2']);
  });
  test('bad entries name the entry', () => {
    expect(() => parseMemberList('10.0.0.1:99999')).toThrow('invalid member address "10.0.0.1:99999"');
    expect(() => parseMemberList('http://x:1')).toThrow('invalid member address');
  });
  test('render round-trips', () => {
    const text = renderClusterConf(['1.2.3.4:1', '1.2.3.5:2'], 'hdr');
    expect(text.startsWith('# hdr\n')).toBe(true);
    expect(parseMemberList(text)).toEqual(['1.2.3.4:1', '1.2.3.5:2']);
  });
  test('normalizeAddress', () => {
    expect(normalizeAddress('127.0.0.1')).toBe('127.0.0.1:8848');
    expect(normalizeAddress(' [::1]:80 ')).toBe('[::1]:80');
  });
});
