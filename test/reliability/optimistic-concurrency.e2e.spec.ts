import request from 'supertest';
import { bearer } from '../support/api';
import { createTestPlatform, TestPlatform } from '../support/database';
import { useE2eFixture } from '../support/fixtures';

describe('optimistic concurrency over HTTP (ETag / If-Match)', () => {
  const e2e = useE2eFixture();
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await createTestPlatform(e2e.db);
  });

  const base = () => `/v1/platforms/${platform.id}/end-users`;
  const createUser = async () => {
    const res = await request(e2e.api.server)
      .post(base())
      .set(bearer(platform.key))
      .send({ external_id: `etag-${Date.now()}-${Math.random()}` });
    expect(res.status).toBe(201);
    return res;
  };

  it('answers every end-user read and write with the stream version as ETag', async () => {
    const created = await createUser();
    expect(created.headers.etag).toBe('"1"');
    const read = await request(e2e.api.server).get(`${base()}/${created.body.id}`).set(bearer(platform.key));
    expect(read.headers.etag).toBe('"1"');
    const patched = await request(e2e.api.server).patch(`${base()}/${created.body.id}`).set(bearer(platform.key)).send({ display_name: 'A' });
    expect(patched.headers.etag).toBe('"2"');
    const repeat = await request(e2e.api.server).post(base()).set(bearer(platform.key)).send({ external_id: created.body.external_id });
    expect(repeat.status).toBe(200);
    expect(repeat.headers.etag).toBe('"3"');
  });

  it('applies a PATCH with the current If-Match and refuses a stale one with 412 and the current version', async () => {
    const created = await createUser();
    const ok = await request(e2e.api.server)
      .patch(`${base()}/${created.body.id}`)
      .set(bearer(platform.key))
      .set('If-Match', '"1"')
      .send({ display_name: 'First' });
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).toBe('"2"');
    const stale = await request(e2e.api.server)
      .patch(`${base()}/${created.body.id}`)
      .set(bearer(platform.key))
      .set('If-Match', '"1"')
      .send({ display_name: 'Second' });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toMatchObject({ code: 'precondition_failed', details: [{ field: 'If-Match', issue: 'stale_version', current_version: 2 }] });
    const after = await request(e2e.api.server).get(`${base()}/${created.body.id}`).set(bearer(platform.key));
    expect(after.body.display_name).toBe('First');
  });

  it('lets exactly one of two racing conditional PATCHes win', async () => {
    const created = await createUser();
    const results = await Promise.all(
      ['A', 'B', 'C', 'D'].map((name) =>
        request(e2e.api.server).patch(`${base()}/${created.body.id}`).set(bearer(platform.key)).set('If-Match', '"1"').send({ display_name: name }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412, 412]);
  });

  it('keeps every unconditional PATCH as its own event when they race', async () => {
    const created = await createUser();
    const names = Array.from({ length: 8 }, (_, i) => `name-${i}`);
    const results = await Promise.all(
      names.map((name) => request(e2e.api.server).patch(`${base()}/${created.body.id}`).set(bearer(platform.key)).send({ display_name: name })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const [{ updates }] = await e2e.db.query("SELECT count(*)::int AS updates FROM events WHERE stream_id = $1 AND event_type = 'EndUserUpdated'", [
      `end_user-${created.body.id}`,
    ]);
    expect(updates).toBe(8);
  });

  it('deletes only at the expected version', async () => {
    const created = await createUser();
    await request(e2e.api.server).patch(`${base()}/${created.body.id}`).set(bearer(platform.key)).send({ display_name: 'moved on' }).expect(200);
    const stale = await request(e2e.api.server).delete(`${base()}/${created.body.id}`).set(bearer(platform.key)).set('If-Match', '"1"');
    expect(stale.status).toBe(412);
    expect((await request(e2e.api.server).delete(`${base()}/${created.body.id}`).set(bearer(platform.key)).set('If-Match', 'W/"2"')).status).toBe(204);
  });

  it('refuses a malformed If-Match with 400, and answers 404 (not 412) for a missing user', async () => {
    const created = await createUser();
    for (const bad of ['1', '"abc"', '"0"', '"1", "2"']) {
      const res = await request(e2e.api.server)
        .patch(`${base()}/${created.body.id}`)
        .set(bearer(platform.key))
        .set('If-Match', bad)
        .send({ display_name: 'x' });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0]).toMatchObject({ field: 'If-Match', issue: 'invalid_format' });
    }
    const missing = await request(e2e.api.server)
      .patch(`${base()}/${crypto.randomUUID()}`)
      .set(bearer(platform.key))
      .set('If-Match', '"1"')
      .send({ display_name: 'x' });
    expect(missing.status).toBe(404);
    expect(
      (await request(e2e.api.server).patch(`${base()}/${created.body.id}`).set(bearer(platform.key)).set('If-Match', '*').send({ display_name: 'any' })).status,
    ).toBe(200);
  });
});
