import { runNamingRepoContract } from '../../src/storage/contract/naming-repo.contract';
import { migrate } from '../../src/storage/migrate';
import { MysqlDb } from '../../src/storage/mysql-db';
import { SqlNamingRepo } from '../../src/storage/naming-sql-repo';
import { createTestDatabase } from '../support/mysql';

runNamingRepoContract('mysql (MariaDB on 127.0.0.1:3306)', async () => {
  const t = await createTestDatabase();
  const db = new MysqlDb({ url: t.url, poolSize: 4 });
  await migrate(db);
  return {
    repo: new SqlNamingRepo(db),
    cleanup: async () => {
      await db.close();
      await t.drop();
    },
  };
});
