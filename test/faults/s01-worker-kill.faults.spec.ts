import { sleep } from './harness/env';
import { expectClean, inboxCount, waitFor } from './harness/expect';
import { groupLag } from './harness/kafka';
import { AppProcess } from './harness/processes';
import { Scenario } from './harness/scenario';

jest.setTimeout(180_000);

/**
 * Scenario 1. kill -9 the worker while it works through the stream, twice: once while it keeps up
 * with live traffic, once in the middle of the backlog its successor inherited. Whatever a killed
 * worker applied but had not committed as consumed is redelivered; the inbox and the unique
 * constraints keep every effect single.
 */
describe('S1 worker killed mid-stream', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await Scenario.open('s01-worker-kill', 'kill -9 the worker mid-stream, restart it');
  }, 90_000);
  afterAll(async () => s?.close(), 60_000);

  it('provisions every budget exactly once across two SIGKILLs of the worker', () =>
    s.run(async () => {
      const api = await s.startApi();
      const first = await s.startWorker({ label: 'worker-1' });
      const load = s.load({ port: api.port, concurrency: 6 }).start();

      await waitFor('the first worker applies events', async () => ((await inboxCount(s)) >= 40 ? true : undefined), 60_000);
      await killMidStream(s, first, 'while keeping up with live traffic');

      // Traffic goes on with no worker: a backlog builds up on the topic.
      await waitFor('a backlog of 150 messages', async () => ((await groupLag(s.brokers, s.group, s.topic)).total >= 150 ? true : undefined), 60_000, 250);
      const second = await s.startWorker({ label: 'worker-2', waitReady: false });
      // Kill the successor once it is busy on that backlog and a good part of it is still ahead.
      const inboxAtStart = await inboxCount(s);
      await waitFor(
        'the second worker is in the middle of the backlog',
        async () => {
          const applied = (await inboxCount(s)) - inboxAtStart;
          const lag = (await groupLag(s.brokers, s.group, s.topic)).total;
          return applied >= 10 && lag >= 30 ? true : undefined;
        },
        60_000,
        20,
      );
      const backlog = await killMidStream(s, second, 'in the middle of the backlog it inherited');
      expect(backlog).toBeGreaterThanOrEqual(30);

      await sleep(1_000);
      const third = await s.startWorker({ label: 'worker-3' });
      await sleep(8_000);
      await load.stop();

      const report = await s.check();
      s.note('duplicatesAbsorbedByWorker3', await third.counter('end_users_worker_messages_total', { outcome: 'duplicate' }));
      s.note('appliedByWorker3', await third.counter('end_users_worker_messages_total', { outcome: 'applied' }));
      expectClean(s, report);
    }));
});

async function killMidStream(s: Scenario, worker: AppProcess, when: string): Promise<number> {
  const lag = await groupLag(s.brokers, s.group, s.topic);
  const inbox = await inboxCount(s);
  await worker.kill9();
  s.fault('SIGKILL worker', { worker: worker.label, pid: worker.pid, when, uncommittedMessagesAtKill: lag.total, inboxRowsAtKill: inbox });
  return lag.total;
}
