import { SqlConsulRepo } from '../../src/storage/consul-sql-repo';
import { runConsulRepoContract } from '../../src/storage/contract/consul-repo.contract';
import { migrate } from '../../src/storage/migrate';
import { MysqlDb } from '../../src/storage/mysql-db';
import { createTestDatabase } from '../support/mysql';

runConsulRepoContract('mysql (MariaDB on 127.0.0.1:3306)', async () => {
  const t = await createTestDatabase();
  const db = new MysqlDb({ url: t.url, poolSize: 4 });
  await migrate(db);
  return {
    repo: new SqlConsulRepo(db),
    close: async () => {
      await db.close();
      await t.drop();
    },
  };
});
