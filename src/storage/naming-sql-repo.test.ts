import { FakeNamingRepo } from '../naming/fake-naming-repo';
import { runNamingRepoContract } from './contract/naming-repo.contract';
import { migrate } from './migrate';
import { SqlNamingRepo } from './naming-sql-repo';
import { SqliteDb } from './sqlite-db';

runNamingRepoContract('fake', async () => ({ repo: new FakeNamingRepo() }));

runNamingRepoContract('sqlite :memory:', async () => {
  const db = new SqliteDb({ path: ':memory:' });
  await migrate(db);
  return { repo: new SqlNamingRepo(db), cleanup: () => db.close() };
});
