import request from 'supertest';
import { bearer } from '../support/api';
import { BUDGET_FIELDS, expectError, ISO_TIMESTAMP, PlatformClient, startOfUtcMonthIso, uniqueId, UUID } from '../support/contract';
import { useE2eFixture } from '../support/fixtures';
import { countWhere, PROVISION_REACTION, storedEventId, waitForBudgetRow, waitForInbox } from '../support/messaging';
import { eventually } from '../support/worker';

jest.setTimeout(60_000);

/** Issue 3 item 8: a create with a platform default gets its auto-budget and opening ledger row from the worker. */
describe('auto-budget provisioning (API → outbox → Kafka → worker)', () => {
  const e2e = useE2eFixture({ worker: true });
  const getBudget = (c: PlatformClient, endUserId: string) =>
    request(e2e.api.server).get(`${c.base}/end-users/${endUserId}/budget`).set(bearer(c.platform.key));
  const getLedger = (c: PlatformClient, endUserId: string, query = '') =>
    request(e2e.api.server).get(`${c.base}/end-users/${endUserId}/budget/transactions${query}`).set(bearer(c.platform.key));
  const getMyBudget = (key: string) => request(e2e.api.server).get('/v1/me/budget').set(bearer(key));

  /** The budget as the management route serves it, once the worker provisioned it. */
  const provisioned = (c: PlatformClient, endUserId: string) =>
    eventually(async () => {
      const res = await getBudget(c, endUserId);
      return res.status === 200 ? res : undefined;
    }, 30_000);

  it('provisions the budget the POST response announced (same id, same object) and serves it on both budget routes', async () => {
    const c = await e2e.client({ default_budget_usd: 25 });
    const created = await c.createOk();
    const announced = created.budget;
    expect(announced).not.toBeNull();
    expect(announced.id).toMatch(UUID);

    const res = await provisioned(c, created.id);
    expect(Object.keys(res.body).sort()).toEqual(BUDGET_FIELDS);
    expect(res.body).toEqual(announced);
    expect(res.body).toMatchObject({
      id: announced.id,
      platform_id: c.platform.id,
      end_user_id: created.id,
      max_usd: 25,
      used_usd: 0,
      remaining_usd: 25,
      period: 'monthly',
      period_start: startOfUtcMonthIso(new Date(created.created_at)),
      auto_replenish: false,
      replenish_amount: null,
      low_balance_threshold: null,
      is_active: true,
      is_suspended: false,
    });

    const mine = await getMyBudget(created.api_key.raw_key);
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual(res.body);
  });

  it('writes exactly one opening ledger row (amount = max, reason auto_budget) for the new budget', async () => {
    const c = await e2e.client({ default_budget_usd: 40 });
    const created = await c.createOk();
    await provisioned(c, created.id);

    const ledger = await getLedger(c, created.id);
    expect(ledger.status).toBe(200);
    expect(ledger.body).toMatchObject({ total: 1, page: 1, limit: 20 });
    expect(ledger.body.data).toHaveLength(1);
    const [opening] = ledger.body.data;
    expect(Object.keys(opening).sort()).toEqual(
      [
        'amount_usd',
        'budget_id',
        'created_at',
        'end_user_id',
        'id',
        'max_usd_after',
        'metadata',
        'platform_id',
        'reason',
        'remaining_usd_after',
        'type',
        'used_usd_after',
      ].sort(),
    );
    expect(opening).toMatchObject({
      budget_id: created.budget.id,
      end_user_id: created.id,
      platform_id: c.platform.id,
      type: 'opening',
      amount_usd: 40,
      max_usd_after: 40,
      used_usd_after: 0,
      remaining_usd_after: 40,
      reason: 'auto_budget',
    });
    expect(opening.id).toMatch(UUID);
    expect(opening.created_at).toMatch(ISO_TIMESTAMP);
    expect(await countWhere(e2e.db, 'budget_ledger', 'end_user_id', created.id)).toBe(1);
  });

  it('keeps six decimal places of the default exactly (no binary floating point on the way)', async () => {
    const c = await e2e.client({ default_budget_usd: 12.345678 });
    const created = await c.createOk();
    expect(created.budget.max_usd).toBe(12.345678);
    const res = await provisioned(c, created.id);
    expect(res.body).toMatchObject({ max_usd: 12.345678, remaining_usd: 12.345678, used_usd: 0 });
    const [row] = await e2e.db.query('SELECT max_usd::text AS max_usd FROM budgets WHERE end_user_id = $1', [created.id]);
    expect(row.max_usd).toBe('12.345678');
    const ledger = await getLedger(c, created.id);
    expect(ledger.body.data[0]).toMatchObject({ amount_usd: 12.345678, remaining_usd_after: 12.345678 });
  });

  it('gives a user created without a platform default no budget: 404 on both routes, an empty ledger', async () => {
    const c = await e2e.client();
    const created = await c.createOk();
    expect(created.budget).toBeNull();
    // Wait until the worker has handled this very end_user.created, so the 404 is final, not "not yet".
    await waitForInbox(e2e.db, PROVISION_REACTION, await storedEventId(e2e.db, created.id, 'EndUserCreated'));

    expectError(await getBudget(c, created.id), 404, 'not_found');
    expectError(await getMyBudget(created.api_key.raw_key), 404, 'not_found');
    const ledger = await getLedger(c, created.id);
    expect(ledger.status).toBe(200);
    expect(ledger.body).toEqual({ data: [], total: 0, page: 1, limit: 20 });
    expect(await countWhere(e2e.db, 'budgets', 'end_user_id', created.id)).toBe(0);
  });

  it('does not give a second budget to a repeat create, and shows it the provisioned budget', async () => {
    const c = await e2e.client({ default_budget_usd: 7 });
    const externalId = uniqueId();
    const created = await c.createOk(externalId);
    const budget = await provisioned(c, created.id);

    const repeat = await c.create({ external_id: externalId });
    expect(repeat.status).toBe(200);
    expect(repeat.body.id).toBe(created.id);
    expect(repeat.body.budget).toEqual(budget.body);
    await waitForInbox(e2e.db, PROVISION_REACTION, await storedEventId(e2e.db, created.id, 'EndUserCreated'));
    // Both of this user's events are on the topic before counting (api_key_issued has no budget reaction).
    await eventually(async () => {
      const [{ count }] = await e2e.db.query(`SELECT count(*)::int AS count FROM outbox WHERE message_key = $1 AND published_at IS NULL`, [created.id]);
      return count === 0 ? true : undefined;
    });
    expect(await countWhere(e2e.db, 'budgets', 'end_user_id', created.id)).toBe(1);
    expect(await countWhere(e2e.db, 'budget_ledger', 'end_user_id', created.id)).toBe(1);
  });

  it('applies a default set after a user was created only to users created later', async () => {
    const c = await e2e.client();
    const before = await c.createOk();
    expect((await c.patchPlatform({ settings: { default_budget_usd: 3 } })).status).toBe(200);
    const after = await c.createOk();
    expect(after.budget).toMatchObject({ max_usd: 3 });
    await waitForBudgetRow(e2e.db, after.id);
    await waitForInbox(e2e.db, PROVISION_REACTION, await storedEventId(e2e.db, before.id, 'EndUserCreated'));
    expectError(await getBudget(c, before.id), 404, 'not_found');
    expect((await getBudget(c, after.id)).body.id).toBe(after.budget.id);
  });
});
