import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../core/clock';
import { MemberManager, validateMember } from './member-manager';

const mk = () => new MemberManager('10.0.0.1:8848', '1.2.3', new FakeClock(), 3);

describe('MemberManager', () => {
  test('self is always a member, with version and abilities', () => {
    const m = mk();
    m.setAddresses(['10.0.0.2:8848']);
    expect(m.addresses()).toEqual(['10.0.0.1:8848', '10.0.0.2:8848']);
    expect(m.self().extendInfo.version).toBe('1.2.3');
    expect((m.self().abilities as any).remoteAbility.grpcReportEnabled).toBe(true);
    expect(m.isStandalone()).toBe(false);
    m.setAddresses([]);
    expect(m.addresses()).toEqual(['10.0.0.1:8848']);
  });

  test('failures: SUSPICIOUS, then DOWN after more than fail-access-cnt; success resets to UP', () => {
    const m = mk();
    m.setAddresses(['10.0.0.2:8848']);
    const peer = () => m.get('10.0.0.2:8848')!;
    expect(peer().state).toBe('UP');
    for (let i = 1; i <= 3; i++) {
      m.reportFailed(peer().address, false);
      expect(peer().state).toBe('SUSPICIOUS');
      expect(m.failAccessCount(peer().address)).toBe(i);
    }
    m.reportFailed(peer().address, false);
    expect(peer().state).toBe('DOWN');
    m.reportSucceeded(peer().address, { ip: '10.0.0.2', port: 8848, extendInfo: { version: '9.9' } });
    expect(peer().state).toBe('UP');
    expect(peer().extendInfo.version).toBe('9.9');
    expect(m.failAccessCount(peer().address)).toBe(0);
  });

  test('connection refused marks DOWN at once; a report from the member brings it back UP', () => {
    const m = mk();
    m.setAddresses(['10.0.0.2:8848', '10.0.0.3:8848']);
    m.reportFailed('10.0.0.3:8848', true);
    expect(m.get('10.0.0.3:8848')!.state).toBe('DOWN');
    expect(m.healthyAddresses()).toEqual(['10.0.0.1:8848', '10.0.0.2:8848']);
    expect(m.receiveReport({ ip: '10.0.0.3', port: 8848, abilities: { x: 1 } })).toBe(true);
    expect(m.get('10.0.0.3:8848')!.state).toBe('UP');
    expect(m.get('10.0.0.3:8848')!.abilities).toEqual({ x: 1 });
  });

  test('reports from unknown senders are not added; malformed nodes are illegal', () => {
    const m = mk();
    expect(m.receiveReport({ ip: '10.0.0.9', port: 1 })).toBe(false);
    expect(m.addresses()).toEqual(['10.0.0.1:8848']);
    expect(() => m.receiveReport({ port: 1 })).toThrow('Node information is illegal');
    expect(() => validateMember(null)).toThrow('Node information is illegal');
  });

  test('change events for joins, leaves and state changes only', () => {
    const m = mk();
    const events: string[][] = [];
    m.onChange((c) => events.push(c.changed));
    m.setAddresses(['10.0.0.2:8848']);
    m.setAddresses(['10.0.0.2:8848']);
    m.reportSucceeded('10.0.0.2:8848');
    m.reportFailed('10.0.0.2:8848', true);
    m.setAddresses([]);
    expect(events).toEqual([['10.0.0.2:8848'], ['10.0.0.2:8848'], ['10.0.0.2:8848']]);
  });
});
