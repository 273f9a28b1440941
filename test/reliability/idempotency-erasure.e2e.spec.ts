import request, { Response } from 'supertest';
import { bearer } from '../support/api';
import { expectError, PlatformClient, uniqueId } from '../support/contract';
import { useE2eFixture } from '../support/fixtures';

/** platform-api.md "Erasure": a stored idempotent response holding a deleted user's data is destroyed with it. */
describe('Idempotency-Key after the end user is deleted', () => {
  const e2e = useE2eFixture();
  let c: PlatformClient;
  beforeAll(async () => {
    c = await e2e.client();
  });

  const key = () => uniqueId('erasure-key');
  const send = (method: 'post' | 'patch' | 'delete', path: string, idempotencyKey: string, body?: object): Promise<Response> => {
    const req = request(e2e.api.server)[method](`${c.base}${path}`).set(bearer(c.platform.key)).set('Idempotency-Key', idempotencyKey);
    return body === undefined ? req : req.send(body);
  };
  const storedRow = async (idempotencyKey: string) =>
    (
      await e2e.db.query<{ body: unknown; headers: unknown; fingerprint: Buffer; end_user_id: string | null; erased: boolean }>(
        'SELECT body, headers, fingerprint, end_user_id, erased_at IS NOT NULL AS erased FROM idempotency_keys WHERE platform_id = $1 AND key = $2',
        [c.platform.id, idempotencyKey],
      )
    )[0];
  const expectGone = (res: Response) => {
    expectError(res, 410, 'gone');
    expect(res.headers['idempotent-replayed']).toBeUndefined();
  };

  it('answers a replayed create 410 gone, with the same body or another, and runs it not again', async () => {
    const idempotencyKey = key();
    const body = { external_id: uniqueId('erased'), display_name: 'Ada Lovelace', metadata: { email: 'ada@example.com' } };
    const created = await send('post', '/end-users', idempotencyKey, body);
    expect(created.status).toBe(201);
    expect(await storedRow(idempotencyKey)).toMatchObject({ end_user_id: created.body.id, erased: false });

    expect((await c.delete(created.body.id)).status).toBe(204);

    const replayed = await send('post', '/end-users', idempotencyKey, body);
    expectGone(replayed);
    expect(replayed.text).not.toContain(body.external_id);
    expect(replayed.text).not.toContain(created.body.api_key.raw_key);
    // Not the 422 of a reused key: what the key stood for is gone, so nothing is compared.
    expectGone(await send('post', '/end-users', idempotencyKey, { external_id: uniqueId('other') }));
    // The external id, free since the delete, was not taken by a second execution.
    expect((await c.list({ external_id: body.external_id })).body.total).toBe(0);
  });

  it('keeps nothing of the stored response readable in the row', async () => {
    const idempotencyKey = key();
    const body = { external_id: uniqueId('row'), display_name: 'Grace Hopper' };
    const created = await send('post', '/end-users', idempotencyKey, body);
    expect(created.status).toBe(201);
    expect((await c.delete(created.body.id)).status).toBe(204);

    const row = await storedRow(idempotencyKey);
    expect(row).toMatchObject({ body: null, headers: null, erased: true });
    expect(row.fingerprint).toHaveLength(0);
  });

  it('erases a repeat create (200) and a PATCH of the user too', async () => {
    const externalId = uniqueId('repeat');
    const user = await c.createOk(externalId, { display_name: 'Before' });
    const repeatKey = key();
    const patchKey = key();
    expect((await send('post', '/end-users', repeatKey, { external_id: externalId })).status).toBe(200);
    expect((await send('patch', `/end-users/${user.id}`, patchKey, { display_name: 'After' })).status).toBe(200);
    expect(await storedRow(patchKey)).toMatchObject({ end_user_id: user.id });

    expect((await c.delete(user.id)).status).toBe(204);

    expectGone(await send('post', '/end-users', repeatKey, { external_id: externalId }));
    expectGone(await send('patch', `/end-users/${user.id}`, patchKey, { display_name: 'After' }));
  });

  it("still replays the DELETE's own 204, which holds no data", async () => {
    const user = await c.createOk();
    const deleteKey = key();
    expect((await send('delete', `/end-users/${user.id}`, deleteKey)).status).toBe(204);
    const again = await send('delete', `/end-users/${user.id}`, deleteKey);
    expect(again.status).toBe(204);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('does not tell another platform that a user it cannot see was deleted: its stored 404 stays a 404', async () => {
    const user = await c.createOk();
    const other = await e2e.client();
    const idempotencyKey = key();
    const probe = () =>
      request(e2e.api.server)
        .patch(`${other.base}/end-users/${user.id}`)
        .set(bearer(other.platform.key))
        .set('Idempotency-Key', idempotencyKey)
        .send({ display_name: 'x' });
    expectError(await probe(), 404, 'not_found');
    expect((await c.delete(user.id)).status).toBe(204);
    const replayed = await probe();
    expectError(replayed, 404, 'not_found');
    expect(replayed.headers['idempotent-replayed']).toBe('true');
  });
});
