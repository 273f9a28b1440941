import { loadConfig } from '@app/config';
import { randomUUID } from 'node:crypto';
import { afterCommit, Database } from './database';

describe('units of work', () => {
  let db: Database;
  const table = `unit_of_work_${randomUUID().replaceAll('-', '')}`;

  beforeAll(async () => {
    db = await Database.connect({ ...loadConfig(), DB_POOL_MAX: 4 }, 'unit-of-work-tests');
    await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
  });

  afterAll(async () => {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.close();
  });

  const ids = async () => (await db.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`)).map((row) => row.id);
  const insert = (id: number) => db.query(`INSERT INTO ${table} (id) VALUES ($1)`, [id]);

  beforeEach(() => db.query(`TRUNCATE ${table}`));

  it('commits what the work wrote through the database and its transactions together', async () => {
    const commits: string[] = [];
    await db.unitOfWork(async (sql) => {
      await insert(1);
      await db.transaction(
        () => insert(2),
        () => commits.push('nested'),
      );
      afterCommit(() => commits.push('direct'));
      // Uncommitted: another connection does not see it yet, the unit's own connection does.
      expect((await db.pooled.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n).toBe(0);
      expect((await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n).toBe(2);
      expect(commits).toEqual([]);
    });
    expect(await ids()).toEqual([1, 2]);
    expect(commits).toEqual(['nested', 'direct']);
  });

  it('rolls everything back, and runs no after-commit callback, when the work fails', async () => {
    const commits: string[] = [];
    await expect(
      db.unitOfWork(async () => {
        await insert(1);
        await db.transaction(
          () => insert(2),
          () => commits.push('nested'),
        );
        throw new Error('the response could not be stored');
      }),
    ).rejects.toThrow('the response could not be stored');
    expect(await ids()).toEqual([]);
    expect(commits).toEqual([]);
  });

  it('a failed nested transaction rolls back to its savepoint and the unit goes on', async () => {
    const commits: string[] = [];
    await db.unitOfWork(async () => {
      await insert(1);
      await expect(
        db.transaction(
          async () => {
            await insert(2);
            await insert(1); // duplicate key: the nested attempt fails
          },
          () => commits.push('failed attempt'),
        ),
      ).rejects.toMatchObject({ code: '23505' });
      await db.transaction(
        () => insert(3),
        () => commits.push('retry'),
      );
    });
    expect(await ids()).toEqual([1, 3]);
    expect(commits).toEqual(['retry']);
  });

  it('outside a unit of work, afterCommit runs at once and statements commit on their own', async () => {
    let ran = false;
    afterCommit(() => (ran = true));
    expect(ran).toBe(true);
    await insert(7);
    expect(await ids()).toEqual([7]);
  });

  it('refuses to nest units of work', async () => {
    await expect(db.unitOfWork(() => db.unitOfWork(async () => undefined))).rejects.toThrow('units of work do not nest');
  });
});
