import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressServerLookup, FileLookup } from '../../src/cluster/member-lookup';
import { silentLogger } from '../../src/core/log';
import { waitUntil } from '../support/cluster';

const stops: Array<() => void> = [];
afterAll(() => {
  for (const s of stops) s();
});

describe('member lookups', () => {
  test('file: read at start, re-read on change, invalid content keeps the last list, save rewrites', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batata-lookup-'));
    const path = join(dir, 'cluster.conf');
    writeFileSync(path, '# members\n10.0.0.1:8848\n10.0.0.2\n');
    const lists: string[][] = [];
    const l = new FileLookup(path, [], 50, silentLogger);
    stops.push(() => l.stop());
    await l.start((a) => lists.push(a));
    expect(lists).toEqual([['10.0.0.1:8848', '10.0.0.2:8848']]);
    writeFileSync(path, '10.0.0.1:8848\n10.0.0.3:8848\n');
    await waitUntil(async () => lists.length === 2, 3000, 're-read');
    expect(lists[1]).toEqual(['10.0.0.1:8848', '10.0.0.3:8848']);
    writeFileSync(path, 'not an address!\n');
    await Bun.sleep(1200);
    expect(lists.length).toBe(2);
    expect(l.save(['10.0.0.9:1'])).toBe(true);
    expect(readFileSync(path, 'utf8')).toContain('10.0.0.9:1');
    await waitUntil(async () => lists.length === 3, 3000, 'saved list read back');
    expect(lists[2]).toEqual(['10.0.0.9:1']);
  });

  test('file: a missing cluster.conf falls back to cluster.members', async () => {
    const lists: string[][] = [];
    const l = new FileLookup(
      join(tmpdir(), 'batata-no-such-dir', 'cluster.conf'),
      ['1.1.1.1:1'],
      50,
      silentLogger,
    );
    stops.push(() => l.stop());
    await l.start((a) => lists.push(a));
    expect(lists).toEqual([['1.1.1.1:1']]);
  });

  test('address-server: polled over HTTP; a failing server keeps the list', async () => {
    let body = '10.0.0.1:8848\n10.0.0.2:8848\n';
    let status = 200;
    const srv = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response(body, { status }) });
    stops.push(() => srv.stop(true));
    const lists: string[][] = [];
    const l = new AddressServerLookup(
      `http://127.0.0.1:${srv.port}/nacos/serverlist`,
      '10.0.0.1:8848',
      100,
      silentLogger,
    );
    stops.push(() => l.stop());
    await l.start((a) => lists.push(a));
    expect(lists).toEqual([['10.0.0.1:8848', '10.0.0.2:8848']]);
    status = 500;
    await Bun.sleep(300);
    expect(lists.length).toBe(1);
    status = 200;
    body = '10.0.0.1:8848,10.0.0.3:8848';
    await waitUntil(async () => lists.length === 2, 3000, 'new list');
    expect(lists[1]).toEqual(['10.0.0.1:8848', '10.0.0.3:8848']);
  });
});
