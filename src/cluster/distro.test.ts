import { describe, expect, test } from 'bun:test';
import { distroHash, ipPortTag, javaHash, responsibleMember } from './distro';
import { distroTag } from './distro-forward';

describe('distro responsibility', () => {
  test('javaHash is Java String.hashCode (32-bit overflow)', () => {
    expect(javaHash('')).toBe(0);
    expect(javaHash('abc')).toBe(96354);
    expect(javaHash('hello')).toBe(99162322);
    expect(javaHash('polygenelubricants')).toBe(-2147483648);
  });
  test('distroHash = |hashCode % Integer.MAX_VALUE|', () => {
    expect(distroHash('abc')).toBe(96354);
    expect(distroHash('polygenelubricants')).toBe(1);
  });
  test('responsibleMember picks from the sorted healthy list; none when empty', () => {
    const members = ['10.0.0.1:8848', '10.0.0.2:8848', '10.0.0.3:8848'];
    expect(responsibleMember('abc', members)).toBe(members[96354 % 3]);
    expect(responsibleMember('abc', [])).toBeUndefined();
  });
  test('ipPortTag only for IP-port client ids', () => {
    expect(ipPortTag('10.0.0.1:80#true')).toBe('10.0.0.1:80');
    expect(ipPortTag('1700000000_127.0.0.1_5000')).toBeUndefined();
  });
  test('distroTag: ephemeral instance writes and beats only', () => {
    const p = (q: string) => new URLSearchParams(q);
    expect(distroTag('POST', '/nacos/v1/ns/instance', p('ip=1.2.3.4&port=80&serviceName=s'))).toBe(
      '1.2.3.4:80',
    );
    expect(distroTag('DELETE', '/nacos/v1/ns/instance', p('ip=1.2.3.4&port=80'))).toBe('1.2.3.4:80');
    expect(
      distroTag('POST', '/nacos/v1/ns/instance', p('ip=1.2.3.4&port=80&ephemeral=false')),
    ).toBeUndefined();
    expect(distroTag('GET', '/nacos/v1/ns/instance', p('ip=1.2.3.4&port=80'))).toBeUndefined();
    expect(
      distroTag('PUT', '/nacos/v1/ns/instance/beat', p(`beat=${JSON.stringify({ ip: '5.6.7.8', port: 9 })}`)),
    ).toBe('5.6.7.8:9');
    expect(distroTag('POST', '/nacos/v1/ns/instance/beat', p('ip=1.2.3.4&port=80'))).toBeUndefined();
    expect(distroTag('POST', '/nacos/v1/ns/instance/list', p('ip=1.2.3.4&port=80'))).toBeUndefined();
  });
});
