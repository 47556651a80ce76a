import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../core/clock';
import { StateStore } from '../state';
import { FakeNamespaceRepo } from './fake-namespace-repo';
import { NamespaceService } from './namespace-service';

function make() {
  const repo = new FakeNamespaceRepo();
  const state = new StateStore();
  return { repo, state, svc: new NamespaceService(state, repo, new FakeClock()) };
}

describe('NamespaceService', () => {
  test('default namespace always first, custom after', async () => {
    const { svc } = make();
    await svc.create('dev', 'Dev', 'd');
    const list = svc.list();
    expect(list.map((n) => n.namespaceId)).toEqual(['public', 'dev']);
    expect(list[0]).toMatchObject({ type: 0, quota: 200, desc: 'Default Namespace' });
    expect(list[1]).toMatchObject({ type: 1, name: 'Dev', desc: 'd' });
  });

  test('blank id gets a UUID', async () => {
    const { svc } = make();
    const id = await svc.create('', 'Auto');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(svc.exists(id)).toBe(true);
  });

  test('validation and duplicates', async () => {
    const { svc } = make();
    await expect(svc.create('bad id', 'x')).rejects.toMatchObject({ detailCode: 22000 });
    await expect(svc.create('a'.repeat(129), 'x')).rejects.toMatchObject({ detailCode: 22000 });
    await expect(svc.create('ok', 'bad#name')).rejects.toMatchObject({ detailCode: 22000 });
    await expect(svc.create('public', 'x')).rejects.toMatchObject({ detailCode: 22002 });
    await svc.create('ok', 'Ok');
    await expect(svc.create('ok', 'Ok')).rejects.toMatchObject({ detailCode: 22002 });
  });

  test('default namespace cannot be updated or deleted', async () => {
    const { svc } = make();
    await expect(svc.remove('public')).rejects.toMatchObject({ kind: 'invalid_argument' });
    await expect(svc.remove('')).rejects.toMatchObject({ kind: 'invalid_argument' });
    await expect(svc.update('public', 'x')).rejects.toMatchObject({ kind: 'invalid_argument' });
  });

  test('update and delete; missing update is not found, missing delete is a no-op', async () => {
    const { svc, state } = make();
    await svc.create('dev', 'Dev');
    await svc.update('dev', 'Development', 'new');
    expect(svc.get('dev')).toMatchObject({ name: 'Development', desc: 'new' });
    await expect(svc.update('nope', 'x')).rejects.toMatchObject({ detailCode: 22001 });
    const idx = state.index;
    await svc.remove('nope');
    expect(state.index).toBe(idx);
    await svc.remove('dev');
    expect(svc.exists('dev')).toBe(false);
    expect(() => svc.get('dev')).toThrow('not exist');
  });

  test('a failed store write leaves state unchanged', async () => {
    const { svc, repo } = make();
    repo.failNext = new Error('disk full');
    await expect(svc.create('dev', 'Dev')).rejects.toThrow('disk full');
    expect(svc.exists('dev')).toBe(false);
  });

  test('load restores stored namespaces; usage providers add counts', async () => {
    const { svc, repo } = make();
    await svc.create('dev', 'Dev');
    const again = new NamespaceService(new StateStore(), repo, new FakeClock());
    await again.load();
    again.addUsage((id) => ({ configCount: id === 'dev' ? 3 : 0 }));
    expect(again.get('dev')).toMatchObject({ name: 'Dev', configCount: 3 });
  });
});
