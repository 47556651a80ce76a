import { SqlConsulRepo } from './consul-sql-repo';
import { runConsulRepoContract } from './contract/consul-repo.contract';
import { migrate } from './migrate';
import { SqliteDb } from './sqlite-db';

runConsulRepoContract('sqlite :memory:', async () => {
  const db = new SqliteDb({ path: ':memory:' });
  await migrate(db);
  return { repo: new SqlConsulRepo(db), close: () => db.close() };
});
