import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { ConsulBatch, KvEntry, SessionEntry } from '../../consul/consul-model';
import type { AgentServiceStore, ConsulDelta, ConsulRepo } from '../../consul/consul-repo';

const empty = (): ConsulBatch => ({ kvPut: [], kvDelete: [], sessionPut: [], sessionDelete: [] });

function kv(key: string, over: Partial<KvEntry> = {}): KvEntry {
  return {
    key,
    value: new TextEncoder().encode(`v-${key}`),
    flags: 0n,
    lockIndex: 0,
    createIndex: 10,
    modifyIndex: 10,
    ...over,
  };
}

function session(id: string, over: Partial<SessionEntry> = {}): SessionEntry {
  return {
    id,
    name: 'n',
    node: 'node1',
    lockDelayNs: 15_000_000_000,
    behavior: 'release',
    ttl: '',
    nodeChecks: ['serfHealth'],
    serviceChecks: [],
    createIndex: 5,
    modifyIndex: 5,
    ...over,
  };
}

/** The ConsulRepo contract: KV, sessions and catalog rows stored exactly, batches atomic. */
export function runConsulRepoContract(
  name: string,
  open: () => Promise<{ repo: ConsulRepo & AgentServiceStore; close: () => Promise<void> }>,
) {
  describe(`consul repo contract: ${name}`, () => {
    let repo: ConsulRepo & AgentServiceStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ repo, close } = await open());
    });
    afterAll(async () => {
      await close();
    });
    /** Commits `b` at `at` (default: the next storage index); returns that index. */
    const commit = async (b: ConsulBatch, at?: number): Promise<number> => {
      let index = 0;
      await repo.write(Number.MAX_SAFE_INTEGER, (d) => {
        index = at ?? d.index + 1;
        return { batch: b, index };
      });
      return index;
    };
    const loadKv = async () => (await repo.snapshot()).kv;
    const loadSessions = async () => (await repo.snapshot()).sessions;

    test('stores every KV field exactly: binary/unicode values, uint64 flags, lock holder, indexes', async () => {
      const bin = new Uint8Array([0, 255, 1, 128, 10, 13, 0]);
      const b = empty();
      b.kvPut.push(
        kv('a/ключ/🔑', { value: new TextEncoder().encode('héllo ✓ 中文') }),
        kv('bin', { value: bin, flags: 3304740253564472344n, lockIndex: 3, session: 'sess-1' }),
        kv('empty', { value: null, createIndex: 7, modifyIndex: 9 }),
      );
      await commit(b);
      const all = await loadKv();
      expect(all.map((e) => e.key)).toEqual(['a/ключ/🔑', 'bin', 'empty']);
      expect(new TextDecoder().decode(all[0]!.value!)).toBe('héllo ✓ 中文');
      expect([...all[1]!.value!]).toEqual([...bin]);
      expect(all[1]!.flags).toBe(3304740253564472344n);
      expect(all[1]!.lockIndex).toBe(3);
      expect(all[1]!.session).toBe('sess-1');
      expect(all[0]!.session).toBeUndefined();
      expect(all[2]!.value).toBeNull();
      expect([all[2]!.createIndex, all[2]!.modifyIndex]).toEqual([7, 9]);
    });

    test('put is an upsert; delete removes; deleting a missing key is a no-op', async () => {
      const b = empty();
      b.kvPut.push(kv('bin', { value: new Uint8Array([1]), flags: 0n, lockIndex: 4, modifyIndex: 20 }));
      b.kvDelete.push('empty', 'never-existed');
      await commit(b);
      const all = await loadKv();
      expect(all.map((e) => e.key)).toEqual(['a/ключ/🔑', 'bin']);
      const e = all[1]!;
      expect(e.session).toBeUndefined();
      expect([e.lockIndex, e.modifyIndex, e.createIndex]).toEqual([4, 20, 10]);
    });

    test('sessions round-trip', async () => {
      const b = empty();
      b.sessionPut.push(
        session('s1', { ttl: '15s', behavior: 'delete', serviceChecks: [{ ID: 'c', Namespace: '' }] }),
        session('s2'),
      );
      await commit(b);
      let all = await loadSessions();
      expect(all.map((s) => s.id)).toEqual(['s1', 's2']);
      expect(all[0]).toEqual(
        session('s1', { ttl: '15s', behavior: 'delete', serviceChecks: [{ ID: 'c', Namespace: '' }] }),
      );
      const d = empty();
      d.sessionDelete.push('s2');
      await commit(d);
      all = await loadSessions();
      expect(all.map((s) => s.id)).toEqual(['s1']);
    });

    test('a batch is atomic: one failing row rolls back every other change (txn)', async () => {
      const before = await loadKv();
      const b = empty();
      b.kvPut.push(kv('txn/ok-1'), kv('txn/ok-2'));
      b.kvDelete.push('bin');
      b.sessionPut.push(session('s3'));
      // NOT NULL violation on the last row.
      b.kvPut.push(kv('txn/bad', { createIndex: null as unknown as number }));
      await expect(commit(b)).rejects.toThrow();
      expect(await loadKv()).toEqual(before);
      expect((await loadSessions()).map((s) => s.id)).toEqual(['s1']);
    });

    test('a large batch (group commit) upserts and deletes many keys in one commit', async () => {
      const b = empty();
      for (let i = 0; i < 450; i++)
        b.kvPut.push(kv(`many/${String(i).padStart(3, '0')}`, { flags: BigInt(i) }));
      await commit(b);
      const d = empty();
      for (let i = 0; i < 450; i += 2) d.kvDelete.push(`many/${String(i).padStart(3, '0')}`);
      d.kvPut.push(kv('many/001', { lockIndex: 9, modifyIndex: 99 }));
      await commit(d);
      const many = (await loadKv()).filter((e) => e.key.startsWith('many/'));
      expect(many).toHaveLength(225);
      expect(many[0]).toMatchObject({ key: 'many/001', lockIndex: 9, modifyIndex: 99, flags: 0n });
      expect(many[1]!.flags).toBe(3n);
    });

    test('write: decide sees what was committed after `since`, deletes as tombstones; undefined commits nothing', async () => {
      const since = (await repo.snapshot()).index;
      const b = empty();
      b.kvPut.push(kv('w/new'));
      b.kvDelete.push('w/gone');
      b.sessionPut.push(session('w-s'));
      const at = await commit(b);
      expect(at).toBe(since + 1);
      let seen: ConsulDelta | undefined;
      await repo.write(since, (d) => {
        seen = d;
        return undefined;
      });
      expect(seen!.index).toBe(at);
      expect(seen!.full).toBe(false);
      expect(seen!.kv.every((e) => e.modifyIndex > since)).toBe(true);
      expect(seen!.kvDeleted).toEqual([{ key: 'w/gone', index: at }]);
      expect((await repo.snapshot()).index).toBe(at);
      // Rows stamped with the commit index are found by changesSince; a delete shows as a tombstone.
      // (Earlier rows of this suite carry small hand-picked indexes: jump well above them.)
      const b2 = empty();
      const next = at + 1000;
      b2.kvPut.push(kv('w/stamped', { createIndex: next, modifyIndex: next }));
      b2.sessionDelete.push('w-s');
      await commit(b2, next);
      const d = await repo.changesSince(next - 1);
      expect(d.index).toBe(next);
      expect(d.kv.map((e) => e.key)).toEqual(['w/stamped']);
      expect(d.sessionsDeleted).toEqual([{ id: 'w-s', index: next }]);
      expect(d.kvDeleted).toEqual([]);
      const none = await repo.changesSince(next);
      expect(none).toMatchObject({ index: next, full: false, kv: [], kvDeleted: [] });
    });

    test('a commit index not above the storage index is refused', async () => {
      const at = (await repo.snapshot()).index;
      const b = empty();
      b.kvPut.push(kv('refused'));
      await expect(repo.write(at, () => ({ batch: b, index: at }))).rejects.toThrow();
      expect((await loadKv()).some((e) => e.key === 'refused')).toBe(false);
    });

    test('reaped tombstones: a reader from before them gets everything', async () => {
      const at = (await repo.snapshot()).index;
      const b = empty();
      b.kvDelete.push('reap/me');
      const del = await commit(b);
      expect(await repo.reapTombstones(del)).toBeGreaterThanOrEqual(1);
      const d = await repo.changesSince(at);
      expect(d.full).toBe(true);
      expect(d.kv.map((e) => e.key)).toEqual((await loadKv()).map((e) => e.key));
      expect((await repo.changesSince(del)).full).toBe(false);
    });

    test('session renewals are stored outside the indexes', async () => {
      const b = empty();
      b.sessionPut.push(session('renew-me', { ttl: '10s' }));
      await commit(b);
      const before = await repo.snapshot();
      expect(await repo.sessionRenewedAt('renew-me')).toBeNull();
      expect(await repo.renewSession('renew-me', 1_700_000_000_123)).toBe(true);
      expect(await repo.renewSession('renew-me', 1_700_000_000_123)).toBe(true);
      expect(await repo.sessionRenewedAt('renew-me')).toBe(1_700_000_000_123);
      expect(await repo.renewSession('no-such', 1)).toBe(false);
      expect(await repo.sessionRenewedAt('no-such')).toBeUndefined();
      expect((await repo.snapshot()).index).toBe(before.index);
      // A later upsert of the session (same id) keeps the renewal.
      const again = empty();
      again.sessionPut.push(session('renew-me', { ttl: '10s', name: 'changed' }));
      await commit(again);
      expect(await repo.sessionRenewedAt('renew-me')).toBe(1_700_000_000_123);
    });

    test('agent service definitions: upsert, load per node in id order, remove', async () => {
      await repo.saveAgentService('srv-a', 'web-2', '{"a":1}');
      await repo.saveAgentService('srv-a', 'web-1', '{"b":"ü"}');
      await repo.saveAgentService('srv-a', 'web-2', '{"a":2}');
      await repo.saveAgentService('srv-b', 'api-1', '{"c":3}');
      expect(await repo.loadAgentServices('srv-a')).toEqual([
        { id: 'web-1', body: '{"b":"ü"}' },
        { id: 'web-2', body: '{"a":2}' },
      ]);
      expect(await repo.loadAgentServices('srv-b')).toEqual([{ id: 'api-1', body: '{"c":3}' }]);
      // Saving under another node moves the definition (one ID, one owner).
      await repo.saveAgentService('srv-b', 'web-2', '{"a":3}');
      expect((await repo.loadAgentServices('srv-a')).map((r) => r.id)).toEqual(['web-1']);
      await repo.removeAgentService('web-1');
      await repo.removeAgentService('nope');
      expect((await repo.loadAgentServices('srv-a')).map((r) => r.id)).toEqual([]);
      expect((await repo.loadAgentServices('srv-b')).map((r) => r.id)).toEqual(['api-1', 'web-2']);
      await repo.removeAgentService('api-1');
      await repo.removeAgentService('web-2');
    });

    test('agent service definitions stored without a node go to the first node that loads them', async () => {
      await repo.saveAgentService('', 'legacy-1', '{"l":1}');
      await repo.saveAgentService('srv-b', 'mine-1', '{"m":1}');
      expect((await repo.loadAgentServices('srv-a')).map((r) => r.id)).toEqual(['legacy-1']);
      expect((await repo.loadAgentServices('srv-b')).map((r) => r.id)).toEqual(['mine-1']);
      expect((await repo.loadAgentServices('srv-a')).map((r) => r.id)).toEqual(['legacy-1']);
      // A server alone on its storage takes every definition (its node name changed).
      expect((await repo.loadAgentServices('srv-c', true)).map((r) => r.id)).toEqual(['legacy-1', 'mine-1']);
      expect(await repo.loadAgentServices('srv-a')).toEqual([]);
      await repo.removeAgentService('legacy-1');
      await repo.removeAgentService('mine-1');
    });

    test('catalog rows: upsert by (kind, node, id) in that order, delete; atomic with KV', async () => {
      const row = (kind: 'node' | 'service' | 'check', node: string, id: string, body: string, ci = 3) => ({
        kind,
        node,
        id,
        body,
        createIndex: ci,
        modifyIndex: ci + 1,
      });
      const loadCatalog = async () => (await repo.snapshot()).catalog;
      const big = JSON.stringify({ note: 'ü✓'.repeat(20_000) });
      const b = empty();
      b.catalogPut = [
        row('service', 'ext', 'db-1', '{"id":"db-1"}'),
        row('node', 'ext', '', '{"node":"ext"}', 2),
        row('check', 'ext', 'db:alive', big),
        row('check', 'node-a', 'db:alive', '{}'),
      ];
      const since = (await repo.snapshot()).index;
      const at = await commit(b);
      expect((await repo.changesSince(since)).index).toBe(at);
      const all = await loadCatalog();
      expect(all.map((r) => `${r.kind}|${r.node}|${r.id}`)).toEqual([
        'check|ext|db:alive',
        'check|node-a|db:alive',
        'node|ext|',
        'service|ext|db-1',
      ]);
      expect(all[0]!.body).toBe(big);
      expect(all[2]).toEqual(row('node', 'ext', '', '{"node":"ext"}', 2));
      const u = empty();
      u.catalogPut = [row('node', 'ext', '', '{"node":"ext","v":2}', 2)];
      u.catalogDelete = [
        { kind: 'check', node: 'node-a', id: 'db:alive' },
        { kind: 'service', node: 'nope', id: 'x' },
      ];
      await commit(u);
      const after = await loadCatalog();
      expect(after.map((r) => `${r.kind}|${r.node}|${r.id}`)).toEqual([
        'check|ext|db:alive',
        'node|ext|',
        'service|ext|db-1',
      ]);
      expect(after[1]!.body).toBe('{"node":"ext","v":2}');
      // A failing KV row rolls the catalog rows of the same batch back.
      const bad = empty();
      bad.catalogPut = [row('node', 'other', '', '{}')];
      bad.catalogDelete = [{ kind: 'service', node: 'ext', id: 'db-1' }];
      bad.kvPut.push(kv('txn/bad-2', { createIndex: null as unknown as number }));
      await expect(commit(bad)).rejects.toThrow();
      expect(await loadCatalog()).toEqual(after);
      expect((await repo.snapshot()).index).toBe(at + 1);
      const clean = empty();
      clean.catalogDelete = after.map(({ kind, node, id }) => ({ kind, node, id }));
      await commit(clean);
    });

    test('catalog changes after an index: rows by modify index, deletions as tombstones, full after reaping', async () => {
      const row = (kind: 'node' | 'service' | 'check', node: string, id: string, ci: number, mi = ci) => ({
        kind,
        node,
        id,
        body: JSON.stringify({ node, id, mi }),
        createIndex: ci,
        modifyIndex: mi,
      });
      const start = (await repo.snapshot()).index;
      const first = start + 1;
      const b1 = empty();
      b1.catalogPut = [row('node', 'sync', '', first), row('service', 'sync', 'web-1', first)];
      b1.kvPut.push(kv('sync/k', { createIndex: first, modifyIndex: first }));
      await commit(b1, first);
      const second = first + 1;
      const b2 = empty();
      b2.catalogPut = [row('check', 'sync', 'alive', second), row('node', 'sync', '', first, second)];
      b2.catalogDelete = [{ kind: 'service', node: 'sync', id: 'web-1' }];
      await commit(b2, second);

      const d = await repo.changesSince(first);
      expect(d.full).toBe(false);
      expect(d.index).toBe(second);
      expect(d.catalog).toEqual([
        row('check', 'sync', 'alive', second),
        row('node', 'sync', '', first, second),
      ]);
      expect(d.catalogDeleted).toEqual([{ kind: 'service', node: 'sync', id: 'web-1', index: second }]);
      expect(d.kv).toEqual([]);
      const from = await repo.changesSince(start);
      expect(from.catalog.map((r) => `${r.kind}|${r.id}|${r.modifyIndex}`)).toEqual([
        `check|alive|${second}`,
        `node||${second}`,
      ]);
      expect(from.kv.map((e) => e.key)).toEqual(['sync/k']);
      expect((await repo.changesSince(second)).catalogDeleted).toEqual([]);
      // Re-created after its deletion: the row wins over the older tombstone.
      const third = second + 1;
      const b3 = empty();
      b3.catalogPut = [row('service', 'sync', 'web-1', third)];
      await commit(b3, third);
      const again = await repo.changesSince(start);
      expect(again.catalog.map((r) => `${r.kind}|${r.id}`)).toContain('service|web-1');
      expect(again.catalogDeleted.find((t) => t.id === 'web-1')?.index).toBe(second);
      // Reaped: a reader from before the reap gets every row (full), catalog included.
      const fourth = third + 1;
      const b4 = empty();
      b4.catalogDelete = [
        { kind: 'service', node: 'sync', id: 'web-1' },
        { kind: 'check', node: 'sync', id: 'alive' },
        { kind: 'node', node: 'sync', id: '' },
      ];
      b4.kvDelete.push('sync/k');
      await commit(b4, fourth);
      expect(await repo.reapTombstones(fourth)).toBeGreaterThanOrEqual(4);
      const full = await repo.changesSince(second);
      expect(full.full).toBe(true);
      expect(full.catalog.filter((r) => r.node === 'sync')).toEqual([]);
      expect(full.catalogDeleted.filter((t) => t.node === 'sync')).toEqual([]);
      expect(full.catalog).toEqual((await repo.snapshot()).catalog);
    });

    test('a 512 KiB value is stored whole', async () => {
      const big = new Uint8Array(512 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 255;
      const b = empty();
      b.kvPut.push(kv('big', { value: big }));
      await commit(b);
      const e = (await loadKv()).find((x) => x.key === 'big')!;
      expect(e.value!.length).toBe(big.length);
      expect(Buffer.from(e.value!).equals(Buffer.from(big))).toBe(true);
    });
  });
}
