import { Database } from '@app/persistence';
import { loadConfig } from '@app/config';
import { RunningApi, startApi } from '../support/api';
import { expectValidationError, ISO_TIMESTAMP, PlatformClient, sleep, uniqueId } from '../support/contract';
import { createTestPlatform, openTestDatabase } from '../support/database';

const PLATFORM_FIELDS = ['created_at', 'id', 'name', 'settings', 'updated_at'];

describe('GET/PATCH /v1/platforms/{platformId}', () => {
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

  const client = async (settings = {}, name = 'Test platform') => new PlatformClient(api.server, await createTestPlatform(db, settings, name));

  describe('GET', () => {
    it('returns exactly { id, name, settings, created_at, updated_at }', async () => {
      const c = await client({}, 'Acme AI');
      const res = await c.getPlatform();
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(PLATFORM_FIELDS);
      expect(res.body).toMatchObject({ id: c.platform.id, name: 'Acme AI', settings: {} });
      expect(res.body.created_at).toMatch(ISO_TIMESTAMP);
      expect(res.body.updated_at).toMatch(ISO_TIMESTAMP);
      expect(res.text).not.toContain('sk-plat_');
      expect(res.text).not.toContain('key_hash');
    });

    it('shows default_budget_usd as a number when it is set', async () => {
      const c = await client({ default_budget_usd: 12.5 });
      const res = await c.getPlatform();
      expect(res.body.settings).toEqual({ default_budget_usd: 12.5 });
    });
  });

  describe('PATCH', () => {
    it('updates the name, keeps the settings and advances updated_at', async () => {
      const c = await client({ default_budget_usd: 7 });
      const before = (await c.getPlatform()).body;
      await sleep(5);
      const res = await c.patchPlatform({ name: 'Renamed' });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(PLATFORM_FIELDS);
      expect(res.body).toMatchObject({ id: c.platform.id, name: 'Renamed', settings: { default_budget_usd: 7 }, created_at: before.created_at });
      expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
      expect((await c.getPlatform()).body).toEqual(res.body);
    });

    it('regression: a PATCH that changes something answers 200 with the new platform, not 500 after committing the change', async () => {
      const c = await client();
      const res = await c.patchPlatform({ name: 'Committed', settings: { default_budget_usd: 3 } });
      const stored = (await c.getPlatform()).body;
      expect(stored).toMatchObject({ name: 'Committed', settings: { default_budget_usd: 3 } });
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: stored });
    });

    it('sets default_budget_usd, then merges settings key by key and removes a key given as null', async () => {
      const c = await client();
      const set = await c.patchPlatform({ settings: { default_budget_usd: 10 } });
      expect(set.status).toBe(200);
      expect(set.body.settings).toEqual({ default_budget_usd: 10 });

      const changed = await c.patchPlatform({ settings: { default_budget_usd: 15.25 } });
      expect(changed.status).toBe(200);
      expect(changed.body.settings).toEqual({ default_budget_usd: 15.25 });

      // An empty settings object and a name-only PATCH leave the settings as they are.
      const empty = await c.patchPlatform({ settings: {} });
      expect(empty.status).toBe(200);
      expect(empty.body.settings).toEqual({ default_budget_usd: 15.25 });
      const nameOnly = await c.patchPlatform({ name: 'Still budgeted' });
      expect(nameOnly.status).toBe(200);
      expect(nameOnly.body.settings).toEqual({ default_budget_usd: 15.25 });

      const removed = await c.patchPlatform({ settings: { default_budget_usd: null } });
      expect(removed.status).toBe(200);
      expect(removed.body.settings).toEqual({});
      expect((await c.getPlatform()).body.settings).toEqual({});
    });

    it('keeps settings that the PATCH does not mention (merge, not replace)', async () => {
      // A setting stored by an earlier version of the platform record: a PATCH of another key must keep it.
      const c = await client({ default_budget_usd: 3, legacy_flag: true } as object);
      const res = await c.patchPlatform({ settings: { default_budget_usd: 4 } });
      expect(res.status).toBe(200);
      expect(res.body.settings).toEqual({ default_budget_usd: 4, legacy_flag: true });
    });

    it('with an empty body changes nothing', async () => {
      const c = await client({ default_budget_usd: 2 }, 'Unchanged');
      const before = (await c.getPlatform()).body;
      await sleep(5);
      const res = await c.patchPlatform({});
      expect(res.status).toBe(200);
      expect(res.body).toEqual(before);
    });

    it.each([0.000001, 1, 999999.999999])('accepts default_budget_usd %p', async (amount) => {
      const c = await client();
      const res = await c.patchPlatform({ settings: { default_budget_usd: amount } });
      expect(res.status).toBe(200);
      expect(res.body.settings.default_budget_usd).toBe(amount);
    });

    it.each([
      ['0', 0],
      ['-1', -1],
      ['a string "10"', '10'],
      ['1e7', 1e7],
      ['1.0000001 (more than 6 decimal places)', 1.0000001],
      ['a boolean', true],
      ['an object', { amount: 10 }],
      ['an array', [10]],
    ])('refuses default_budget_usd %s with 400 and keeps the stored setting', async (_, value) => {
      const c = await client({ default_budget_usd: 5 });
      const res = await c.patchPlatform({ settings: { default_budget_usd: value } });
      expectValidationError(res);
      expect(res.body.error.details.map((d: { field: string }) => d.field).join(' ')).toContain('default_budget_usd');
      expect((await c.getPlatform()).body.settings).toEqual({ default_budget_usd: 5 });
    });

    it('refuses an unknown setting with 400', async () => {
      const c = await client();
      const res = await c.patchPlatform({ settings: { monthly_cap_usd: 10 } });
      expectValidationError(res);
      expect(res.body.error.details.map((d: { field: string }) => d.field).join(' ')).toContain('monthly_cap_usd');
      expect((await c.getPlatform()).body.settings).toEqual({});
    });

    it('refuses an unknown setting beside a valid one, applying neither', async () => {
      const c = await client();
      expectValidationError(await c.patchPlatform({ settings: { default_budget_usd: 10, surprise: 1 } }));
      expect((await c.getPlatform()).body.settings).toEqual({});
    });

    it.each([
      ['settings an array', { settings: [] }, 'settings'],
      ['settings a string', { settings: 'default_budget_usd=10' }, 'settings'],
      ['settings null', { settings: null }, 'settings'],
      ['name empty', { name: '' }, 'name'],
      ['name a number', { name: 5 }, 'name'],
      ['name null', { name: null }, 'name'],
      ['name with a NUL character', { name: 'a\u0000b' }, 'name'],
      ['an unknown field', { plan: 'pro' }, 'plan'],
      ['id', { id: '00000000-0000-4000-8000-000000000000' }, 'id'],
      ['created_at', { created_at: '2020-01-01T00:00:00Z' }, 'created_at'],
    ])('refuses %s with 400', async (_, body, field) => {
      const c = await client({}, 'Stable name');
      expectValidationError(await c.patchPlatform(body), field);
      const after = (await c.getPlatform()).body;
      expect(after.name).toBe('Stable name');
      expect(after.settings).toEqual({});
    });
  });

  describe('default_budget_usd applies only to end users created after it is set', () => {
    it('through PATCH: earlier users keep budget null on their repeat POST; later ones get the budget in force when they were created', async () => {
      const c = await client();
      const early = await c.createOk(uniqueId('early'));
      expect(early.budget).toBeNull();

      expect((await c.patchPlatform({ settings: { default_budget_usd: 10 } })).status).toBe(200);
      const later = await c.createOk(uniqueId('later'));
      expect(later.budget).toMatchObject({ max_usd: 10, used_usd: 0, remaining_usd: 10, period: 'monthly', end_user_id: later.id });

      const earlyRepeat = await c.create({ external_id: early.external_id });
      expect(earlyRepeat.status).toBe(200);
      expect(earlyRepeat.body.budget).toBeNull();

      expect((await c.patchPlatform({ settings: { default_budget_usd: 20 } })).status).toBe(200);
      const laterStill = await c.create({ external_id: later.external_id });
      expect(laterStill.body.budget).toMatchObject({ id: later.budget.id, max_usd: 10 });
      const newest = await c.createOk(uniqueId('newest'));
      expect(newest.budget.max_usd).toBe(20);

      expect((await c.patchPlatform({ settings: { default_budget_usd: null } })).status).toBe(200);
      const afterRemoval = await c.createOk(uniqueId('after-removal'));
      expect(afterRemoval.budget).toBeNull();
      expect((await c.create({ external_id: later.external_id })).body.budget).toMatchObject({ id: later.budget.id, max_usd: 10 });
    });

    it('with the setting changed in the platform record directly (independent of PATCH): never retroactive', async () => {
      const c = await client();
      const early = await c.createOk(uniqueId('early'));
      await db.query(`UPDATE platforms SET settings = '{"default_budget_usd": 8}'::jsonb WHERE id = $1`, [c.platform.id]);
      // Changed behind the API's back: it is seen once the platform key cache lets go.
      await sleep(loadConfig().AUTH_CACHE_TTL_MS + 100);
      const later = await c.createOk(uniqueId('later'));
      expect(later.budget).toMatchObject({ max_usd: 8, remaining_usd: 8 });
      const earlyRepeat = await c.create({ external_id: early.external_id });
      expect(earlyRepeat.status).toBe(200);
      expect(earlyRepeat.body.budget).toBeNull();
      await db.query(`UPDATE platforms SET settings = '{}'::jsonb WHERE id = $1`, [c.platform.id]);
      await sleep(loadConfig().AUTH_CACHE_TTL_MS + 100);
      expect((await c.create({ external_id: later.external_id })).body.budget).toMatchObject({ id: later.budget.id, max_usd: 8 });
      expect((await c.createOk(uniqueId('none'))).budget).toBeNull();
    });
  });
});
