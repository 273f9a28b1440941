import { loadConfig } from '@app/config';
import { Database, Sql } from '@app/persistence';
import { randomUUID } from 'node:crypto';
import { EndUserRow, listEndUsers } from './end-user-rows';

/**
 * listEndUsers finds a page's first key with an index-only scan and reads the page from there;
 * these pin that its pages are exactly those of the plain `ORDER BY created_at, id LIMIT OFFSET`.
 */
describe('end user rows: list pages', () => {
  let dataSource: Database;
  let sql: Sql;
  const platformId = randomUUID();
  const otherPlatformId = randomUUID();
  const USERS = 57;
  const BASE = Date.parse('2026-03-01T00:00:00.000Z');
  /** The seeded users in the expected order: created_at, then id (uuid order is the order of its lower-case text). */
  let expected: { id: string; externalId: string; createdAt: string }[];

  const plainOffsetPage = async (page: number, limit: number) =>
    (
      await sql.query<{ id: string }>('SELECT id FROM end_users WHERE platform_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3', [
        platformId,
        limit,
        (page - 1) * limit,
      ])
    ).map((row) => row.id);

  const idsOf = (rows: EndUserRow[]) => rows.map((row) => row.id);
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

  beforeAll(async () => {
    dataSource = await Database.connect({ ...loadConfig(), DB_POOL_MAX: 2 }, 'end-user-rows-tests');
    sql = dataSource;
    // Four users per created_at (ties decided by id), and a user of another platform at every instant.
    const seeded = Array.from({ length: USERS }, (_, n) => ({
      id: randomUUID(),
      externalId: `rows-${n}`,
      createdAt: new Date(BASE + Math.floor(n / 4) * 1000).toISOString(),
    }));
    const others = Array.from({ length: Math.ceil(USERS / 4) }, (_, n) => ({
      id: randomUUID(),
      externalId: `other-${n}`,
      createdAt: new Date(BASE + n * 1000).toISOString(),
    }));
    const insert = (platform: string, users: typeof seeded) =>
      sql.query(
        `INSERT INTO end_users (id, platform_id, external_id, display_name, metadata, is_active, created_at, updated_at, stream_version)
         SELECT u.id, $1, u.external_id, 'User ' || u.external_id, jsonb_build_object('external', u.external_id), true, u.created_at, u.created_at, 1
         FROM jsonb_to_recordset($2::jsonb) AS u(id uuid, external_id text, created_at timestamptz)`,
        [platform, JSON.stringify(users.map((user) => ({ id: user.id, external_id: user.externalId, created_at: user.createdAt })))],
      );
    // Inserted in reverse, so heap order is not the list order.
    await insert(platformId, [...seeded].reverse());
    await insert(otherPlatformId, others);
    await sql.query('INSERT INTO platform_end_user_counts (platform_id, shard, count) VALUES ($1, 0, 50), ($1, 9, 7)', [platformId]);
    expected = [...seeded].sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.id, b.id));
  });

  afterAll(async () => {
    await sql.query('DELETE FROM end_users WHERE platform_id = ANY($1::uuid[])', [[platformId, otherPlatformId]]);
    await sql.query('DELETE FROM platform_end_user_counts WHERE platform_id = $1', [platformId]);
    await dataSource.close();
  });

  it.each([1, 3, 4, 10, 20, 100])(
    'returns, with limit %i, the same rows as the plain OFFSET query on every page, ties in created_at included',
    async (limit) => {
      const pages = Math.ceil(USERS / limit);
      const listed: string[] = [];
      for (let page = 1; page <= pages + 1; page++) {
        const { rows, total } = await listEndUsers(sql, platformId, page, limit);
        expect(idsOf(rows)).toEqual(await plainOffsetPage(page, limit));
        expect(idsOf(rows)).toEqual(expected.slice((page - 1) * limit, page * limit).map((user) => user.id));
        expect(total).toBe(USERS);
        listed.push(...idsOf(rows));
      }
      expect(listed).toEqual(expected.map((user) => user.id));
    },
  );

  it('starts a page inside a group of equal created_at at the right id', async () => {
    // limit 3: page 2 starts at user 3, the last of the first four that share created_at.
    const { rows } = await listEndUsers(sql, platformId, 2, 3);
    expect(rows.map((row) => [row.external_id, row.created_at.toISOString()])).toEqual(expected.slice(3, 6).map((user) => [user.externalId, user.createdAt]));
    expect(rows[0].created_at.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(rows[1].created_at.toISOString()).toBe('2026-03-01T00:00:01.000Z');
  });

  it('returns whole rows of the platform only', async () => {
    const { rows } = await listEndUsers(sql, platformId, 1, 100);
    expect(rows).toHaveLength(USERS);
    expect(rows.every((row) => row.platform_id === platformId)).toBe(true);
    const first = expected[0];
    expect(rows[0]).toEqual({
      id: first.id,
      platform_id: platformId,
      external_id: first.externalId,
      display_name: `User ${first.externalId}`,
      metadata: { external: first.externalId },
      is_active: true,
      created_at: new Date(first.createdAt),
      updated_at: new Date(first.createdAt),
      stream_version: 1,
    });
  });

  it('returns an empty page past the end, with the total', async () => {
    expect(await listEndUsers(sql, platformId, 3, 50)).toEqual({ rows: [], total: USERS });
    expect(await listEndUsers(sql, platformId, 1000, 100)).toEqual({ rows: [], total: USERS });
  });

  it('returns an empty page and a zero total for a platform without users', async () => {
    expect(await listEndUsers(sql, randomUUID(), 1, 20)).toEqual({ rows: [], total: 0 });
  });

  it('still filters by external_id to the one user, on page 1 only', async () => {
    const user = expected[17];
    expect(idsOf((await listEndUsers(sql, platformId, 1, 20, user.externalId)).rows)).toEqual([user.id]);
    expect(await listEndUsers(sql, platformId, 1, 20, 'other-1')).toEqual({ rows: [], total: 0 });
    expect(await listEndUsers(sql, platformId, 2, 20, user.externalId)).toEqual({ rows: [], total: 1 });
  });
});
