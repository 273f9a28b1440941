import { sleep } from './harness/env';
import { countOf, expectClean, unpublishedCount, waitFor } from './harness/expect';
import { faultsBroker } from './harness/infra';
import { groupLag } from './harness/kafka';
import { allAttempts } from './harness/load';
import { httpStatus } from './harness/processes';
import { Scenario } from './harness/scenario';

jest.setTimeout(240_000);

const OUTAGE_MS = 60_000;

/**
 * Scenario 4. The suite's private broker is stopped (scripts/kafka/stop.sh: SIGTERM by pid file)
 * for 60 s while clients keep writing. Kafka is not on the request path, so every request must
 * still be answered 2xx; the events wait in the outbox; once the broker is back (start.sh) the
 * backlog drains by itself, and every user's events reach the consumer in stream-version order.
 */
describe('S4 broker stopped for 60 s under load', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await Scenario.open('s04-broker-outage', 'stop the broker for 60 s under load');
  }, 90_000);
  afterAll(async () => {
    await faultsBroker.start().catch(() => undefined);
    await s?.close();
  }, 120_000);

  it('answers 2xx throughout, then drains the backlog in order', () =>
    s.run(async () => {
      const api = await s.startApi();
      await s.startWorker();
      const load = s.load({ port: api.port, concurrency: 4, thinkMs: 50 }).start();
      await sleep(8_000);

      const stoppedAt = Date.now();
      await faultsBroker.stop();
      s.fault('broker stopped (SIGTERM)', { forSeconds: OUTAGE_MS / 1000 });
      await sleep(10_000);
      const readyDuringOutage = await httpStatus(api.port, '/health/ready', 10_000);
      await sleep(OUTAGE_MS - (Date.now() - stoppedAt));
      const backlogAtRestart = await unpublishedCount(s);
      const attemptsCounted = await countOf(s, 'SELECT count(*)::int AS count FROM outbox WHERE attempts > 0 AND published_at IS NULL');
      await faultsBroker.start();
      const backAt = Date.now();
      s.recover('broker started again', { outboxRowsWaiting: backlogAtRestart });
      await sleep(10_000);
      await load.stop();

      const drainedOutboxAfter = await waitFor(
        'the outbox drains',
        async () => ((await unpublishedCount(s)) === 0 ? Date.now() - backAt : undefined),
        90_000,
        200,
      );
      const drainedTopicAfter = await waitFor(
        'the worker catches up',
        async () => ((await groupLag(s.brokers, s.group, s.topic)).total === 0 ? Date.now() - backAt : undefined),
        90_000,
        250,
      );
      const duringOutage = allAttempts(s.ops).filter((attempt) => attempt.at >= stoppedAt && attempt.at <= backAt);
      const failures = allAttempts(s.ops).filter((attempt) => attempt.status === null || attempt.status >= 300);
      s.note('requestsDuringOutage', duringOutage.length);
      s.note('non2xxAnswers', failures.length);
      s.note('readinessDuringOutage', readyDuringOutage);
      s.note('outboxBacklogAtRestart', backlogAtRestart);
      s.note('rowsWithFailedPublishAttempts', attemptsCounted);
      s.note('outboxDrainedSecondsAfterRestart', drainedOutboxAfter / 1000);
      s.note('consumerCaughtUpSecondsAfterRestart', drainedTopicAfter / 1000);

      const report = await s.check();
      expect(duringOutage.length).toBeGreaterThan(50);
      expect(failures.map((attempt) => `${attempt.op.method} ${attempt.status ?? attempt.network}`)).toEqual([]);
      expect(readyDuringOutage).toBe(503);
      expect(backlogAtRestart).toBeGreaterThan(0);
      expect(drainedTopicAfter).toBeLessThan(60_000);
      expectClean(s, report);
    }));
});
