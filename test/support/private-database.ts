import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * A database of one suite's own, beside the shared test database, for a command that works on a
 * whole table: its name and URL now, dropped (connections and all) by `drop()`.
 */
export function privateDatabase(label: string): { name: string; url: string; drop(): Promise<void> } {
  const name = `end_users_test_${label}_${randomBytes(4).toString('hex')}`;
  const url = Object.assign(new URL(process.env.DATABASE_URL!), { pathname: `/${name}` }).toString();
  return {
    name,
    url,
    async drop() {
      const admin = new Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString() });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
