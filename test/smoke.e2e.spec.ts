import { Database } from '@app/persistence';
import request from 'supertest';
import { bearer, RunningApi, startApi } from './support/api';
import { createTestPlatform, openTestDatabase } from './support/database';

describe('smoke', () => {
  let api: RunningApi;
  let db: Database;
  beforeAll(async () => {
    api = await startApi();
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await api.close();
    await db.close();
  });

  it('creates and reads back an end user', async () => {
    const platform = await createTestPlatform(db);
    const created = await request(api.server).post(`/v1/platforms/${platform.id}/end-users`).set(bearer(platform.key)).send({ external_id: 'smoke-1' });
    expect(created.status).toBe(201);
    const read = await request(api.server).get(`/v1/platforms/${platform.id}/end-users/${created.body.id}`).set(bearer(platform.key));
    expect(read.status).toBe(200);
    expect(read.body.external_id).toBe('smoke-1');
  });
});
