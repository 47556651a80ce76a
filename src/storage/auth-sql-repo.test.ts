import { runAuthRepoContract } from './contract/auth-repo.contract';
import { SqliteDb } from './sqlite-db';

runAuthRepoContract('sqlite :memory:', async () => ({ db: new SqliteDb({ path: ':memory:' }) }));
