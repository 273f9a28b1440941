import request from 'supertest';
import { bearer } from '../support/api';
import { PlatformClient } from '../support/contract';
import { useE2eFixture } from '../support/fixtures';
import { CLEAN_UP_REACTION, END_USER_TABLES, rowCounts, storedEventId, waitForBudgetRow, waitForInbox } from '../support/messaging';

jest.setTimeout(60_000);

const NOTHING_LEFT = Object.fromEntries(END_USER_TABLES.map(({ table }) => [table, 0]));

/** Issue 3 item 8: DELETE removes the user at once, and the worker's cascade removes everything it owned. */
describe('delete cascade (API → outbox → Kafka → worker)', () => {
  const e2e = useE2eFixture({ worker: true });
  const putRateLimits = (c: PlatformClient, endUserId: string, body: object) =>
    request(e2e.api.server).put(`${c.base}/end-users/${endUserId}/rate-limits`).set(bearer(c.platform.key)).send(body);
  const addMcpConnection = (c: PlatformClient, endUserId: string, body: object) =>
    request(e2e.api.server).post(`${c.base}/end-users/${endUserId}/mcp-connections`).set(bearer(c.platform.key)).send(body);

  /** A user with something in every table of the cascade: budget + ledger, two keys, a rate-limit override, two MCP connections. */
  async function fullyEquippedUser(c: PlatformClient) {
    const user = await c.createOk();
    expect((await c.create({ external_id: user.external_id })).status).toBe(200);
    await waitForBudgetRow(e2e.db, user.id);
    const limits = await putRateLimits(c, user.id, { rpm_limit: 60, tpm_limit: 10_000, rpd_limit: 1_000 });
    expect(limits.status).toBe(200);
    expect(limits.body).toMatchObject({ end_user_id: user.id, rpm_limit: 60, tpm_limit: 10_000, rpd_limit: 1_000 });
    const github = await addMcpConnection(c, user.id, { app: 'github', credentials: { token: 'ghp_secret' } });
    expect(github.status).toBe(201);
    expect(github.body).toMatchObject({ end_user_id: user.id, app: 'github' });
    expect((await addMcpConnection(c, user.id, { app: 'linear' })).status).toBe(201);
    return user;
  }

  it('leaves no row of the deleted user in budgets, budget_ledger, rate limits, MCP connections, key hashes, key metadata or end_users', async () => {
    const c = await e2e.client({ default_budget_usd: 15 });
    const user = await fullyEquippedUser(c);
    expect(await rowCounts(e2e.db, user.id)).toEqual({
      budgets: 1,
      budget_ledger: 1,
      end_user_rate_limits: 1,
      mcp_connections: 2,
      end_user_key_hashes: 2,
      end_user_api_keys: 2,
      end_users: 1,
    });

    expect((await c.delete(user.id)).status).toBe(204);

    await waitForInbox(e2e.db, CLEAN_UP_REACTION, await storedEventId(e2e.db, user.id, 'EndUserDeleted'));
    expect(await rowCounts(e2e.db, user.id)).toEqual(NOTHING_LEFT);
    // The budget routes agree: the user is gone.
    expect((await request(e2e.api.server).get(`${c.base}/end-users/${user.id}/budget`).set(bearer(c.platform.key))).status).toBe(404);
    expect((await request(e2e.api.server).get(`${c.base}/end-users/${user.id}/budget/transactions`).set(bearer(c.platform.key))).status).toBe(404);
    expect((await request(e2e.api.server).get('/v1/me/budget').set(bearer(user.api_key.raw_key))).status).toBe(401);
  });

  it('removes only the deleted user: a neighbour on the same platform keeps every row', async () => {
    const c = await e2e.client({ default_budget_usd: 15 });
    const doomed = await fullyEquippedUser(c);
    const neighbour = await fullyEquippedUser(c);
    const neighbourBefore = await rowCounts(e2e.db, neighbour.id);

    expect((await c.delete(doomed.id)).status).toBe(204);
    await waitForInbox(e2e.db, CLEAN_UP_REACTION, await storedEventId(e2e.db, doomed.id, 'EndUserDeleted'));

    expect(await rowCounts(e2e.db, doomed.id)).toEqual(NOTHING_LEFT);
    expect(await rowCounts(e2e.db, neighbour.id)).toEqual(neighbourBefore);
    expect((await request(e2e.api.server).get('/v1/me/budget').set(bearer(neighbour.api_key.raw_key))).status).toBe(200);
  });

  it('a delete right after the create (before the worker saw either) still ends with no budget left behind', async () => {
    const c = await e2e.client({ default_budget_usd: 9 });
    const user = await c.createOk();
    expect((await c.delete(user.id)).status).toBe(204);
    // Per-user order on the partition: created is handled before deleted, so the cascade runs last.
    await waitForInbox(e2e.db, CLEAN_UP_REACTION, await storedEventId(e2e.db, user.id, 'EndUserDeleted'));
    expect(await rowCounts(e2e.db, user.id)).toEqual(NOTHING_LEFT);
  });

  it('frees the external_id: the same external_id on the same platform gets a new user and a fresh budget', async () => {
    const c = await e2e.client({ default_budget_usd: 4 });
    const old = await fullyEquippedUser(c);
    expect((await c.delete(old.id)).status).toBe(204);
    const fresh = await c.createOk(old.external_id);
    expect(fresh.id).not.toBe(old.id);
    expect(fresh.budget.id).not.toBe(old.budget.id);
    await waitForInbox(e2e.db, CLEAN_UP_REACTION, await storedEventId(e2e.db, old.id, 'EndUserDeleted'));
    await waitForBudgetRow(e2e.db, fresh.id);
    expect(await rowCounts(e2e.db, old.id)).toEqual(NOTHING_LEFT);
    expect(await rowCounts(e2e.db, fresh.id)).toMatchObject({ budgets: 1, budget_ledger: 1, end_users: 1, end_user_key_hashes: 1, end_user_api_keys: 1 });
  });
});
