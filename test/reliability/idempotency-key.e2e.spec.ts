import request from 'supertest';
import { requestFingerprint } from '../../apps/api/src/idempotency/request-fingerprint';
import { bearer, startApi } from '../support/api';
import { createTestPlatform, openTestDatabase, TestPlatform } from '../support/database';
import { useE2eFixture } from '../support/fixtures';

describe('Idempotency-Key on mutating requests', () => {
  const e2e = useE2eFixture();
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await createTestPlatform(e2e.db);
  });

  const base = () => `/v1/platforms/${platform.id}/end-users`;
  const key = () => `idem-${Date.now()}-${Math.random()}`;

  it('replays the first create response, raw key included, and creates nothing more', async () => {
    const idempotencyKey = key();
    const body = { external_id: `idem-user-${Date.now()}`, metadata: { a: 1, b: 2 } };
    const first = await request(e2e.api.server).post(base()).set(bearer(platform.key)).set('Idempotency-Key', idempotencyKey).send(body);
    expect(first.status).toBe(201);
    const again = await request(e2e.api.server)
      .post(base())
      .set(bearer(platform.key))
      .set('Idempotency-Key', idempotencyKey)
      .send({ metadata: { b: 2, a: 1 }, external_id: body.external_id });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const [{ events }] = await e2e.db.query('SELECT count(*)::int AS events FROM events WHERE stream_id = $1', [`end_user-${first.body.id}`]);
    expect(events).toBe(1);
  });

  it('refuses the same key with a different body with 422', async () => {
    const idempotencyKey = key();
    await request(e2e.api.server)
      .post(base())
      .set(bearer(platform.key))
      .set('Idempotency-Key', idempotencyKey)
      .send({ external_id: `a-${Date.now()}` })
      .expect(201);
    const other = await request(e2e.api.server)
      .post(base())
      .set(bearer(platform.key))
      .set('Idempotency-Key', idempotencyKey)
      .send({ external_id: `b-${Date.now()}` });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  it('answers 409 to a second request while the first is in flight', async () => {
    const idempotencyKey = key();
    // A claim left by a request still running (its lease has not run out).
    const path = base();
    const payload = { external_id: `flight-${Date.now()}` };
    await e2e.db.query('INSERT INTO idempotency_keys (platform_id, key, fingerprint) VALUES ($1, $2, $3)', [
      platform.id,
      idempotencyKey,
      requestFingerprint('POST', path, payload),
    ]);
    const second = await request(e2e.api.server).post(path).set(bearer(platform.key)).set('Idempotency-Key', idempotencyKey).send(payload);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('conflict');
  });

  it('takes over a claim whose request died (lease over) and runs it once', async () => {
    const idempotencyKey = key();
    const payload = { external_id: `orphan-${Date.now()}` };
    await e2e.db.query("INSERT INTO idempotency_keys (platform_id, key, fingerprint, locked_at) VALUES ($1, $2, $3, now() - interval '5 minutes')", [
      platform.id,
      idempotencyKey,
      requestFingerprint('POST', base(), payload),
    ]);
    const retried = await request(e2e.api.server).post(base()).set(bearer(platform.key)).set('Idempotency-Key', idempotencyKey).send(payload);
    expect(retried.status).toBe(201);
  });

  it('replays a 4xx too, and a DELETE replays its 204', async () => {
    const idempotencyKey = key();
    const invalid = await request(e2e.api.server).post(base()).set(bearer(platform.key)).set('Idempotency-Key', idempotencyKey).send({ external_id: '' });
    expect(invalid.status).toBe(400);
    const replayed = await request(e2e.api.server).post(base()).set(bearer(platform.key)).set('Idempotency-Key', idempotencyKey).send({ external_id: '' });
    expect(replayed.status).toBe(400);
    // The same error, answered under the replay's own request id.
    expect({ ...replayed.body.error, request_id: undefined }).toEqual({ ...invalid.body.error, request_id: undefined });
    expect(replayed.body.error.request_id).toBe(replayed.headers['x-request-id']);

    const created = await request(e2e.api.server)
      .post(base())
      .set(bearer(platform.key))
      .send({ external_id: `del-${Date.now()}` });
    const deleteKey = key();
    expect((await request(e2e.api.server).delete(`${base()}/${created.body.id}`).set(bearer(platform.key)).set('Idempotency-Key', deleteKey)).status).toBe(204);
    const again = await request(e2e.api.server).delete(`${base()}/${created.body.id}`).set(bearer(platform.key)).set('Idempotency-Key', deleteKey);
    expect(again.status).toBe(204);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await request(e2e.api.server).delete(`${base()}/${created.body.id}`).set(bearer(platform.key))).status).toBe(404);
  });

  it('scopes keys to the platform', async () => {
    const other = await createTestPlatform(e2e.db);
    const idempotencyKey = key();
    const mine = await request(e2e.api.server).post(base()).set(bearer(platform.key)).set('Idempotency-Key', idempotencyKey).send({ external_id: 'same-id' });
    const theirs = await request(e2e.api.server)
      .post(`/v1/platforms/${other.id}/end-users`)
      .set(bearer(other.key))
      .set('Idempotency-Key', idempotencyKey)
      .send({ external_id: 'same-id' });
    expect([200, 201]).toContain(mine.status);
    expect(theirs.status).toBe(201);
    expect(theirs.body.platform_id).toBe(other.id);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
  });

  it('refuses a malformed key with 400', async () => {
    const res = await request(e2e.api.server).post(base()).set(bearer(platform.key)).set('Idempotency-Key', 'x'.repeat(256)).send({ external_id: 'k' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('Idempotency-Key');
  });
});

describe('stored idempotent responses', () => {
  it('keep no raw key in the database', async () => {
    const api = await startApi();
    const db = await openTestDatabase();
    try {
      const platform = await createTestPlatform(db);
      const idempotencyKey = `sealed-${Date.now()}`;
      const created = await request(api.server)
        .post(`/v1/platforms/${platform.id}/end-users`)
        .set(bearer(platform.key))
        .set('Idempotency-Key', idempotencyKey)
        .send({ external_id: `sealed-${Date.now()}` });
      expect(created.status).toBe(201);
      const [row] = await db.query('SELECT body::text AS body FROM idempotency_keys WHERE platform_id = $1 AND key = $2', [platform.id, idempotencyKey]);
      expect(row.body).not.toContain(created.body.api_key.raw_key);
      expect(row.body).not.toContain('sk-eu_');
    } finally {
      await api.close();
      await db.close();
    }
  });
});
