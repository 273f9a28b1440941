import { loadConfig } from '@app/config';
import { Database } from '@app/persistence';
import { inProcessRangeFolder, projectionStatuses, rebuildProjection, RebuildAlreadyRunning } from '@app/projections';
import { END_USER_API_KEYS_PROJECTION, END_USERS_PROJECTION } from '@app/projections';
import request from 'supertest';
import { bearer, RunningApi, startApi } from '../support/api';
import { createTestPlatform, openTestDatabase, TestPlatform } from '../support/database';
import { testDataKeys } from '../support/data-keys';

/** Rebuilds run against the shared test database while the API serves and writes through it. */
describe('projection rebuild', () => {
  let api: RunningApi;
  let db: Database;
  let platform: TestPlatform;

  beforeAll(async () => {
    api = await startApi();
    db = await openTestDatabase();
    platform = await createTestPlatform(db, { default_budget_usd: 5 });
  });
  afterAll(async () => {
    await api.close();
    await db.close();
  });

  const create = (externalId: string) =>
    request(api.server).post(`/v1/platforms/${platform.id}/end-users`).set(bearer(platform.key)).send({ external_id: externalId });

  async function writeWhile(done: () => boolean): Promise<{ writes: number; failures: string[] }> {
    let writes = 0;
    const failures: string[] = [];
    const writer = async (lane: number) => {
      for (let i = 0; !done(); i++) {
        const created = await create(`rebuild-${lane}-${i}-${Date.now()}`);
        if (created.status !== 201) failures.push(`create ${created.status}`);
        const patched = await request(api.server)
          .patch(`/v1/platforms/${platform.id}/end-users/${created.body.id}`)
          .set(bearer(platform.key))
          .send({ display_name: `n${i}` });
        if (patched.status !== 200) failures.push(`patch ${patched.status}`);
        if (i % 3 === 0) {
          const deleted = await request(api.server).delete(`/v1/platforms/${platform.id}/end-users/${created.body.id}`).set(bearer(platform.key));
          if (deleted.status !== 204) failures.push(`delete ${deleted.status}`);
        }
        writes++;
      }
    };
    await Promise.all([0, 1, 2, 3].map(writer));
    return { writes, failures };
  }

  it('rebuilds both read tables under concurrent writes, in three ranges folded at once, ending equal to a fresh fold of the events', async () => {
    for (let i = 0; i < 30; i++) expect((await create(`before-rebuild-${i}-${Date.now()}`)).status).toBe(201);
    // The ranges fold on connections of their own, as the CLI's worker threads do.
    const rangeDb = Database.connect({ ...loadConfig(), DB_POOL_MAX: 6 }, 'end-users-tests-ranges');
    const parallel = { ranges: 3, folder: inProcessRangeFolder(rangeDb, testDataKeys()) };
    let rebuilding = true;
    const load = writeWhile(() => !rebuilding);
    try {
      for (const projection of [END_USERS_PROJECTION, END_USER_API_KEYS_PROJECTION]) {
        const result = await rebuildProjection(db, testDataKeys(), projection, undefined, parallel);
        expect(result.verification.matches).toBe(true);
        expect(result.verification.rows).toBe(result.verification.expectedRows);
        expect(result.switchBlockedMs).toBeLessThan(5_000);
      }
    } finally {
      rebuilding = false;
      await rangeDb.close();
    }
    const { writes, failures } = await load;
    expect(failures).toEqual([]);
    expect(writes).toBeGreaterThan(0);
    // After the writers stopped: nothing lags and a second verification still matches.
    for (const status of await projectionStatuses(db, testDataKeys())) {
      expect(status.streamsBehind).toBe(0);
      if (status.projection === 'end_users') expect(status.platformsWithWrongTotal).toBe(0);
    }
    const again = await rebuildProjection(db, testDataKeys(), END_USERS_PROJECTION);
    expect(again.verification.matches).toBe(true);
  }, 120_000);

  it('repairs a deliberately corrupted table', async () => {
    const first = await create(`corrupt-a-${Date.now()}`);
    const second = await create(`corrupt-b-${Date.now()}`);
    await db.query("UPDATE end_users SET display_name = 'corrupted', is_active = false WHERE id = $1", [first.body.id]);
    await db.query('DELETE FROM end_users WHERE id = $1', [second.body.id]);
    await db.query('DELETE FROM end_user_api_keys WHERE end_user_id = $1', [second.body.id]);
    await db.query('UPDATE platform_end_user_counts SET count = count + 7 WHERE platform_id = $1', [platform.id]);
    expect((await projectionStatuses(db, testDataKeys())).find((s) => s.projection === 'end_users')!.streamsBehind).toBeGreaterThanOrEqual(1);

    await rebuildProjection(db, testDataKeys(), END_USERS_PROJECTION);
    await rebuildProjection(db, testDataKeys(), END_USER_API_KEYS_PROJECTION);

    const repaired = await request(api.server).get(`/v1/platforms/${platform.id}/end-users/${first.body.id}`).set(bearer(platform.key));
    expect(repaired.body).toMatchObject({ display_name: null, is_active: true });
    expect((await request(api.server).get(`/v1/platforms/${platform.id}/end-users/${second.body.id}`).set(bearer(platform.key))).status).toBe(200);
    expect((await request(api.server).get('/v1/me').set(bearer(second.body.api_key.raw_key))).status).toBe(200);
    const [{ rows }] = await db.query('SELECT count(*)::int AS rows FROM end_users WHERE platform_id = $1', [platform.id]);
    const listed = await request(api.server).get(`/v1/platforms/${platform.id}/end-users?limit=1`).set(bearer(platform.key));
    expect(listed.body.total).toBe(rows);
  }, 60_000);

  it('runs one rebuild of a projection at a time', async () => {
    const results = await Promise.allSettled([
      rebuildProjection(db, testDataKeys(), END_USERS_PROJECTION),
      rebuildProjection(db, testDataKeys(), END_USERS_PROJECTION),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(RebuildAlreadyRunning);
  }, 60_000);

  it('never re-publishes or repeats side effects: outbox, inbox and budgets are untouched', async () => {
    const counts = async () => {
      const [row] = await db.query(
        'SELECT (SELECT count(*) FROM outbox)::int AS outbox, (SELECT count(*) FROM processed_events)::int AS inbox, (SELECT count(*) FROM budgets)::int AS budgets, (SELECT count(*) FROM budget_ledger)::int AS ledger',
      );
      return row;
    };
    const before = await counts();
    await rebuildProjection(db, testDataKeys(), END_USERS_PROJECTION);
    expect(await counts()).toEqual(before);
  }, 60_000);
});
