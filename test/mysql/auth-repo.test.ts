import { runAuthRepoContract } from '../../src/storage/contract/auth-repo.contract';
import { MysqlDb } from '../../src/storage/mysql-db';
import { createTestDatabase } from '../support/mysql';

runAuthRepoContract('mysql (MariaDB on 127.0.0.1:3306)', async () => {
  const t = await createTestDatabase();
  return { db: new MysqlDb({ url: t.url, poolSize: 4 }), cleanup: t.drop };
});
