import { Database } from '@app/persistence';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, RunningApi, startApi } from '../support/api';
import { expectError, me, PlatformClient, uniqueId, userPart } from '../support/contract';
import { createTestPlatform, openTestDatabase } from '../support/database';

describe('tenant isolation', () => {
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

  async function twoPlatforms() {
    const a = new PlatformClient(api.server, await createTestPlatform(db, {}, 'Platform A'));
    const b = new PlatformClient(api.server, await createTestPlatform(db, {}, 'Platform B'));
    const userOfA = await a.createOk(uniqueId('a'), { display_name: 'A user', metadata: { owner: 'a' } });
    const userOfB = await b.createOk(uniqueId('b'), { display_name: 'B user', metadata: { owner: 'b' } });
    return { a, b, userOfA, userOfB };
  }

  async function expectBUntouched(b: PlatformClient, userOfB: Record<string, any>) {
    const read = await b.get(userOfB.id);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(userPart(userOfB));
    const list = await b.list();
    expect(list.body.total).toBe(1);
    const platform = await b.getPlatform();
    expect(platform.body.name).toBe('Platform B');
    expect(platform.body.settings).toEqual({});
    expect((await me(api.server, userOfB.api_key.raw_key)).status).toBe(200);
  }

  describe("a platform key on another platform's path → 403 forbidden", () => {
    it('on every route, without reading or changing anything of the other platform', async () => {
      const { a, b, userOfB } = await twoPlatforms();
      const asA = bearer(a.platform.key);
      const base = `/v1/platforms/${b.platform.id}`;
      const attempts = [
        ['GET list', request(api.server).get(`${base}/end-users`).set(asA)],
        [
          'GET list by external_id',
          request(api.server)
            .get(`${base}/end-users?external_id=${encodeURIComponent(userOfB.external_id)}`)
            .set(asA),
        ],
        [
          'POST create',
          request(api.server)
            .post(`${base}/end-users`)
            .set(asA)
            .send({ external_id: uniqueId('intruder') }),
        ],
        ['POST repeat (key for an existing user)', request(api.server).post(`${base}/end-users`).set(asA).send({ external_id: userOfB.external_id })],
        ['GET user', request(api.server).get(`${base}/end-users/${userOfB.id}`).set(asA)],
        ['PATCH user', request(api.server).patch(`${base}/end-users/${userOfB.id}`).set(asA).send({ display_name: 'pwned', is_active: false })],
        ['DELETE user', request(api.server).delete(`${base}/end-users/${userOfB.id}`).set(asA)],
        ['GET platform', request(api.server).get(base).set(asA)],
        [
          'PATCH platform',
          request(api.server)
            .patch(base)
            .set(asA)
            .send({ name: 'pwned', settings: { default_budget_usd: 1 } }),
        ],
      ] as const;
      for (const [label, pending] of attempts) {
        const res = await pending;
        try {
          expectError(res, 403, 'forbidden');
          expect(res.text).not.toContain(userOfB.external_id);
          expect(res.text).not.toContain('B user');
          expect(res.text).not.toContain(a.platform.key);
        } catch (error) {
          throw new Error(`${label}: ${(error as Error).message}`);
        }
      }
      await expectBUntouched(b, userOfB);
    });
  });

  describe("another platform's user id under your own path → 404, indistinguishable from a missing one", () => {
    it('GET, PATCH and DELETE answer exactly like an unknown id, and the user is untouched', async () => {
      const { a, b, userOfB } = await twoPlatforms();
      const missing = randomUUID();
      const pairs = [
        ['GET', () => a.get(userOfB.id), () => a.get(missing)],
        [
          'PATCH',
          () => a.patch(userOfB.id, { display_name: 'pwned', metadata: {}, is_active: false }),
          () => a.patch(missing, { display_name: 'pwned', metadata: {}, is_active: false }),
        ],
        ['PATCH empty', () => a.patch(userOfB.id, {}), () => a.patch(missing, {})],
        ['DELETE', () => a.delete(userOfB.id), () => a.delete(missing)],
      ] as const;
      for (const [label, foreign, unknown] of pairs) {
        const foreignRes = await foreign();
        const unknownRes = await unknown();
        try {
          expectError(foreignRes, 404, 'not_found');
          expectError(unknownRes, 404, 'not_found');
          const { request_id: _a, ...foreignError } = foreignRes.body.error;
          const { request_id: _b, ...unknownError } = unknownRes.body.error;
          // Same code, message and details; only the ids differ, and the foreign id is not echoed either.
          expect(JSON.stringify(foreignError).replace(userOfB.id, 'ID')).toBe(JSON.stringify(unknownError).replace(missing, 'ID'));
          expect(foreignRes.text).not.toContain(userOfB.external_id);
        } catch (error) {
          throw new Error(`${label}: ${(error as Error).message}`);
        }
      }
      await expectBUntouched(b, userOfB);
    });

    it("never lists or filters to another platform's users", async () => {
      const { a, userOfA, userOfB } = await twoPlatforms();
      const list = await a.list({ limit: 100 });
      expect(list.body.total).toBe(1);
      expect(list.body.data.map((u: { id: string }) => u.id)).toEqual([userOfA.id]);
      expect((await a.list({ external_id: userOfB.external_id })).body.total).toBe(0);
    });

    it("a repeat POST with another platform's external_id creates a separate user on your platform", async () => {
      const { a, b, userOfB } = await twoPlatforms();
      const res = await a.create({ external_id: userOfB.external_id });
      expect(res.status).toBe(201);
      expect(res.body.id).not.toBe(userOfB.id);
      expect(res.body.platform_id).toBe(a.platform.id);
      expect(res.body.display_name).toBeNull();
      expect((await me(api.server, res.body.api_key.raw_key)).body.id).toBe(res.body.id);
      await expectBUntouched(b, userOfB);
    });
  });

  describe('end-user keys', () => {
    it("/v1/me only ever shows the key holder's own user", async () => {
      const { userOfA, userOfB } = await twoPlatforms();
      expect((await me(api.server, userOfA.api_key.raw_key)).body).toEqual(userPart(userOfA));
      expect((await me(api.server, userOfB.api_key.raw_key)).body).toEqual(userPart(userOfB));
    });

    it("an end-user key of one platform is forbidden on another platform's management routes too", async () => {
      const { b, userOfA } = await twoPlatforms();
      const res = await request(api.server).get(`/v1/platforms/${b.platform.id}/end-users`).set(bearer(userOfA.api_key.raw_key));
      expectError(res, 403, 'forbidden');
    });
  });
});
