import { randomUUID } from 'node:crypto';
import { END_USER_FIELDS, expectEndUserShape, expectError, expectValidationError, me, uniqueId, userPart } from '../support/contract';
import { useE2eFixture } from '../support/fixtures';

describe('GET /v1/platforms/{platformId}/end-users/{endUserId}', () => {
  const e2e = useE2eFixture();

  it('returns 200 with exactly the user fields', async () => {
    const c = await e2e.client();
    const created = await c.createOk(uniqueId(), { display_name: 'Jane Smith', metadata: { plan: 'pro', limits: { a: [1, 2, { b: null }] } } });
    const res = await c.get(created.id);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(END_USER_FIELDS);
    expectEndUserShape(res.body);
    expect(res.body).toEqual(userPart(created));
    expect(res.body.metadata).toEqual({ plan: 'pro', limits: { a: [1, 2, { b: null }] } });
  });

  it('never includes api_key, budget or any key material', async () => {
    const c = await e2e.client({ default_budget_usd: 5 });
    const created = await c.createOk();
    const repeat = await c.create({ external_id: created.external_id });
    const res = await c.get(created.id);
    expect(res.body.api_key).toBeUndefined();
    expect(res.body.budget).toBeUndefined();
    for (const secretish of [
      created.api_key.raw_key,
      repeat.body.api_key.raw_key,
      created.api_key.key_prefix,
      created.api_key.id,
      'sk-eu_',
      'raw_key',
      'key_prefix',
    ]) {
      expect(res.text).not.toContain(secretish);
    }
  });

  it('accepts the id in upper case (UUIDs are case-insensitive)', async () => {
    const c = await e2e.client();
    const created = await c.createOk();
    const res = await c.get(created.id.toUpperCase());
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(created.id);
  });

  it('answers 404 not_found for an unknown id', async () => {
    const c = await e2e.client();
    await c.createOk();
    expectError(await c.get(randomUUID()), 404, 'not_found');
  });

  it.each(['not-a-uuid', '123', `${randomUUID()}x`, '00000000-0000-0000-0000-00000000000g', "1' OR '1'='1", '%20'])(
    'answers 400 for the malformed id %s',
    async (id) => {
      const c = await e2e.client();
      expectValidationError(await c.get(encodeURIComponent(id)), 'endUserId');
    },
  );

  it('GET /v1/me returns the same object as the management read', async () => {
    const c = await e2e.client();
    const created = await c.createOk(uniqueId(), { display_name: 'Self', metadata: { x: 1 } });
    await c.patch(created.id, { metadata: { x: 2 } });
    const managed = await c.get(created.id);
    const self = await me(e2e.api.server, created.api_key.raw_key);
    expect(self.status).toBe(200);
    expect(Object.keys(self.body).sort()).toEqual(END_USER_FIELDS);
    expect(self.body).toEqual(managed.body);
    expect(self.text).not.toContain('sk-eu_');
  });
});
