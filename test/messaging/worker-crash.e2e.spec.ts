import { ChildProcess } from 'node:child_process';
import { useE2eFixture } from '../support/fixtures';
import { mapLimit, stopGracefully } from '../support/messaging';
import { eventually, killHard, spawnApp } from '../support/worker';

const USERS = 200;

/**
 * kill -9 of the worker in the middle of a backlog: whatever it had applied but not yet committed
 * as consumed is redelivered to its successor, and the inbox plus the unique constraints keep
 * every effect single. The worker runs as its own OS process (the built app).
 */
describe('worker killed mid-stream', () => {
  const workers: ChildProcess[] = [];
  const e2e = useE2eFixture({
    beforeClose: async () => {
      for (const worker of workers) await stopGracefully(worker);
    },
  });

  const provisionedCount = async (platformId: string): Promise<number> => {
    const [{ count }] = await e2e.db.query<{ count: number }>('SELECT count(*)::int AS count FROM budgets WHERE platform_id = $1', [platformId]);
    return count;
  };

  it(`provisions each of ${USERS} budgets exactly once across a SIGKILL and a restart`, async () => {
    const c = await e2e.client({ default_budget_usd: 5 });
    const users = await mapLimit(Array.from({ length: USERS }), 8, () => c.createOk());
    const ids = users.map((user) => user.id);
    // The whole backlog is on the topic before the worker starts.
    await eventually(async () => {
      const [{ count }] = await e2e.db.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM outbox WHERE message_key = ANY($1::text[]) AND published_at IS NULL',
        [ids],
      );
      return count === 0 ? true : undefined;
    }, 30_000);

    const first = spawnApp('worker');
    workers.push(first);
    // Kill it while it works through the backlog: some budgets done, not all.
    const atKill = await eventually(
      async () => {
        const count = await provisionedCount(c.platform.id);
        return count >= 10 ? count : undefined;
      },
      60_000,
      5,
    );
    await killHard(first);
    const afterKill = await provisionedCount(c.platform.id);
    expect({ atKill, killedMidStream: afterKill < USERS }).toEqual({ atKill, killedMidStream: true });

    const second = spawnApp('worker');
    workers.push(second);
    // The killed member holds its partitions until its session times out (30 s), then the new one resumes.
    await eventually(async () => ((await provisionedCount(c.platform.id)) === USERS ? true : undefined), 90_000, 250);

    const perUser: Array<{ id: string; budgets: number; ledger: number; budget_ids: string[]; ledger_types: string[] }> = await e2e.db.query(
      `SELECT u.id,
              (SELECT count(*)::int FROM budgets b WHERE b.end_user_id = u.id) AS budgets,
              (SELECT count(*)::int FROM budget_ledger l WHERE l.end_user_id = u.id) AS ledger,
              ARRAY(SELECT b.id::text FROM budgets b WHERE b.end_user_id = u.id) AS budget_ids,
              ARRAY(SELECT l.type FROM budget_ledger l WHERE l.end_user_id = u.id) AS ledger_types
       FROM unnest($1::uuid[]) AS u(id)`,
      [ids],
    );
    const wrong = perUser.filter((row) => row.budgets !== 1 || row.ledger !== 1);
    expect(wrong).toEqual([]);
    const announced = new Map(users.map((user) => [user.id, user.budget.id]));
    expect(perUser.filter((row) => row.budget_ids[0] !== announced.get(row.id) || row.ledger_types[0] !== 'opening')).toEqual([]);
    const [{ inbox }] = await e2e.db.query(
      `SELECT count(*)::int AS inbox FROM processed_events p JOIN events e ON e.event_id = p.event_id
       WHERE e.stream_id = ANY($1::text[]) AND e.event_type = 'EndUserCreated'`,
      [ids.map((id) => `end_user-${id}`)],
    );
    expect(inbox).toBe(USERS);
  }, 150_000);
});
