import { randomUUID } from 'node:crypto';
import { expectError, expectValidationError, me, uniqueId } from '../support/contract';
import { useE2eFixture } from '../support/fixtures';

describe('DELETE /v1/platforms/{platformId}/end-users/{endUserId}', () => {
  const e2e = useE2eFixture();

  it('answers 204 with an empty body', async () => {
    const c = await e2e.client();
    const user = await c.createOk();
    const res = await c.delete(user.id);
    expect(res.status).toBe(204);
    expect(res.text ?? '').toBe('');
    expect(res.headers['content-length'] ?? '0').toBe('0');
  });

  it('removes the user from every read at once, kills all its keys, and a second DELETE is 404', async () => {
    const c = await e2e.client({ default_budget_usd: 2 });
    const keep = await c.createOk();
    const user = await c.createOk(uniqueId(), { display_name: 'Doomed' });
    const extraKey = (await c.create({ external_id: user.external_id })).body.api_key.raw_key;
    expect((await me(e2e.api.server, extraKey)).status).toBe(200);

    expect((await c.delete(user.id)).status).toBe(204);

    expectError(await c.get(user.id), 404, 'not_found');
    const list = await c.list();
    expect(list.body.total).toBe(1);
    expect(list.body.data.map((u: { id: string }) => u.id)).toEqual([keep.id]);
    expect((await c.list({ external_id: user.external_id })).body).toEqual({ data: [], total: 0, page: 1, limit: 20 });
    expectError(await me(e2e.api.server, user.api_key.raw_key), 401, 'unauthorized');
    expectError(await me(e2e.api.server, extraKey), 401, 'unauthorized');
    expectError(await c.delete(user.id), 404, 'not_found');
    expectError(await c.patch(user.id, { display_name: 'x' }), 404, 'not_found');

    // The other user is untouched.
    expect((await c.get(keep.id)).status).toBe(200);
    expect((await me(e2e.api.server, keep.api_key.raw_key)).status).toBe(200);
  });

  it('deletes a deactivated user too', async () => {
    const c = await e2e.client();
    const user = await c.createOk();
    await c.patch(user.id, { is_active: false });
    expect((await c.delete(user.id)).status).toBe(204);
    expectError(await c.get(user.id), 404, 'not_found');
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const c = await e2e.client();
    expectError(await c.delete(randomUUID()), 404, 'not_found');
    expectValidationError(await c.delete('nope'), 'endUserId');
  });

  it('lets exactly one of several concurrent DELETEs succeed; the rest are 404', async () => {
    const c = await e2e.client();
    const user = await c.createOk();
    const responses = await Promise.all(Array.from({ length: 6 }, () => c.delete(user.id)));
    const statuses = responses.map((res) => res.status).sort();
    expect(statuses).toEqual([204, 404, 404, 404, 404, 404]);
    for (const res of responses.filter((r) => r.status === 404)) expectError(res, 404, 'not_found');
  });

  it('a key issued for a re-created external_id belongs to the new user only', async () => {
    const c = await e2e.client();
    const externalId = uniqueId();
    const old = await c.createOk(externalId);
    await c.delete(old.id);
    const fresh = await c.create({ external_id: externalId });
    expect(fresh.status).toBe(201);
    expect(fresh.body.id).not.toBe(old.id);
    const repeat = await c.create({ external_id: externalId });
    expect(repeat.status).toBe(200);
    expect(repeat.body.id).toBe(fresh.body.id);
    expect((await me(e2e.api.server, fresh.body.api_key.raw_key)).body.id).toBe(fresh.body.id);
    expectError(await me(e2e.api.server, old.api_key.raw_key), 401, 'unauthorized');
    expectError(await c.get(old.id), 404, 'not_found');
  });
});
