import { Database } from '@app/persistence';
import { randomUUID } from 'node:crypto';
import { Server } from 'node:http';
import request, { Response } from 'supertest';
import { RunningApi, startApi } from '../support/api';
import { expectError, expectValidationError, PlatformClient, sleep, uniqueId, unknownEndUserKey, unknownPlatformKey, userPart } from '../support/contract';
import { createTestPlatform, openTestDatabase, TestPlatform } from '../support/database';
import { loadConfig } from '@app/config';

type Call = (server: Server, auth: Record<string, string>) => Promise<Response>;

/** Every management route of a platform, called with the given headers; `userId` must be a user of that platform. */
function managementRoutes(platformId: string, userId: string): [string, Call][] {
  const base = `/v1/platforms/${platformId}`;
  return [
    ['GET end-users', (s, h) => request(s).get(`${base}/end-users`).set(h)],
    [
      'POST end-users',
      (s, h) =>
        request(s)
          .post(`${base}/end-users`)
          .set(h)
          .send({ external_id: uniqueId('auth') }),
    ],
    ['GET end-user', (s, h) => request(s).get(`${base}/end-users/${userId}`).set(h)],
    ['PATCH end-user', (s, h) => request(s).patch(`${base}/end-users/${userId}`).set(h).send({ display_name: 'Hijacked' })],
    ['DELETE end-user', (s, h) => request(s).delete(`${base}/end-users/${userId}`).set(h)],
    ['GET platform', (s, h) => request(s).get(base).set(h)],
    ['PATCH platform', (s, h) => request(s).patch(base).set(h).send({ name: 'Hijacked' })],
  ];
}

const meRoute: Call = (s, h) => request(s).get('/v1/me').set(h);

