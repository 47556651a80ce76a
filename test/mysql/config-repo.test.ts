import { runConfigRepoContract } from '../../src/storage/contract/config-repo.contract';
import { MysqlDb } from '../../src/storage/mysql-db';
import { createTestDatabase } from '../support/mysql';

runConfigRepoContract('mysql (MariaDB on 127.0.0.1:3306)', async () => {
  const t = await createTestDatabase();
  return { db: new MysqlDb({ url: t.url, poolSize: 4 }), cleanup: t.drop };
});
