import { sleep } from './harness/env';
import { expectClean, inboxCount, waitFor } from './harness/expect';
import { groupMembers } from './harness/kafka';
import { Scenario } from './harness/scenario';

jest.setTimeout(200_000);

const PAUSE_MS = 20_000;
/** The worker's kafkajs sessionTimeout (apps/worker/src/consumers/end-user-events.consumer.ts). */
const SESSION_TIMEOUT_MS = 10_000;

/**
 * Scenario 8. Under load a second worker joins the consumer group (a rebalance moves partitions
 * while messages are in flight); then the first worker is frozen with SIGSTOP for 20 s, twice its
 * session timeout, so the group evicts it and hands its partitions to the other one, and is then
 * resumed (SIGCONT): it wakes up mid-batch, with messages the other worker now owns. Nothing may
 * be lost, and whatever both processed is absorbed by the inbox.
 */
describe('S8 a second worker joins under load; a worker frozen past its session timeout', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await Scenario.open('s08-worker-rebalance', 'a second worker joining under load; a worker paused (SIGSTOP) past its session timeout, then resumed');
  }, 90_000);
  afterAll(async () => s?.close(), 60_000);

  it('loses nothing and absorbs the duplicates of both rebalances', () =>
    s.run(async () => {
      const api = await s.startApi();
      const a = await s.startWorker({ label: 'worker-a' });
      const load = s.load({ port: api.port, concurrency: 6 }).start();
      await waitFor('the group is stable with one member', async () => stableMembers(s, 1), 30_000, 250);
      await sleep(6_000);

      const joinAt = Date.now();
      const b = await s.startWorker({ label: 'worker-b', waitReady: false });
      s.fault('second worker joins the group under load', { pid: b.pid });
      await waitFor('the group is stable with two members', async () => stableMembers(s, 2), 60_000, 250);
      const rebalancedAfterMs = Date.now() - joinAt;
      const inboxBefore = await inboxCount(s);
      await waitFor(
        'both workers apply events',
        async () => ((await b.counter('end_users_worker_messages_total', { outcome: 'applied' })) > 0 ? true : undefined),
        30_000,
        250,
      );
      await sleep(5_000);

      const frozenAt = Date.now();
      a.signal('SIGSTOP');
      s.fault('SIGSTOP worker-a', { pid: a.pid, forMs: PAUSE_MS, sessionTimeoutMs: SESSION_TIMEOUT_MS });
      await waitFor('the group evicts the frozen worker', async () => stableMembers(s, 1), PAUSE_MS, 250);
      const evictedAfterMs = Date.now() - frozenAt;
      await sleep(Math.max(0, PAUSE_MS - (Date.now() - frozenAt)));
      a.signal('SIGCONT');
      s.recover('SIGCONT worker-a', { frozenForMs: Date.now() - frozenAt });
      const resumedAt = Date.now();
      await waitFor('the resumed worker rejoins the group', async () => stableMembers(s, 2), 60_000, 250);
      const rejoinedAfterMs = Date.now() - resumedAt;
      await sleep(5_000);
      await load.stop();

      const report = await s.check();
      const outcomes = async (worker: typeof a) => ({
        applied: await worker.counter('end_users_worker_messages_total', { outcome: 'applied' }),
        duplicate: await worker.counter('end_users_worker_messages_total', { outcome: 'duplicate' }),
      });
      const [ofA, ofB] = [await outcomes(a), await outcomes(b)];
      s.note('secondWorkerRebalanceMs', rebalancedAfterMs);
      s.note('inboxRowsWhenBJoined', inboxBefore);
      s.note('frozenWorkerEvictedAfterMs', evictedAfterMs);
      s.note('resumedWorkerRejoinedAfterMs', rejoinedAfterMs);
      s.note('workerA', ofA);
      s.note('workerB', ofB);
      s.note('duplicatesAbsorbed', ofA.duplicate + ofB.duplicate);

      expect(evictedAfterMs).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS - 1_000);
      expect({ aAlive: a.alive, bAlive: b.alive }).toEqual({ aAlive: true, bAlive: true });
      expect(ofA.applied + ofB.applied).toBe(report.counts.inboxRows);
      expectClean(s, report);
    }));
});

async function stableMembers(s: Scenario, count: number): Promise<true | undefined> {
  const group = await groupMembers(s.brokers, s.group);
  return group.state === 'Stable' && group.members.length === count ? true : undefined;
}
