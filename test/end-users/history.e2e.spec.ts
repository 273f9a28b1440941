import { randomUUID } from 'node:crypto';
import request, { Response } from 'supertest';
import { bearer } from '../support/api';
import {
  expectEndUserShape,
  expectError,
  expectValidationError,
  ISO_TIMESTAMP,
  PlatformClient,
  sha256Hex,
  sleep,
  uniqueId,
  userPart,
  UUID,
} from '../support/contract';
import { useE2eFixture } from '../support/fixtures';

const EVENT_FIELDS = ['actor_key_id', 'data', 'event_id', 'event_type', 'occurred_at', 'position', 'recorded_at', 'request_id', 'version'].sort();
const PUBLIC_KEY_FIELDS = ['created_at', 'id', 'key_prefix', 'name', 'scopes'].sort();
const AS_OF_MESSAGE = 'as_of must be an ISO 8601 timestamp with a time zone, e.g. 2026-04-08T10:30:00Z';

type Item = Record<string, any>;

/** An ISO timestamp `ms` milliseconds after (or before) `iso`. */
const shift = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe('end-user history: GET .../end-users/{endUserId}/events and GET .../end-users/{endUserId}?as_of=', () => {
  const e2e = useE2eFixture();

  /** Requests of `c` that carry our own X-Request-Id, so the history can be checked against it. */
  const withRequestId = (c: PlatformClient, method: 'post' | 'patch', path: string, body: object, requestId: string) =>
    request(c.server)[method](`${c.base}${path}`).set(bearer(c.platform.key)).set('X-Request-Id', requestId).send(body);

  const events = (c: PlatformClient, endUserId: string, query = ''): Promise<Response> =>
    request(c.server)
      .get(`${c.base}/end-users/${endUserId}/events${query ? `?${query}` : ''}`)
      .set(bearer(c.platform.key));

  const getAsOf = (c: PlatformClient, endUserId: string, query: string): Promise<Response> =>
    request(c.server).get(`${c.base}/end-users/${endUserId}?${query}`).set(bearer(c.platform.key));

  const asOf = (c: PlatformClient, endUserId: string, at: string) => getAsOf(c, endUserId, `as_of=${encodeURIComponent(at)}`);

  /** create → rename → change metadata and deactivate → repeat create, 5 ms apart so every occurred_at differs. */
  async function userWithHistory(c: PlatformClient) {
    const ids = { create: `req-${randomUUID()}`, rename: `req-${randomUUID()}`, reshape: `req-${randomUUID()}`, repeat: `req-${randomUUID()}` };
    const externalId = uniqueId();
    const created = await withRequestId(c, 'post', '/end-users', { external_id: externalId, display_name: 'Jane', metadata: { plan: 'free' } }, ids.create);
    expect(created.status).toBe(201);
    await sleep(5);
    const renamed = await withRequestId(c, 'patch', `/end-users/${created.body.id}`, { display_name: 'Janet' }, ids.rename);
    expect(renamed.status).toBe(200);
    await sleep(5);
    const reshaped = await withRequestId(c, 'patch', `/end-users/${created.body.id}`, { metadata: { plan: 'pro' }, is_active: false }, ids.reshape);
    expect(reshaped.status).toBe(200);
    await sleep(5);
    const repeated = await withRequestId(c, 'post', '/end-users', { external_id: externalId, display_name: 'Ignored' }, ids.repeat);
    expect(repeated.status).toBe(200);
    return { ids, created: created.body, renamed: renamed.body, reshaped: reshaped.body, repeated: repeated.body };
  }

  describe('GET .../events', () => {
    it('lists create, updates and a repeat create in order, with actor, request id and what changed', async () => {
      const c = await e2e.client();
      const { ids, created, renamed, reshaped, repeated } = await userWithHistory(c);

      const res = await events(c, created.id);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['data', 'limit', 'page', 'total']);
      expect(res.body).toMatchObject({ total: 4, page: 1, limit: 20 });
      const items: Item[] = res.body.data;
      expect(items.map((e) => [e.version, e.event_type])).toEqual([
        [1, 'end_user.created'],
        [2, 'end_user.updated'],
        [3, 'end_user.updated'],
        [4, 'end_user.api_key_issued'],
      ]);
      for (const item of items) {
        expect(Object.keys(item).sort()).toEqual(EVENT_FIELDS);
        expect(item.event_id).toMatch(UUID);
        expect(typeof item.position).toBe('number');
        expect(Number.isSafeInteger(item.position)).toBe(true);
        expect(item.occurred_at).toMatch(ISO_TIMESTAMP);
        expect(item.recorded_at).toMatch(ISO_TIMESTAMP);
        expect(item.actor_key_id).toBe(c.platform.keyId);
      }
      expect(new Set(items.map((e) => e.event_id)).size).toBe(4);
      const positions = items.map((e) => e.position);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      const occurred = items.map((e) => Date.parse(e.occurred_at));
      expect(occurred).toEqual([...occurred].sort((a, b) => a - b));
      expect(items.map((e) => e.request_id)).toEqual([ids.create, ids.rename, ids.reshape, ids.repeat]);
      expect(items.map((e) => e.occurred_at)).toEqual([created.created_at, renamed.updated_at, reshaped.updated_at, repeated.api_key.created_at]);

      const publicKey = (key: Item) => ({ id: key.id, key_prefix: key.key_prefix, name: key.name, scopes: key.scopes, created_at: key.created_at });
      expect(items[0].data).toEqual({
        external_id: created.external_id,
        display_name: 'Jane',
        metadata: { plan: 'free' },
        is_active: true,
        created_at: created.created_at,
        api_key: publicKey(created.api_key),
        budget: null,
      });
      expect(Object.keys(items[0].data.api_key).sort()).toEqual(PUBLIC_KEY_FIELDS);
      // An update holds only the fields it changed.
      expect(items[1].data).toEqual({ changes: { display_name: 'Janet' }, updated_at: renamed.updated_at });
      expect(items[2].data).toEqual({ changes: { metadata: { plan: 'pro' }, is_active: false }, updated_at: reshaped.updated_at });
      expect(items[3].data).toEqual({ api_key: publicKey(repeated.api_key) });
    });

    it('never shows a raw key or a key hash', async () => {
      const c = await e2e.client({ default_budget_usd: 3 });
      const { created, repeated } = await userWithHistory(c);
      const res = await events(c, created.id);
      expect(res.status).toBe(200);
      for (const raw of [created.api_key.raw_key, repeated.api_key.raw_key, c.platform.key]) {
        expect(res.text).not.toContain(raw);
        expect(res.text).not.toContain(raw.slice('sk-eu_'.length));
        expect(res.text).not.toContain(sha256Hex(raw));
        expect(res.text).not.toContain(Buffer.from(sha256Hex(raw), 'hex').toString('base64'));
      }
      expect(res.text).not.toMatch(/sk-eu_[0-9a-f]{9,}/);
      expect(res.text).not.toMatch(/raw_key|key_hash|"hash"/);
    });

    it('shows the auto-budget decided at creation', async () => {
      const c = await e2e.client({ default_budget_usd: 3 });
      const created = await c.createOk();
      const res = await events(c, created.id);
      expect(res.body.data[0].data.budget).toEqual({ id: created.budget.id, max_usd: 3, period: 'monthly', period_start: created.budget.period_start });
    });

    it('pages through the history oldest first', async () => {
      const c = await e2e.client();
      const user = await c.createOk();
      for (let i = 1; i <= 4; i++) expect((await c.patch(user.id, { display_name: `Name ${i}` })).status).toBe(200);
      const all = (await events(c, user.id)).body.data as Item[];
      expect(all.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);

      const pages = await Promise.all([1, 2, 3, 4].map((page) => events(c, user.id, `page=${page}&limit=2`)));
      expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 200]);
      expect(pages.map((p) => [p.body.page, p.body.limit, p.body.total])).toEqual([
        [1, 2, 5],
        [2, 2, 5],
        [3, 2, 5],
        [4, 2, 5],
      ]);
      expect(pages.map((p) => p.body.data.map((e: Item) => e.version))).toEqual([[1, 2], [3, 4], [5], []]);
      expect(pages.flatMap((p) => p.body.data)).toEqual(all);
      expect(pages[2].body.data[0].data.changes).toEqual({ display_name: 'Name 4' });
    });

    it('answers 404 for a missing user, another platform’s user and a deleted user, like GET', async () => {
      const mine = await e2e.client();
      const theirs = await e2e.client();
      const theirUser = await theirs.createOk();
      const doomed = await mine.createOk();
      expect((await mine.delete(doomed.id)).status).toBe(204);
      const plain404 = await mine.get(randomUUID());
      expectError(plain404, 404, 'not_found');

      for (const id of [randomUUID(), theirUser.id, doomed.id]) {
        const res = await events(mine, id);
        expectError(res, 404, 'not_found');
        expect(res.body.error.message).toBe(plain404.body.error.message);
      }
      // The owner still sees its own user's history.
      expect((await events(theirs, theirUser.id)).status).toBe(200);
    });

    it('answers 403 for another platform’s path', async () => {
      const mine = await e2e.client();
      const theirs = await e2e.client();
      const theirUser = await theirs.createOk();
      const res = await request(e2e.api.server).get(`${theirs.base}/end-users/${theirUser.id}/events`).set(bearer(mine.platform.key));
      expectError(res, 403, 'forbidden');
    });

    it.each(['not-a-uuid', '123', `${randomUUID()}x`])('answers 400 for the malformed id %s', async (id) => {
      const c = await e2e.client();
      expectValidationError(await events(c, encodeURIComponent(id)), 'endUserId');
    });

    it.each([
      ['page=0', 'page'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['as_of=2026-04-08T10:30:00Z', 'as_of'],
      ['sort=desc', 'sort'],
    ])('refuses the query %s with 400', async (query, field) => {
      const c = await e2e.client();
      const user = await c.createOk();
      expectValidationError(await events(c, user.id, query), field);
    });

    it('does not collide with GET .../end-users/{endUserId}', async () => {
      const c = await e2e.client();
      const user = await c.createOk();
      const history = await events(c, user.id);
      expect(history.body.total).toBe(1);
      const read = await c.get(user.id);
      expect(read.body).toEqual(userPart(user));
    });
  });

  describe('GET .../end-users/{endUserId}?as_of=', () => {
    it('returns the user as it was at each point of its history', async () => {
      const c = await e2e.client();
      const { created, renamed, reshaped, repeated } = await userWithHistory(c);
      const now = await c.get(created.id);

      expectError(await asOf(c, created.id, shift(created.created_at, -1)), 404, 'not_found');

      const atCreation = await asOf(c, created.id, created.created_at);
      expect(atCreation.status).toBe(200);
      expectEndUserShape(atCreation.body);
      expect(atCreation.body).toEqual(userPart(created));

      // Between the two updates: renamed, but not yet re-shaped or deactivated.
      const between = await asOf(c, created.id, shift(renamed.updated_at, 2));
      expect(between.status).toBe(200);
      expect(between.body).toEqual({ ...userPart(created), display_name: 'Janet', updated_at: renamed.updated_at });
      expect(between.body).toEqual(renamed);
      // An update that occurred exactly at as_of is included; one a millisecond later is not.
      expect((await asOf(c, created.id, reshaped.updated_at)).body).toEqual(reshaped);
      expect((await asOf(c, created.id, shift(reshaped.updated_at, -1))).body).toEqual(renamed);

      // After the last change: exactly the current user (the repeat create changed no user field).
      for (const at of [repeated.api_key.created_at, shift(repeated.api_key.created_at, 60_000), '2999-01-01T00:00:00Z']) {
        const later = await asOf(c, created.id, at);
        expect(later.status).toBe(200);
        expect(later.body).toEqual(now.body);
      }
    });

    it('reads the time zone offset and fractions of a second', async () => {
      const c = await e2e.client();
      const user = await c.createOk(uniqueId(), { display_name: 'Before' });
      await sleep(5);
      const updated = (await c.patch(user.id, { display_name: 'After' })).body;
      const t = new Date(Date.parse(updated.updated_at));
      // The same instants, written in +05:30 and -08:00.
      const inZone = (ms: number, offsetMinutes: number) => {
        const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
        const sign = offsetMinutes < 0 ? '-' : '+';
        const abs = Math.abs(offsetMinutes);
        return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      };
      expect((await asOf(c, user.id, inZone(t.getTime(), 330))).body.display_name).toBe('After');
      expect((await asOf(c, user.id, inZone(t.getTime() - 1, -480))).body.display_name).toBe('Before');
      // Microseconds are accepted; the instant is the same millisecond.
      expect((await asOf(c, user.id, `${updated.updated_at.slice(0, 23)}999Z`)).body.display_name).toBe('After');
    });

    it('answers 404 for a deleted user at any time, another platform’s user and a missing one', async () => {
      const mine = await e2e.client();
      const theirs = await e2e.client();
      const theirUser = await theirs.createOk();
      const doomed = await mine.createOk();
      await sleep(5);
      expect((await mine.delete(doomed.id)).status).toBe(204);
      for (const [id, at] of [
        [doomed.id, doomed.created_at],
        [doomed.id, '2999-01-01T00:00:00Z'],
        [theirUser.id, '2999-01-01T00:00:00Z'],
        [randomUUID(), '2999-01-01T00:00:00Z'],
      ]) {
        const res = await asOf(mine, id, at);
        expectError(res, 404, 'not_found');
        expect(res.body.error.message).toBe('End user was not found');
      }
      expect((await asOf(theirs, theirUser.id, '2999-01-01T00:00:00Z')).status).toBe(200);
    });

    it.each([
      'yesterday',
      '',
      '2026-13-01T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-04-08',
      '2026-04-08T10:30:00',
      '2026-04-08T25:00:00Z',
      '2026-04-08 10:30:00Z',
      '1775644200000',
      'now',
    ])('refuses as_of=%j with 400 naming as_of', async (value) => {
      const c = await e2e.client();
      const user = await c.createOk();
      const res = await asOf(c, user.id, value);
      expectValidationError(res, 'as_of');
      expect(res.body.error.message).toBe(AS_OF_MESSAGE);
      expect(res.body.error.details).toEqual([{ field: 'as_of', issue: 'invalid_format' }]);
    });

    it('refuses a repeated as_of', async () => {
      const c = await e2e.client();
      const user = await c.createOk();
      expectValidationError(await getAsOf(c, user.id, 'as_of=2026-04-08T10:30:00Z&as_of=2026-04-09T10:30:00Z'), 'as_of');
    });

    it('refuses unknown query parameters, with or without as_of', async () => {
      const c = await e2e.client();
      const user = await c.createOk();
      const withAsOf = await getAsOf(c, user.id, 'as_of=2999-01-01T00:00:00Z&at=2999-01-01T00:00:00Z');
      expectValidationError(withAsOf, 'at');
      expectValidationError(await getAsOf(c, user.id, 'asOf=2999-01-01T00:00:00Z'), 'asOf');
      expectValidationError(await getAsOf(c, user.id, 'verbose=1'), 'verbose');
    });

    it('still validates the id before answering', async () => {
      const c = await e2e.client();
      expectValidationError(await getAsOf(c, 'not-a-uuid', 'as_of=2999-01-01T00:00:00Z'), 'endUserId');
    });
  });
});