describe('authentication', () => {
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

  async function setup(): Promise<{ platform: TestPlatform; c: PlatformClient; user: Record<string, any> }> {
    const platform = await createTestPlatform(db);
    const c = new PlatformClient(api.server, platform);
    const user = await c.createOk(uniqueId(), { display_name: 'Original' });
    return { platform, c, user };
  }

  /** After an attack that must have been refused, the platform and its user are exactly as before. */
  async function expectUntouched(c: PlatformClient, user: Record<string, any>, usersBefore = 1): Promise<void> {
    const read = await c.get(user.id);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(userPart(user));
    expect((await c.list()).body.total).toBe(usersBefore);
    expect((await c.getPlatform()).body.name).toBe('Test platform');
  }

  function malformedHeaders(validPlatformKey: string): [string, Record<string, string>][] {
    const hex = validPlatformKey.slice('sk-plat_'.length);
    return [
      ['no Authorization header', {}],
      ['an empty Authorization header', { Authorization: '' }],
      ['"Bearer" alone', { Authorization: 'Bearer' }],
      ['"Bearer " with nothing after it', { Authorization: 'Bearer ' }],
      ['the bare marker', { Authorization: 'Bearer sk-plat_' }],
      ['a key with 63 hex digits', { Authorization: `Bearer sk-plat_${hex.slice(1)}` }],
      ['a key with 65 hex digits', { Authorization: `Bearer sk-plat_${hex}0` }],
      ['a key in upper-case hex', { Authorization: `Bearer sk-plat_${hex.toUpperCase()}` }],
      ['a key with non-hex characters', { Authorization: `Bearer sk-plat_${'z'.repeat(64)}` }],
      ['an unknown key type', { Authorization: `Bearer sk-live_${hex}` }],
      ['the hex without its marker', { Authorization: `Bearer ${hex}` }],
      ['the valid key without a scheme', { Authorization: validPlatformKey }],
      ['the valid key under Basic', { Authorization: `Basic ${Buffer.from(`${validPlatformKey}:`).toString('base64')}` }],
      ['the valid key under a Token scheme', { Authorization: `Token ${validPlatformKey}` }],
      ['the valid key followed by junk', { Authorization: `Bearer ${validPlatformKey} extra` }],
      ['two keys', { Authorization: `Bearer ${validPlatformKey}, Bearer ${validPlatformKey}` }],
      ['the valid key with a trailing character', { Authorization: `Bearer ${validPlatformKey}x` }],
      ['a well-formed platform key nobody was issued', { Authorization: `Bearer ${unknownPlatformKey()}` }],
      ['a well-formed end-user key nobody was issued', { Authorization: `Bearer ${unknownEndUserKey()}` }],
    ];
  }

  describe('401 unauthorized on management routes', () => {
    it('refuses every missing, malformed, non-Bearer or unknown key on every management route, and changes nothing', async () => {
      const { platform, c, user } = await setup();
      for (const [label, headers] of malformedHeaders(platform.key)) {
        for (const [route, call] of managementRoutes(platform.id, user.id)) {
          const res = await call(api.server, headers);
          try {
            expectError(res, 401, 'unauthorized');
            expect(res.text).not.toContain(platform.key.slice(8));
          } catch (error) {
            throw new Error(`${route} with ${label}: ${(error as Error).message}`);
          }
        }
      }
      await expectUntouched(c, user);
    });

    it('checks the key before the body: an unauthenticated PATCH with an invalid body is 401, not 400', async () => {
      const { platform, user } = await setup();
      const res = await request(api.server).patch(`/v1/platforms/${platform.id}/end-users/${user.id}`).send({ nope: true });
      expectError(res, 401, 'unauthorized');
    });

    it('refuses a revoked platform key with 401 once the cache TTL has passed', async () => {
      const { platform, user } = await setup();
      await db.query('UPDATE platform_api_keys SET is_active = false WHERE id = $1', [platform.keyId]);
      await sleep(loadConfig().AUTH_CACHE_TTL_MS + 100);
      for (const [route, call] of managementRoutes(platform.id, user.id)) {
        const res = await call(api.server, { Authorization: `Bearer ${platform.key}` });
        try {
          expectError(res, 401, 'unauthorized');
        } catch (error) {
          throw new Error(`${route}: ${(error as Error).message}`);
        }
      }
    });

    it('refuses an expired platform key with 401', async () => {
      const { platform, user } = await setup();
      await db.query("UPDATE platform_api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [platform.keyId]);
      await sleep(loadConfig().AUTH_CACHE_TTL_MS + 100);
      for (const [, call] of managementRoutes(platform.id, user.id)) {
        expectError(await call(api.server, { Authorization: `Bearer ${platform.key}` }), 401, 'unauthorized');
      }
    });

    it('never trusts a cached platform key past its own expiry', async () => {
      const ttlMs = loadConfig().AUTH_CACHE_TTL_MS;
      const { platform, c } = await setup();
      await db.query('UPDATE platform_api_keys SET expires_at = now() + make_interval(secs => $2) WHERE id = $1', [platform.keyId, (ttlMs + 1_000) / 1000]);
      await sleep(ttlMs + 100); // what setup() cached is gone
      expect((await c.list()).status).toBe(200); // verified and cached again, about 900 ms before the key expires
      await sleep(1_100); // past the key's expiry, still within a TTL of the caching
      expectError(await c.list(), 401, 'unauthorized');
    });

    it('accepts a platform key whose expiry is in the future', async () => {
      const { platform, c } = await setup();
      await db.query("UPDATE platform_api_keys SET expires_at = now() + interval '1 hour' WHERE id = $1", [platform.keyId]);
      expect((await c.list()).status).toBe(200);
    });
  });

  describe('401 unauthorized on /v1/me', () => {
    it('refuses every missing, malformed, non-Bearer or unknown key', async () => {
      const { platform, user } = await setup();
      const userKey: string = user.api_key.raw_key;
      const hex = userKey.slice('sk-eu_'.length);
      const headers: [string, Record<string, string>][] = [
        ...malformedHeaders(platform.key).filter(([label]) => !label.includes('valid key')),
        ['an end-user key with 63 hex digits', { Authorization: `Bearer sk-eu_${hex.slice(1)}` }],
        ['an end-user key in upper-case hex', { Authorization: `Bearer sk-eu_${hex.toUpperCase()}` }],
        ['the end-user key without a scheme', { Authorization: userKey }],
        ['the end-user key under Basic', { Authorization: `Basic ${Buffer.from(`${userKey}:`).toString('base64')}` }],
        ['the end-user key followed by junk', { Authorization: `Bearer ${userKey} junk` }],
      ];
      for (const [label, h] of headers) {
        const res = await meRoute(api.server, h);
        try {
          expectError(res, 401, 'unauthorized');
          expect(res.text).not.toContain(hex);
        } catch (error) {
          throw new Error(`/v1/me with ${label}: ${(error as Error).message}`);
        }
      }
      // The real key still works.
      expect((await meRoute(api.server, { Authorization: `Bearer ${userKey}` })).status).toBe(200);
    });
  });

  describe('401 for a revoked or expired end-user key', () => {
    // No route revokes or expires an end-user key yet; the key row is changed directly to exercise the rule.
    it('refuses a revoked end-user key while the user’s other keys keep working', async () => {
      const { c, user } = await setup();
      const other = (await c.create({ external_id: user.external_id })).body.api_key;
      await db.query('UPDATE end_user_api_keys SET is_active = false WHERE id = $1', [user.api_key.id]);
      expectError(await meRoute(api.server, { Authorization: `Bearer ${user.api_key.raw_key}` }), 401, 'unauthorized');
      expect((await meRoute(api.server, { Authorization: `Bearer ${other.raw_key}` })).status).toBe(200);
    });

    it('refuses an expired end-user key', async () => {
      const { user } = await setup();
      await db.query("UPDATE end_user_api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [user.api_key.id]);
      expectError(await meRoute(api.server, { Authorization: `Bearer ${user.api_key.raw_key}` }), 401, 'unauthorized');
    });
  });

  describe('403 forbidden for a valid key of the wrong type', () => {
    it('refuses an end-user key on every management route of its own platform, and changes nothing', async () => {
      const { platform, c, user } = await setup();
      for (const [route, call] of managementRoutes(platform.id, user.id)) {
        const res = await call(api.server, { Authorization: `Bearer ${user.api_key.raw_key}` });
        try {
          expectError(res, 403, 'forbidden');
          expect(res.text).not.toContain(user.api_key.raw_key);
        } catch (error) {
          throw new Error(`${route}: ${(error as Error).message}`);
        }
      }
      await expectUntouched(c, user);
    });

    it('refuses a platform key on /v1/me', async () => {
      const { platform } = await setup();
      const res = await meRoute(api.server, { Authorization: `Bearer ${platform.key}` });
      expectError(res, 403, 'forbidden');
      expect(res.text).not.toContain(platform.key);
    });
  });

  describe('a valid key is accepted', () => {
    it('lets a platform key use every management route of its own platform', async () => {
      const { platform, user } = await setup();
      const h = { Authorization: `Bearer ${platform.key}` };
      const expected: Record<string, number> = {
        'GET end-users': 200,
        'POST end-users': 201,
        'GET end-user': 200,
        'PATCH end-user': 200,
        'DELETE end-user': 204,
        'GET platform': 200,
        'PATCH platform': 200,
      };
      for (const [route, call] of managementRoutes(platform.id, user.id)) {
        expect({ route, status: (await call(api.server, h)).status }).toEqual({ route, status: expected[route] });
      }
    });

    it('answers 400 (not 403) when the platform id in the path is not a UUID', async () => {
      const { platform } = await setup();
      const res = await request(api.server)
        .get('/v1/platforms/not-a-uuid/end-users')
        .set({ Authorization: `Bearer ${platform.key}` });
      expectValidationError(res, 'platformId');
    });

    it('accepts the platform id in upper case', async () => {
      const { platform } = await setup();
      const res = await request(api.server)
        .get(`/v1/platforms/${platform.id.toUpperCase()}/end-users`)
        .set({ Authorization: `Bearer ${platform.key}` });
      expect(res.status).toBe(200);
    });

    it('refuses an unknown well-formed platform id with 403, like another platform', async () => {
      const { platform } = await setup();
      const res = await request(api.server)
        .get(`/v1/platforms/${randomUUID()}/end-users`)
        .set({ Authorization: `Bearer ${platform.key}` });
      expectError(res, 403, 'forbidden');
    });
  });
});
