import { describe, expect, test } from 'bun:test';
import { GroupCommit, type Outcome } from './group-commit';

describe('GroupCommit', () => {
  test('submits of one turn share one commit, in arrival order', async () => {
    const batches: number[][] = [];
    const gc = new GroupCommit<number, number>(async (xs) => {
      batches.push(xs);
      return xs.map((x) => ({ value: x * 10 }));
    });
    const rs = await Promise.all([1, 2, 3, 4].map((x) => gc.submit(x)));
    expect(rs).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  test('items submitted during a commit go to the next batch; maxBatch splits', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gc = new GroupCommit<number>(async (xs) => {
      batches.push(xs);
      if (batches.length === 1) await gate;
      return xs.map(() => ({ value: undefined }));
    }, 2);
    const first = gc.submit(1);
    while (!batches.length) await new Promise((r) => setImmediate(r)); // first batch is committing
    const later = [2, 3, 4].map((x) => gc.submit(x));
    expect(gc.pending).toBe(3);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3], [4]]);
  });

  test('an item error fails that item only; a thrown commit fails the whole batch', async () => {
    const gc = new GroupCommit<number>(async (xs) => {
      if (xs.includes(99)) throw new Error('disk');
      return xs.map((x): Outcome<void> => (x < 0 ? { error: new Error(`bad ${x}`) } : { value: undefined }));
    });
    const r = await Promise.allSettled([gc.submit(1), gc.submit(-1), gc.submit(2)]);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const r2 = await Promise.allSettled([gc.submit(3), gc.submit(99)]);
    expect(r2.map((x) => x.status)).toEqual(['rejected', 'rejected']);
    // the queue keeps working after a failed batch
    await expect(gc.submit(5)).resolves.toBeUndefined();
  });
});
