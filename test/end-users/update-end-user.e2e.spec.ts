import { randomUUID } from 'node:crypto';
import { END_USER_FIELDS, expectError, expectValidationError, me, sleep, uniqueId, userPart } from '../support/contract';
import { useE2eFixture } from '../support/fixtures';

describe('PATCH /v1/platforms/{platformId}/end-users/{endUserId}', () => {
  const e2e = useE2eFixture();

  async function withUser(extra: Record<string, unknown> = { display_name: 'Jane', metadata: { plan: 'pro', prefs: { theme: 'dark', lang: 'en' } } }) {
    const c = await e2e.client();
    const user = await c.createOk(uniqueId(), extra);
    return { c, user };
  }

  it('updates display_name, returns the user and advances updated_at', async () => {
    const { c, user } = await withUser();
    await sleep(5);
    const res = await c.patch(user.id, { display_name: 'Jane Doe' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(END_USER_FIELDS);
    expect(res.body).toMatchObject({
      id: user.id,
      external_id: user.external_id,
      display_name: 'Jane Doe',
      metadata: user.metadata,
      is_active: true,
      created_at: user.created_at,
    });
    expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(user.updated_at));
    const read = await c.get(user.id);
    expect(read.body).toEqual(res.body);
  });

  it('replaces metadata entirely (no deep merge)', async () => {
    const { c, user } = await withUser();
    const res = await c.patch(user.id, { metadata: { prefs: { theme: 'light' } } });
    expect(res.status).toBe(200);
    expect(res.body.metadata).toEqual({ prefs: { theme: 'light' } });
    expect((await c.get(user.id)).body.metadata).toEqual({ prefs: { theme: 'light' } });
    expect(res.body.display_name).toBe('Jane');
  });

  it('replaces metadata with {} when given an empty object', async () => {
    const { c, user } = await withUser();
    const res = await c.patch(user.id, { metadata: {} });
    expect(res.status).toBe(200);
    expect(res.body.metadata).toEqual({});
    expect((await c.get(user.id)).body.metadata).toEqual({});
  });

  it('clears display_name with null', async () => {
    const { c, user } = await withUser();
    const res = await c.patch(user.id, { display_name: null });
    expect(res.status).toBe(200);
    expect(res.body.display_name).toBeNull();
    expect((await c.get(user.id)).body.display_name).toBeNull();
  });

  it('updates several fields at once', async () => {
    const { c, user } = await withUser();
    const res = await c.patch(user.id, { display_name: 'J', metadata: { tier: 2 }, is_active: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ display_name: 'J', metadata: { tier: 2 }, is_active: false });
    expect((await c.get(user.id)).body).toEqual(res.body);
  });

  it('with an empty body changes nothing, returns the user and keeps updated_at', async () => {
    const { c, user } = await withUser();
    await sleep(5);
    const res = await c.patch(user.id, {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual(userPart(user));
    expect((await c.get(user.id)).body).toEqual(userPart(user));
  });

  it('with no body at all behaves like an empty body', async () => {
    const { c, user } = await withUser();
    const res = await c.patch(user.id, undefined);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(userPart(user));
  });

  it('keeps updated_at when the values given equal the stored ones (app behaviour; the spec only requires a change to advance it)', async () => {
    const { c, user } = await withUser();
    await sleep(5);
    const res = await c.patch(user.id, { display_name: user.display_name, metadata: { prefs: { lang: 'en', theme: 'dark' }, plan: 'pro' }, is_active: true });
    expect(res.status).toBe(200);
    expect(res.body.updated_at).toBe(user.updated_at);
  });

  it('advances updated_at again on each later change', async () => {
    const { c, user } = await withUser();
    await sleep(5);
    const first = await c.patch(user.id, { metadata: { v: 1 } });
    await sleep(5);
    const second = await c.patch(user.id, { metadata: { v: 2 } });
    expect(Date.parse(first.body.updated_at)).toBeGreaterThan(Date.parse(user.updated_at));
    expect(Date.parse(second.body.updated_at)).toBeGreaterThan(Date.parse(first.body.updated_at));
    expect(second.body.created_at).toBe(user.created_at);
  });

  it('deactivating makes the user’s keys fail on /v1/me with 401; reactivating restores them', async () => {
    const { c, user } = await withUser();
    const second = await c.create({ external_id: user.external_id });
    const keys = [user.api_key.raw_key, second.body.api_key.raw_key];
    for (const key of keys) expect((await me(e2e.api.server, key)).status).toBe(200);

    const off = await c.patch(user.id, { is_active: false });
    expect(off.status).toBe(200);
    expect(off.body.is_active).toBe(false);
    for (const key of keys) expectError(await me(e2e.api.server, key), 401, 'unauthorized');
    // The management side still sees the user.
    expect((await c.get(user.id)).body.is_active).toBe(false);

    const on = await c.patch(user.id, { is_active: true });
    expect(on.status).toBe(200);
    expect(on.body.is_active).toBe(true);
    for (const key of keys) {
      const res = await me(e2e.api.server, key);
      expect(res.status).toBe(200);
      expect(res.body.is_active).toBe(true);
    }
  });

  it('concurrent PATCHes all succeed and the last state is one of them (no lost write, no 500)', async () => {
    const { c, user } = await withUser();
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => c.patch(user.id, { metadata: { n: i } })));
    expect(responses.map((res) => res.status)).toEqual(Array(10).fill(200));
    const final = (await c.get(user.id)).body.metadata.n;
    expect(final).toBeGreaterThanOrEqual(0);
    expect(final).toBeLessThan(10);
  });

  describe('refusals', () => {
    it('refuses external_id in the body with 400, even with the current value', async () => {
      const { c, user } = await withUser();
      expectValidationError(await c.patch(user.id, { external_id: 'other' }), 'external_id');
      expectValidationError(await c.patch(user.id, { external_id: user.external_id }), 'external_id');
      expectValidationError(await c.patch(user.id, { external_id: null }), 'external_id');
      expect((await c.get(user.id)).body.external_id).toBe(user.external_id);
    });

    it.each([
      ['unknown field', { nickname: 'x' }, 'nickname'],
      ['id', { id: randomUUID() }, 'id'],
      ['platform_id', { platform_id: randomUUID() }, 'platform_id'],
      ['created_at', { created_at: '2020-01-01T00:00:00Z' }, 'created_at'],
      ['updated_at', { updated_at: '2020-01-01T00:00:00Z' }, 'updated_at'],
      ['api_key', { api_key: null }, 'api_key'],
    ])('refuses %s in the body with 400', async (_, body, field) => {
      const { c, user } = await withUser();
      expectValidationError(await c.patch(user.id, body), field);
    });

    it.each([
      ['display_name a number', { display_name: 5 }, 'display_name'],
      ['display_name a boolean', { display_name: true }, 'display_name'],
      ['display_name an object', { display_name: { x: 1 } }, 'display_name'],
      ['display_name empty', { display_name: '' }, 'display_name'],
      ['display_name 101 chars', { display_name: 'n'.repeat(101) }, 'display_name'],
      ['is_active a string', { is_active: 'false' }, 'is_active'],
      ['is_active a number', { is_active: 0 }, 'is_active'],
      ['is_active null', { is_active: null }, 'is_active'],
      ['metadata an array', { metadata: [] }, 'metadata'],
      ['metadata a string', { metadata: '{}' }, 'metadata'],
      ['metadata null', { metadata: null }, 'metadata'],
      ['metadata a number', { metadata: 1 }, 'metadata'],
    ])('refuses %s with 400', async (_, body, field) => {
      const { c, user } = await withUser();
      expectValidationError(await c.patch(user.id, body), field);
    });

    it('accepts a display_name of 100 astral characters', async () => {
      const { c, user } = await withUser();
      const res = await c.patch(user.id, { display_name: '🎉'.repeat(100) });
      expect(res.status).toBe(200);
      expect(res.body.display_name).toBe('🎉'.repeat(100));
    });

    it('applies nothing from a refused PATCH (even the valid fields beside the bad one)', async () => {
      const { c, user } = await withUser();
      expectValidationError(await c.patch(user.id, { display_name: 'Valid', is_active: 'no' }));
      expect((await c.get(user.id)).body).toEqual(userPart(user));
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      const c = await e2e.client();
      expectError(await c.patch(randomUUID(), { display_name: 'x' }), 404, 'not_found');
      expectError(await c.patch(randomUUID(), {}), 404, 'not_found');
      expectValidationError(await c.patch('not-a-uuid', { display_name: 'x' }), 'endUserId');
    });

    it('answers 404 for a deleted user', async () => {
      const { c, user } = await withUser();
      expect((await c.delete(user.id)).status).toBe(204);
      expectError(await c.patch(user.id, { display_name: 'Ghost' }), 404, 'not_found');
      expectError(await c.patch(user.id, {}), 404, 'not_found');
    });
  });
});
