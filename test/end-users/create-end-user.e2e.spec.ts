import {
  BUDGET_FIELDS,
  CREATED_KEY_FIELDS,
  END_USER_RAW_KEY,
  expectEndUserShape,
  expectError,
  expectValidationError,
  ISO_TIMESTAMP,
  me,
  startOfUtcMonthIso,
  uniqueId,
  userPart,
  UUID,
} from '../support/contract';
import { useE2eFixture } from '../support/fixtures';

describe('POST /v1/platforms/{platformId}/end-users', () => {
  const e2e = useE2eFixture();

  describe('first call', () => {
    it('returns 201 with the user, its one-time key and a null budget when the platform has no default budget', async () => {
      const c = await e2e.client();
      const externalId = uniqueId();
      const before = Date.now();
      const res = await c.create({
        external_id: externalId,
        display_name: 'Jane Smith',
        metadata: { plan: 'pro', seats: 3, tags: ['a', 'b'], nested: { ok: true } },
      });
      const after = Date.now();

      expect(res.status).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.body;
      expect(Object.keys(body).sort()).toEqual(
        ['api_key', 'budget', 'created_at', 'display_name', 'external_id', 'id', 'is_active', 'metadata', 'platform_id', 'updated_at'].sort(),
      );
      expectEndUserShape(userPart(body));
      expect(body).toMatchObject({
        platform_id: c.platform.id,
        external_id: externalId,
        display_name: 'Jane Smith',
        metadata: { plan: 'pro', seats: 3, tags: ['a', 'b'], nested: { ok: true } },
        is_active: true,
      });
      expect(body.metadata).toEqual({ plan: 'pro', seats: 3, tags: ['a', 'b'], nested: { ok: true } });
      expect(body.id).toMatch(UUID);
      expect(body.created_at).toBe(body.updated_at);
      const createdAt = Date.parse(body.created_at);
      expect(createdAt).toBeGreaterThanOrEqual(before - 1000);
      expect(createdAt).toBeLessThanOrEqual(after + 1000);

      const key = body.api_key;
      expect(Object.keys(key).sort()).toEqual(CREATED_KEY_FIELDS);
      expect(key.id).toMatch(UUID);
      expect(key.id).not.toBe(body.id);
      expect(key.platform_id).toBe(c.platform.id);
      expect(key.end_user_id).toBe(body.id);
      expect(key.raw_key).toMatch(END_USER_RAW_KEY);
      expect(key.key_prefix).toBe(key.raw_key.slice(0, 8));
      expect(key.key_prefix).toMatch(/^sk-eu_[0-9a-f]{2}$/);
      expect(key.name).toBe('Default key');
      expect(key.scopes).toEqual(['inference']);
      expect(key.is_active).toBe(true);
      expect(key.expires_at).toBeNull();
      expect(key.last_used_at).toBeNull();
      expect(key.created_at).toMatch(ISO_TIMESTAMP);

      expect(body.budget).toBeNull();
    });

    it('defaults display_name to null and metadata to {} when they are not given', async () => {
      const c = await e2e.client();
      const res = await c.create({ external_id: uniqueId() });
      expect(res.status).toBe(201);
      expect(res.body.display_name).toBeNull();
      expect(res.body.metadata).toEqual({});
      const read = await c.get(res.body.id);
      expect(read.body.display_name).toBeNull();
      expect(read.body.metadata).toEqual({});
    });

    it('stores what it returned: GET and /v1/me read back the same user', async () => {
      const c = await e2e.client();
      const created = await c.createOk(uniqueId(), { display_name: 'Zoë', metadata: { plan: 'free' } });
      const read = await c.get(created.id);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(userPart(created));
      const self = await me(e2e.api.server, created.api_key.raw_key);
      expect(self.status).toBe(200);
      expect(self.body).toEqual(userPart(created));
    });

    it('generates a different random key for every user', async () => {
      const c = await e2e.client();
      const a = await c.createOk();
      const b = await c.createOk();
      expect(a.api_key.raw_key).not.toBe(b.api_key.raw_key);
      expect(a.api_key.id).not.toBe(b.api_key.id);
      expect(a.id).not.toBe(b.id);
    });

    it('scopes external_id uniqueness to the platform: the same external_id on two platforms makes two users', async () => {
      const a = await e2e.client();
      const b = await e2e.client();
      const externalId = uniqueId('shared');
      const onA = await a.create({ external_id: externalId });
      const onB = await b.create({ external_id: externalId });
      expect(onA.status).toBe(201);
      expect(onB.status).toBe(201);
      expect(onA.body.id).not.toBe(onB.body.id);
      expect(onB.body.platform_id).toBe(b.platform.id);
    });

    it('treats external_id as case- and space-sensitive text (distinct ids are distinct users)', async () => {
      const c = await e2e.client();
      const base = uniqueId('Case');
      const upper = await c.create({ external_id: base });
      const lower = await c.create({ external_id: base.toLowerCase() });
      const spaced = await c.create({ external_id: ` ${base}` });
      expect([upper.status, lower.status, spaced.status]).toEqual([201, 201, 201]);
      expect(new Set([upper.body.id, lower.body.id, spaced.body.id]).size).toBe(3);
      expect(spaced.body.external_id).toBe(` ${base}`);
    });
  });

  describe('auto-budget', () => {
    it('creates the monthly auto-budget described in platform-api.md when the platform has default_budget_usd', async () => {
      const c = await e2e.client({ default_budget_usd: 25 });
      const before = new Date();
      const res = await c.create({ external_id: uniqueId() });
      const after = new Date();
      expect(res.status).toBe(201);
      const budget = res.body.budget;
      expect(budget).not.toBeNull();
      expect(Object.keys(budget).sort()).toEqual(BUDGET_FIELDS);
      expect(budget.id).toMatch(UUID);
      expect(budget.id).not.toBe(res.body.id);
      expect(budget).toMatchObject({
        platform_id: c.platform.id,
        end_user_id: res.body.id,
        max_usd: 25,
        used_usd: 0,
        remaining_usd: 25,
        period: 'monthly',
        auto_replenish: false,
        replenish_amount: null,
        low_balance_threshold: null,
        is_active: true,
        is_suspended: false,
      });
      // JSON carries numbers, not decimal strings.
      expect(typeof budget.max_usd).toBe('number');
      expect(typeof budget.used_usd).toBe('number');
      expect(typeof budget.remaining_usd).toBe('number');
      // The first instant of the current calendar month in UTC (either side of a month boundary during the request).
      expect([startOfUtcMonthIso(before), startOfUtcMonthIso(after)]).toContain(new Date(budget.period_start).toISOString());
      expect(budget.period_start).toMatch(ISO_TIMESTAMP);
      expect(budget.created_at).toMatch(ISO_TIMESTAMP);
      expect(budget.updated_at).toMatch(ISO_TIMESTAMP);
    });

    it('keeps six decimal places of the default exactly', async () => {
      const c = await e2e.client({ default_budget_usd: 12.345678 });
      const res = await c.create({ external_id: uniqueId() });
      expect(res.status).toBe(201);
      expect(res.body.budget.max_usd).toBe(12.345678);
      expect(res.body.budget.remaining_usd).toBe(12.345678);
      expect(res.body.budget.used_usd).toBe(0);
    });

    it('gives every new user its own budget', async () => {
      const c = await e2e.client({ default_budget_usd: 5 });
      const a = await c.createOk();
      const b = await c.createOk();
      expect(a.budget.id).not.toBe(b.budget.id);
      expect(a.budget.end_user_id).toBe(a.id);
      expect(b.budget.end_user_id).toBe(b.id);
    });
  });

  describe('repeat call with a known external_id', () => {
    it('returns 200 with the same user and a new working key; the earlier key keeps working', async () => {
      const c = await e2e.client();
      const externalId = uniqueId();
      const first = await c.create({ external_id: externalId, display_name: 'Original', metadata: { plan: 'pro' } });
      expect(first.status).toBe(201);

      const repeat = await c.create({ external_id: externalId, display_name: 'Changed', metadata: { plan: 'enterprise' } });
      expect(repeat.status).toBe(200);
      expect(repeat.body.id).toBe(first.body.id);
      expect(repeat.body.external_id).toBe(externalId);
      expect(repeat.body.display_name).toBe('Original');
      expect(repeat.body.metadata).toEqual({ plan: 'pro' });
      expect(repeat.body.created_at).toBe(first.body.created_at);
      expect(repeat.body.is_active).toBe(true);

      const key = repeat.body.api_key;
      expect(Object.keys(key).sort()).toEqual(CREATED_KEY_FIELDS);
      expect(key.raw_key).toMatch(END_USER_RAW_KEY);
      expect(key.raw_key).not.toBe(first.body.api_key.raw_key);
      expect(key.id).not.toBe(first.body.api_key.id);
      expect(key.key_prefix).toBe(key.raw_key.slice(0, 8));
      expect(key.end_user_id).toBe(first.body.id);
      expect(key).toMatchObject({
        name: 'Default key',
        scopes: ['inference'],
        is_active: true,
        expires_at: null,
        last_used_at: null,
        platform_id: c.platform.id,
      });

      const withOld = await me(e2e.api.server, first.body.api_key.raw_key);
      const withNew = await me(e2e.api.server, key.raw_key);
      expect(withOld.status).toBe(200);
      expect(withNew.status).toBe(200);
      expect(withOld.body.id).toBe(first.body.id);
      expect(withNew.body.id).toBe(first.body.id);

      // The stored user is unchanged by the repeat.
      const read = await c.get(first.body.id);
      expect(read.body.display_name).toBe('Original');
      expect(read.body.metadata).toEqual({ plan: 'pro' });
    });

    it('returns the same budget (same id) and does not create a second one', async () => {
      const c = await e2e.client({ default_budget_usd: 10 });
      const externalId = uniqueId();
      const first = await c.create({ external_id: externalId });
      const repeat = await c.create({ external_id: externalId });
      expect(first.status).toBe(201);
      expect(repeat.status).toBe(200);
      expect(first.body.budget).not.toBeNull();
      expect(repeat.body.budget).not.toBeNull();
      expect(repeat.body.budget.id).toBe(first.body.budget.id);
      expect(repeat.body.budget.max_usd).toBe(10);
      expect(repeat.body.budget.end_user_id).toBe(first.body.id);
    });

    it('for a deactivated user: 200 with the same (inactive) user and a key that only works once the user is reactivated (spec silent; current behaviour)', async () => {
      const c = await e2e.client();
      const user = await c.createOk();
      await c.patch(user.id, { is_active: false });
      const repeat = await c.create({ external_id: user.external_id });
      expect(repeat.status).toBe(200);
      expect(repeat.body.id).toBe(user.id);
      expect(repeat.body.is_active).toBe(false);
      expectError(await me(e2e.api.server, repeat.body.api_key.raw_key), 401, 'unauthorized');
      await c.patch(user.id, { is_active: true });
      expect((await me(e2e.api.server, repeat.body.api_key.raw_key)).status).toBe(200);
    });

    it('does not add a user to the list', async () => {
      const c = await e2e.client();
      const externalId = uniqueId();
      await c.create({ external_id: externalId });
      await c.create({ external_id: externalId });
      await c.create({ external_id: externalId });
      const list = await c.list();
      expect(list.body.total).toBe(1);
      expect(list.body.data).toHaveLength(1);
    });

    it('still validates the body of a repeat', async () => {
      const c = await e2e.client();
      const externalId = uniqueId();
      await c.createOk(externalId);
      expectValidationError(await c.create({ external_id: externalId, display_name: 42 }), 'display_name');
      expectValidationError(await c.create({ external_id: externalId, surprise: true }), 'surprise');
    });

    it('resolves ~20 concurrent first calls to exactly one 201 and the rest 200, one user, all keys distinct and working', async () => {
      const c = await e2e.client({ default_budget_usd: 3 });
      const externalId = uniqueId('race');
      const responses = await Promise.all(Array.from({ length: 20 }, () => c.create({ external_id: externalId })));
      const counts: Record<string, number> = {};
      for (const res of responses) counts[res.status] = (counts[res.status] ?? 0) + 1;
      const failures = responses.filter((res) => res.status !== 200 && res.status !== 201).map((res) => res.body);
      expect({ counts, failures }).toEqual({ counts: { 200: 19, 201: 1 }, failures: [] });
      const ids = new Set(responses.map((res) => res.body.id));
      expect(ids.size).toBe(1);
      const rawKeys = responses.map((res) => res.body.api_key.raw_key);
      expect(new Set(rawKeys).size).toBe(20);
      expect(new Set(responses.map((res) => res.body.api_key.id)).size).toBe(20);
      expect(new Set(responses.map((res) => res.body.budget?.id)).size).toBe(1);
      const [userId] = [...ids];
      const selves = await Promise.all(rawKeys.map((raw) => me(e2e.api.server, raw)));
      expect(selves.map((res) => res.status)).toEqual(Array(20).fill(200));
      expect(selves.every((res) => res.body.id === userId)).toBe(true);
      const list = await c.list({ external_id: externalId });
      expect(list.body.total).toBe(1);
    });
  });

  describe('after DELETE', () => {
    it('frees the external_id: a new POST gives 201 with a new id, and the old keys stay dead', async () => {
      const c = await e2e.client();
      const externalId = uniqueId();
      const first = await c.createOk(externalId);
      expect((await c.delete(first.id)).status).toBe(204);

      const again = await c.create({ external_id: externalId, display_name: 'Second life' });
      expect(again.status).toBe(201);
      expect(again.body.id).not.toBe(first.id);
      expect(again.body.display_name).toBe('Second life');
      expect((await me(e2e.api.server, again.body.api_key.raw_key)).status).toBe(200);
      expectError(await me(e2e.api.server, first.api_key.raw_key), 401, 'unauthorized');
      const list = await c.list({ external_id: externalId });
      expect(list.body.data.map((u: { id: string }) => u.id)).toEqual([again.body.id]);
    });
  });

  describe('validation', () => {
    it.each([
      ['missing external_id', {}],
      ['external_id null', { external_id: null }],
      ['external_id a number', { external_id: 123 }],
      ['external_id a boolean', { external_id: true }],
      ['external_id an object', { external_id: { id: 'x' } }],
      ['external_id an array', { external_id: ['x'] }],
      ['external_id empty', { external_id: '' }],
      ['external_id 256 chars', { external_id: 'x'.repeat(256) }],
      ['external_id 256 astral chars', { external_id: '😀'.repeat(256) }],
    ])('refuses %s with 400 naming external_id', async (_, body) => {
      const c = await e2e.client();
      expectValidationError(await c.create(body), 'external_id');
    });

    it('accepts external_id of exactly 1 and 255 characters (code points)', async () => {
      const c = await e2e.client();
      for (const externalId of ['x', 'y'.repeat(255), '😀'.repeat(255)]) {
        const res = await c.create({ external_id: externalId });
        expect(res.status).toBe(201);
        expect(res.body.external_id).toBe(externalId);
      }
    });

    it.each([
      ['a number', 42],
      ['a boolean', false],
      ['an object', { first: 'Jane' }],
      ['an array', ['Jane']],
      ['empty', ''],
      ['101 characters', 'd'.repeat(101)],
      ['101 astral characters', '😀'.repeat(101)],
    ])('refuses display_name %s with 400', async (_, displayName) => {
      const c = await e2e.client();
      expectValidationError(await c.create({ external_id: uniqueId(), display_name: displayName }), 'display_name');
    });

    it('accepts display_name of 1 and 100 characters, and 100 astral characters (characters are code points)', async () => {
      const c = await e2e.client();
      for (const displayName of ['J', 'd'.repeat(100), '😀'.repeat(100), '𝔘'.repeat(100)]) {
        const res = await c.create({ external_id: uniqueId(), display_name: displayName });
        expect(res.status).toBe(201);
        expect(res.body.display_name).toBe(displayName);
        expect((await c.get(res.body.id)).body.display_name).toBe(displayName);
      }
    });

    it('refuses a display_name of 101 code points when the last one is a combining mark', async () => {
      const c = await e2e.client();
      expectValidationError(await c.create({ external_id: uniqueId(), display_name: `${'e'.repeat(100)}\u0301` }), 'display_name');
    });

    it('refuses a display_name of 101 code points when the last one is a variation selector (U+FE0F is a code point too)', async () => {
      // 100 letters plus U+FE0F: 101 code points. Characters are counted as code points, so this is too long.
      const c = await e2e.client();
      expectValidationError(await c.create({ external_id: uniqueId(), display_name: `${'a'.repeat(100)}\uFE0F` }), 'display_name');
      expectValidationError(await c.create({ external_id: `${'a'.repeat(255)}\uFE0E` }), 'external_id');
    });

    it.each([
      ['an array', [1, 2]],
      ['a string', 'plan=pro'],
      ['a number', 7],
      ['a boolean', true],
      ['null', null],
    ])('refuses metadata that is %s with 400', async (_, metadata) => {
      const c = await e2e.client();
      expectValidationError(await c.create({ external_id: uniqueId(), metadata }), 'metadata');
    });

    it('refuses unknown body fields with 400 naming the field', async () => {
      const c = await e2e.client();
      expectValidationError(await c.create({ external_id: uniqueId(), nickname: 'x' }), 'nickname');
      expectValidationError(await c.create({ external_id: uniqueId(), id: '00000000-0000-4000-8000-000000000000' }), 'id');
      expectValidationError(await c.create({ external_id: uniqueId(), is_active: false }), 'is_active');
      expectValidationError(await c.create({ external_id: uniqueId(), api_key: {} }), 'api_key');
    });

    it('creates nothing when validation fails', async () => {
      const c = await e2e.client();
      const externalId = uniqueId();
      expectValidationError(await c.create({ external_id: externalId, display_name: '' }));
      const list = await c.list({ external_id: externalId });
      expect(list.body.total).toBe(0);
      expect((await c.create({ external_id: externalId })).status).toBe(201);
    });
  });
});
