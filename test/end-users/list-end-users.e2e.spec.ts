import { END_USER_FIELDS, expectEndUserShape, expectValidationError, PlatformClient, uniqueId, userPart } from '../support/contract';
import { useE2eFixture } from '../support/fixtures';

type User = Record<string, any>;

/** The documented order: oldest first by created_at, then id. */
function byCreatedAtThenId(a: User, b: User): number {
  const at = Date.parse(a.created_at) - Date.parse(b.created_at);
  if (at !== 0) return at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

describe('GET /v1/platforms/{platformId}/end-users', () => {
  const e2e = useE2eFixture();

  /** Creates `count` users, `parallel` at a time (parallel creates make created_at ties likely). */
  async function seed(c: PlatformClient, count: number, parallel = 10): Promise<User[]> {
    const users: User[] = [];
    for (let i = 0; i < count; i += parallel) {
      const batch = await Promise.all(Array.from({ length: Math.min(parallel, count - i) }, (_, j) => c.createOk(uniqueId(`seed-${i + j}`))));
      users.push(...batch.map(userPart));
    }
    return users;
  }

  it('returns an empty page for a platform without users', async () => {
    const c = await e2e.client();
    const res = await c.list();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [], total: 0, page: 1, limit: 20 });
  });

  it('defaults to page=1 and limit=20 and reports the total', async () => {
    const c = await e2e.client();
    const users = await seed(c, 23);
    const res = await c.list();
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['data', 'limit', 'page', 'total']);
    expect(res.body.page).toBe(1);
    expect(res.body.limit).toBe(20);
    expect(res.body.total).toBe(23);
    expect(res.body.data).toHaveLength(20);
    expect(res.body.data).toEqual([...users].sort(byCreatedAtThenId).slice(0, 20));
  });

  it('lists items with exactly the user fields and never any key material', async () => {
    const c = await e2e.client();
    const created = await c.createOk(uniqueId(), { display_name: 'Jane', metadata: { plan: 'pro' } });
    const res = await c.list();
    expect(res.body.data).toHaveLength(1);
    const [item] = res.body.data;
    expect(Object.keys(item).sort()).toEqual(END_USER_FIELDS);
    expectEndUserShape(item);
    expect(item).toEqual(userPart(created));
    expect(res.text).not.toContain('api_key');
    expect(res.text).not.toContain('sk-eu_');
    expect(res.text).not.toContain(created.api_key.raw_key);
    expect(res.text).not.toContain(created.api_key.id);
  });

  it('orders by created_at then id, oldest first, and paging visits every user exactly once', async () => {
    const c = await e2e.client();
    const users = await seed(c, 27, 9);
    const expected = [...users].sort(byCreatedAtThenId).map((u) => u.id);
    const seen: string[] = [];
    for (let page = 1; page <= 6; page++) {
      const res = await c.list({ page, limit: 5 });
      expect(res.status).toBe(200);
      expect(res.body.page).toBe(page);
      expect(res.body.limit).toBe(5);
      expect(res.body.total).toBe(27);
      expect(res.body.data).toHaveLength(page < 6 ? 5 : 2);
      seen.push(...res.body.data.map((u: User) => u.id));
    }
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(27);
    // Two reads of the same page are identical (stable order).
    const again = await c.list({ page: 3, limit: 5 });
    expect(again.body.data.map((u: User) => u.id)).toEqual(expected.slice(10, 15));
  });

  it('returns created users in creation order when created one after another', async () => {
    const c = await e2e.client();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await c.createOk(uniqueId(`seq-${i}`))).id);
    const res = await c.list();
    expect(res.body.data.map((u: User) => u.id)).toEqual(ids);
  });

  it('returns an empty page with the right total past the end', async () => {
    const c = await e2e.client();
    await seed(c, 3);
    const res = await c.list({ page: 2, limit: 20 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [], total: 3, page: 2, limit: 20 });
    const far = await c.list({ page: 1000, limit: 100 });
    expect(far.status).toBe(200);
    expect(far.body).toEqual({ data: [], total: 3, page: 1000, limit: 100 });
  });

  it('accepts limit=100 (the maximum) and returns up to 100 items', async () => {
    const c = await e2e.client();
    const users = await seed(c, 103, 15);
    const res = await c.list({ limit: 100 });
    expect(res.status).toBe(200);
    expect(res.body.limit).toBe(100);
    expect(res.body.total).toBe(103);
    expect(res.body.data).toHaveLength(100);
    const second = await c.list({ page: 2, limit: 100 });
    expect(second.body.data).toHaveLength(3);
    expect([...res.body.data, ...second.body.data].map((u: User) => u.id)).toEqual([...users].sort(byCreatedAtThenId).map((u) => u.id));
  });

  it('accepts limit=1 and page=1 explicitly', async () => {
    const c = await e2e.client();
    const [first] = await seed(c, 2, 1);
    const res = await c.list({ page: 1, limit: 1 });
    expect(res.body).toEqual({ data: [first], total: 2, page: 1, limit: 1 });
  });

  it('reflects updates and deactivations in list items (inactive users are still listed)', async () => {
    const c = await e2e.client();
    const created = await c.createOk();
    await c.patch(created.id, { is_active: false, display_name: 'Renamed' });
    const res = await c.list();
    expect(res.body.total).toBe(1);
    expect(res.body.data[0]).toMatchObject({ id: created.id, is_active: false, display_name: 'Renamed' });
  });

  describe('external_id filter', () => {
    it('returns the standard list shape with the one matching user', async () => {
      const c = await e2e.client();
      await seed(c, 3);
      const target = await c.createOk(uniqueId('target'), { display_name: 'Target' });
      const res = await c.list({ external_id: target.external_id });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: [userPart(target)], total: 1, page: 1, limit: 20 });
    });

    it('returns the standard list shape with no items when nothing matches', async () => {
      const c = await e2e.client();
      await seed(c, 2);
      const res = await c.list({ external_id: uniqueId('nobody') });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: [], total: 0, page: 1, limit: 20 });
    });

    it('matches exactly, not by prefix or case', async () => {
      const c = await e2e.client();
      const target = await c.createOk(uniqueId('Exact'));
      expect((await c.list({ external_id: target.external_id.slice(0, -1) })).body.total).toBe(0);
      expect((await c.list({ external_id: target.external_id.toLowerCase() })).body.total).toBe(0);
      expect((await c.list({ external_id: `${target.external_id}%` })).body.total).toBe(0);
    });

    it('finds external ids with reserved URL characters and unicode', async () => {
      const c = await e2e.client();
      const externalId = `a b&c=d?e/f#g+h%i😀-${uniqueId()}`;
      const created = await c.createOk(externalId);
      const res = await c.list({ external_id: externalId });
      expect(res.status).toBe(200);
      expect(res.body.data.map((u: User) => u.id)).toEqual([created.id]);
    });

    it('honours page and limit alongside the filter', async () => {
      const c = await e2e.client();
      const target = await c.createOk();
      const res = await c.list({ external_id: target.external_id, limit: 5 });
      expect(res.body).toEqual({ data: [userPart(target)], total: 1, page: 1, limit: 5 });
      const past = await c.list({ external_id: target.external_id, page: 2 });
      expect(past.status).toBe(200);
      expect(past.body.data).toEqual([]);
      expect(past.body.page).toBe(2);
    });

    it('does not find another platform’s user by its external_id', async () => {
      const mine = await e2e.client();
      const theirs = await e2e.client();
      const theirUser = await theirs.createOk();
      const res = await mine.list({ external_id: theirUser.external_id });
      expect(res.body).toEqual({ data: [], total: 0, page: 1, limit: 20 });
    });

    it.each([
      ['empty', 'external_id='],
      ['256 chars', `external_id=${'x'.repeat(256)}`],
      ['repeated', 'external_id=a&external_id=b'],
      ['containing NUL', 'external_id=a%00b'],
    ])('refuses an external_id filter that is %s with 400', async (_, query) => {
      const c = await e2e.client();
      expectValidationError(await c.list(query), 'external_id');
    });
  });

  describe('invalid paging', () => {
    it.each(['page=0', 'page=-1', 'page=1.5', 'page=abc', 'page=', 'page=1e2', 'page=0x10', 'page=%201', 'page=1&page=2'])(
      'refuses %s with 400 validation_error naming page',
      async (query) => {
        const c = await e2e.client();
        expectValidationError(await c.list(query), 'page');
      },
    );

    it.each(['limit=0', 'limit=-1', 'limit=1.5', 'limit=abc', 'limit=', 'limit=101', 'limit=1000', 'limit=1e1', 'limit=10&limit=20'])(
      'refuses %s with 400 validation_error naming limit',
      async (query) => {
        const c = await e2e.client();
        expectValidationError(await c.list(query), 'limit');
      },
    );

    it.each(['sort=created_at', 'offset=10', 'Page=1', 'per_page=5', 'q=jane'])('refuses the unknown query parameter %s with 400', async (query) => {
      const c = await e2e.client();
      const res = await c.list(query);
      expectValidationError(res);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(query.split('=')[0]);
    });

    it('refuses bracketed (nested) query parameters instead of interpreting them', async () => {
      const c = await e2e.client();
      expectValidationError(await c.list('page[gt]=1'));
      expectValidationError(await c.list('limit[]=5'));
    });
  });
});
