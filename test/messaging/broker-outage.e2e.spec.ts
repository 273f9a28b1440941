import request from 'supertest';
import { bearer } from '../support/api';
import { useE2eFixture } from '../support/fixtures';
import { brokerIsUp, startBroker, stopBroker } from '../support/kafka';
import { mapLimit, waitForBudgetRow } from '../support/messaging';
import { eventually } from '../support/worker';

const CREATES = 50;

/**
 * The broker goes away while the API keeps taking writes: the outbox holds every event until the
 * broker is back, then the relay delivers all of them and the worker provisions every budget.
 * The broker is always restarted, whatever happens here, so later suites have it.
 */
describe('broker outage', () => {
  const e2e = useE2eFixture({
    worker: true,
    beforeClose: async () => {
      if (!(await brokerIsUp())) await startBroker();
    },
    closeTimeoutMs: 120_000,
  });

  const outboxOf = async (ids: string[]) => {
    const [row] = await e2e.db.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished, coalesce(max(attempts), 0)::int AS max_attempts
       FROM outbox WHERE message_key = ANY($1::text[])`,
      [ids],
    );
    return row as { total: number; unpublished: number; max_attempts: number };
  };
  const budgetsOf = async (ids: string[]) => {
    const [{ count }] = await e2e.db.query('SELECT count(*)::int AS count FROM budgets WHERE end_user_id = ANY($1::uuid[])', [ids]);
    return count as number;
  };

  it(`accepts ${CREATES} creates while the broker is down, and delivers every event once it is back`, async () => {
    const c = await e2e.client({ default_budget_usd: 12 });
    // The pipeline works before the outage.
    const before = await c.createOk();
    await waitForBudgetRow(e2e.db, before.id);

    await stopBroker();
    try {
      expect(await brokerIsUp()).toBe(false);
      const responses = await mapLimit(Array.from({ length: CREATES }), 5, (_, index) => c.create({ external_id: `outage-${index}-${Date.now()}` }));
      expect(responses.map((res) => res.status)).toEqual(Array(CREATES).fill(201));
      const ids = responses.map((res) => res.body.id as string);

      // Nothing could be published: every event waits in the outbox.
      const held = await outboxOf(ids);
      expect({ total: held.total, unpublished: held.unpublished }).toEqual({ total: CREATES, unpublished: CREATES });
      expect(await budgetsOf(ids)).toBe(0);
      // The relay kept trying (and counts it) rather than dropping or marking anything.
      await eventually(async () => ((await outboxOf(ids)).max_attempts >= 1 ? true : undefined), 20_000, 200);
      expect((await outboxOf(ids)).unpublished).toBe(CREATES);

      await startBroker();

      await eventually(async () => ((await outboxOf(ids)).unpublished === 0 ? true : undefined), 90_000, 250);
      await eventually(async () => ((await budgetsOf(ids)) === CREATES ? true : undefined), 90_000, 250);
      const [{ ledger }] = await e2e.db.query('SELECT count(*)::int AS ledger FROM budget_ledger WHERE end_user_id = ANY($1::uuid[])', [ids]);
      expect(ledger).toBe(CREATES);
      const sample = responses[CREATES - 1].body;
      const budget = await request(e2e.api.server).get(`${c.base}/end-users/${sample.id}/budget`).set(bearer(c.platform.key));
      expect(budget.status).toBe(200);
      expect(budget.body.id).toBe(sample.budget.id);

      // And the pipeline is healthy again for new writes.
      const after = await c.createOk();
      await waitForBudgetRow(e2e.db, after.id, 30_000);
    } finally {
      if (!(await brokerIsUp())) await startBroker();
    }
  }, 180_000);
});
