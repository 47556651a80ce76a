import mysql from 'mysql2/promise';

/** Server URL (no database) of the MariaDB/MySQL used by tests; the machine's MariaDB by default. */
export const MYSQL_SERVER_URL = process.env.BATATA_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/**
 * Creates a uniquely named database for one test file and returns its URL plus a drop function.
 * Fails (never skips) when the server is unreachable: the suite promises MySQL coverage.
 */
export async function createTestDatabase(
  prefix = 'batata_test',
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const u = new URL(MYSQL_SERVER_URL);
  const conn = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password || ''),
  });
  await conn.query(`CREATE DATABASE \`${name}\` DEFAULT CHARACTER SET utf8mb4`);
  await conn.end();
  const url = `${MYSQL_SERVER_URL.replace(/\/$/, '')}/${name}`;
  return {
    url,
    name,
    drop: async () => {
      const c = await mysql.createConnection({
        host: u.hostname,
        port: Number(u.port || 3306),
        user: decodeURIComponent(u.username || 'root'),
        password: decodeURIComponent(u.password || ''),
      });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}
