import { Database } from '@app/persistence';
import { createHash } from 'node:crypto';
import request, { Response } from 'supertest';
import { bearer, RunningApi, startApi } from '../support/api';
import { expectError, expectValidationError, me, PlatformClient, sha256Hex, uniqueId } from '../support/contract';
import { createTestPlatform, openTestDatabase } from '../support/database';

/** Every textual form a key could leak in: the raw key, its random part, its SHA-256 as hex and as base64. */
function leakFormsOf(raw: string): string[] {
  const hash = createHash('sha256').update(raw, 'utf8').digest();
  return [raw, raw.slice(raw.indexOf('_') + 1), hash.toString('hex'), hash.toString('base64')];
}

describe('no key material where it does not belong', () => {
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

  /** A platform with a few users, repeat keys, an update and a delete: every event type written at least once. */
  async function busyPlatform() {
    const platform = await createTestPlatform(db, { default_budget_usd: 4 });
    const c = new PlatformClient(api.server, platform);
    const a = await c.createOk(uniqueId('a'), { display_name: 'A', metadata: { plan: 'pro' } });
    const b = await c.createOk(uniqueId('b'));
    const repeat = await c.create({ external_id: a.external_id });
    expect(repeat.status).toBe(200);
    expect((await c.patch(a.id, { display_name: 'A2', is_active: false })).status).toBe(200);
    expect((await c.delete(b.id)).status).toBe(204);
    const endUserKeys: string[] = [a.api_key.raw_key, b.api_key.raw_key, repeat.body.api_key.raw_key];
    return { platform, c, users: [a, b], endUserKeys, allKeys: [platform.key, ...endUserKeys] };
  }

  it('the events table holds no raw key and no SHA-256 hash of any key', async () => {
    const { users, allKeys } = await busyPlatform();
    const streams = users.map((u) => `end_user-${u.id}`);
    const rows: { event_type: string; payload: string; metadata: string }[] = await db.query(
      'SELECT event_type, payload::text AS payload, metadata::text AS metadata FROM events WHERE stream_id = ANY($1)',
      [streams],
    );
    // The events of our users really are there: created, key issued, updated, deleted.
    expect(new Set(rows.map((r) => r.event_type))).toEqual(new Set(['EndUserCreated', 'EndUserApiKeyIssued', 'EndUserUpdated', 'EndUserDeleted']));
    for (const row of rows) {
      const text = `${row.payload}\n${row.metadata}`;
      for (const key of allKeys) {
        for (const form of leakFormsOf(key)) expect(text.includes(form)).toBe(false);
      }
      expect(text).not.toMatch(/sk-(eu|plat)_[0-9a-f]{9,}/);
    }

    // And nowhere in the whole table: no event of any test or suite carries a raw key or one of our hashes.
    const [{ leaked }] = await db.query(
      `SELECT count(*)::int AS leaked FROM events
       WHERE payload::text ~ 'sk-(eu|plat)_[0-9a-f]{16}' OR metadata::text ~ 'sk-(eu|plat)_[0-9a-f]{16}'
          OR (payload::text || metadata::text) LIKE ANY($1)`,
      [allKeys.flatMap((key) => [`%${sha256Hex(key)}%`, `%${key.slice(key.indexOf('_') + 1)}%`])],
    );
    expect(leaked).toBe(0);
  });

  it('no stored event holds the hash of any end-user key in the database (hex or base64)', async () => {
    const { endUserKeys } = await busyPlatform();
    // Our keys are stored as their SHA-256 hash, and only as that.
    const hashes: { hex: string }[] = await db.query("SELECT encode(key_hash, 'hex') AS hex FROM end_user_key_hashes WHERE key_hash = ANY($1)", [
      endUserKeys.map((key) => createHash('sha256').update(key).digest()),
    ]);
    expect(hashes.map((h) => h.hex).sort()).toEqual(endUserKeys.map(sha256Hex).sort());
    const [{ leaked }] = await db.query(
      `SELECT count(*)::int AS leaked FROM events e
       WHERE EXISTS (
         SELECT 1 FROM end_user_key_hashes h
         WHERE h.key_hash = ANY($1)
           AND (position(encode(h.key_hash, 'hex') IN e.payload::text || e.metadata::text) > 0
             OR position(encode(h.key_hash, 'base64') IN e.payload::text || e.metadata::text) > 0))`,
      [endUserKeys.map((key) => createHash('sha256').update(key).digest())],
    );
    expect(leaked).toBe(0);
  });

  it('no table stores a raw key in clear', async () => {
    const { allKeys } = await busyPlatform();
    const tables: { table_name: string }[] = await db.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'",
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['events', 'end_users', 'end_user_api_keys', 'end_user_key_hashes', 'platforms', 'platform_api_keys']),
    );
    for (const { table_name } of tables) {
      const [{ found }] = await db.query(`SELECT count(*)::int AS found FROM "${table_name}" t WHERE t::text LIKE ANY($1)`, [
        allKeys.map((key) => `%${key.slice(key.indexOf('_') + 1)}%`),
      ]);
      expect({ table: table_name, found }).toEqual({ table: table_name, found: 0 });
    }
  });

  it('reads never return key material: GET, list and /v1/me', async () => {
    const platform = await createTestPlatform(db);
    const c = new PlatformClient(api.server, platform);
    const user = await c.createOk();
    const second = (await c.create({ external_id: user.external_id })).body.api_key.raw_key as string;
    const reads: Response[] = [
      await c.get(user.id),
      await c.list(),
      await c.list({ external_id: user.external_id }),
      await me(api.server, user.api_key.raw_key),
      await c.getPlatform(),
    ];
    for (const res of reads) {
      expect(res.status).toBe(200);
      for (const key of [platform.key, user.api_key.raw_key, second]) {
        for (const form of leakFormsOf(key)) expect(res.text.includes(form)).toBe(false);
      }
      expect(res.text).not.toMatch(/sk-(eu|plat)_/);
      expect(res.text).not.toMatch(/key_hash|raw_key/);
    }
  });

  describe('error responses never contain the presented key', () => {
    it('401 for an unknown, a malformed or a revoked key', async () => {
      const platform = await createTestPlatform(db);
      const c = new PlatformClient(api.server, platform);
      const user = await c.createOk();
      const presented = [
        `sk-plat_${'a'.repeat(64)}`,
        `sk-eu_${'b'.repeat(64)}`,
        `${platform.key}x`,
        platform.key.toUpperCase(),
        `sk-eu_${user.api_key.raw_key.slice(6, 60)}`,
      ];
      for (const key of presented) {
        for (const res of [await request(api.server).get(`${c.base}/end-users`).set(bearer(key)), await me(api.server, key)]) {
          expectError(res, 401, 'unauthorized');
          expect(res.text).not.toContain(key);
          expect(res.text).not.toContain(key.slice(key.indexOf('_') + 1, key.indexOf('_') + 17));
          expect(JSON.stringify(res.headers)).not.toContain(key);
        }
      }
      await c.delete(user.id);
      const dead = await me(api.server, user.api_key.raw_key);
      expectError(dead, 401, 'unauthorized');
      expect(dead.text).not.toContain(user.api_key.raw_key);
    });

    it('403 for a key of the wrong type or on the wrong platform', async () => {
      const mine = await createTestPlatform(db);
      const theirs = await createTestPlatform(db);
      const c = new PlatformClient(api.server, mine);
      const user = await c.createOk();
      const responses = [
        await request(api.server).get(`${c.base}/end-users`).set(bearer(user.api_key.raw_key)),
        await me(api.server, mine.key),
        await request(api.server).get(`/v1/platforms/${theirs.id}/end-users`).set(bearer(mine.key)),
      ];
      for (const res of responses) {
        expectError(res, 403, 'forbidden');
        for (const key of [mine.key, user.api_key.raw_key]) expect(res.text).not.toContain(key);
      }
    });

    it('validation errors do not echo the refused value (a key pasted into the wrong field stays out of the response)', async () => {
      const platform = await createTestPlatform(db);
      const c = new PlatformClient(api.server, platform);
      const user = await c.createOk();
      const secret = user.api_key.raw_key as string;
      const responses = [
        await c.create({ external_id: `${secret}${'x'.repeat(250)}` }),
        await c.create({ external_id: uniqueId(), display_name: `${secret}${'y'.repeat(100)}` }),
        await c.create({ external_id: uniqueId(), api_key: secret }),
        await c.patch(user.id, { display_name: `${secret}${'z'.repeat(100)}` }),
        await c.patch(user.id, { is_active: secret }),
        await c.list({ limit: secret }),
      ];
      for (const res of responses) {
        expectValidationError(res);
        expect(res.text).not.toContain(secret);
        expect(res.text).not.toContain(secret.slice(6, 22));
      }
    });
  });
});
