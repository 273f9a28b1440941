import { sleep } from './harness/env';
import { countOf, expectClean } from './harness/expect';
import { Op } from './harness/load';
import { AppProcess, faketimeInstalled, freePort } from './harness/processes';
import { Scenario } from './harness/scenario';

jest.setTimeout(200_000);

const SKEW_S = 300;
const PHASE1_USERS = 20;

/**
 * Scenario 11. The worker and the relay (which runs in the API process) run under libfaketime,
 * 300 s off the real clock in opposite directions; half-way through they are restarted with the
 * skews swapped, so the relay's clock jumps back 600 s and the worker's forward 600 s between two
 * events of the same users. Stream order, publishing order, the worker's effects and
 * Idempotency-Key replays must not depend on any of these clocks (the database's clock and the
 * stream versions decide them).
 */
describe('S11 clock skew of ±300 s on the worker and the relay', () => {
  let s: Scenario;
  beforeAll(async () => {
    if (!faketimeInstalled()) throw new Error('libfaketime is not installed: apt-get install -y faketime');
    s = await Scenario.open('s11-clock-skew', 'clock skew: faketime ±300 s on the worker and the relay');
  }, 90_000);
  afterAll(async () => s?.close(), 60_000);

  it('keeps order, effects and idempotency independent of the apps’ clocks', () =>
    s.run(async () => {
      const port = await freePort();
      let api: AppProcess = await s.startApi({ port, label: 'api-relay-plus300', clockOffset: `+${SKEW_S}s` });
      let worker: AppProcess = await s.startWorker({ label: 'worker-minus300', clockOffset: `-${SKEW_S}s` });
      const workerSkewMs = [await observedSkewMs(worker)];
      const load = s.load({ port, concurrency: 4 }).start();
      const direct = s.load({ port, concurrency: 0, label: 's11-direct' });
      const phase1 = await Promise.all(Array.from({ length: PHASE1_USERS }, (_, index) => direct.create(`s11-phase1-${index}-${Date.now()}`)));
      await sleep(10_000);

      await load.pause();
      await Promise.all([api.stop(), worker.stop()]);
      const oldStoppedAt = Date.now();
      api = await s.startApi({ port, label: 'api-relay-minus300', clockOffset: `-${SKEW_S}s` });
      const newStartedAt = api.startedAt;
      worker = await s.startWorker({ label: 'worker-plus300', clockOffset: `+${SKEW_S}s` });
      workerSkewMs.push(await observedSkewMs(worker));
      s.fault('clocks swapped: the relay jumps back 600 s, the worker forward 600 s', { relay: `-${SKEW_S}s`, worker: `+${SKEW_S}s` });
      load.resume();

      // The same requests again, with the same keys, under a clock 600 s earlier than when they were stored.
      const replays = await Promise.all(phase1.map((op) => direct.create(op.externalId, {}, op.idempotencyKey)));
      const reused = await direct.create(`${phase1[0].externalId}-other-body`, {}, phase1[0].idempotencyKey);
      // Later events of phase-1 users, stamped by a clock that is now 600 s behind their creation.
      const later: Op[] = [];
      for (const [index, op] of phase1.entries()) {
        later.push(await direct.update(op.endUserId!, op.externalId, { display_name: `after the jump ${index}` }));
        if (index % 2 === 0) later.push(await direct.remove(op.endUserId!, op.externalId));
      }
      await sleep(8_000);
      await load.stop();

      const skew = await s.pool.query<{ phase: string; events: number; avg_skew_s: number }>(
        `SELECT CASE WHEN recorded_at < to_timestamp($1 / 1000.0) THEN 'before swap' ELSE 'after swap' END AS phase, count(*)::int AS events,
                round(avg(extract(epoch FROM (metadata->>'occurredAt')::timestamptz - recorded_at)))::int AS avg_skew_s
         FROM events WHERE recorded_at < to_timestamp($1 / 1000.0) OR recorded_at >= to_timestamp($2 / 1000.0) GROUP BY 1 ORDER BY 1 DESC`,
        [oldStoppedAt, newStartedAt],
      );
      const backwards = await countOf(
        s,
        `SELECT count(DISTINCT a.stream_id)::int AS count FROM events a JOIN events b ON b.stream_id = a.stream_id AND b.stream_version > a.stream_version
         WHERE (b.metadata->>'occurredAt')::timestamptz < (a.metadata->>'occurredAt')::timestamptz`,
      );
      s.note('appClockMinusDatabaseClockSeconds', skew.rows);
      s.note('workerClockSkewObservedMs', workerSkewMs);
      s.note('streamsWhoseTimestampsRunBackwards', backwards);
      s.note('replaysAfterTheJump', {
        requests: replays.length,
        replayed201SameId: replays.filter((op, i) => op.status === 201 && op.attempts.at(-1)?.replayed && op.response?.id === phase1[i].endUserId).length,
      });
      s.note('keyReusedWithAnotherBody', reused.status);

      const report = await s.check({ allowRejected: (op) => op === reused });
      expect(skew.rows.find((row) => row.phase === 'before swap')?.avg_skew_s).toBeGreaterThan(SKEW_S - 30);
      expect(skew.rows.find((row) => row.phase === 'after swap')?.avg_skew_s).toBeLessThan(-(SKEW_S - 30));
      expect(workerSkewMs[0]).toBeLessThan(-(SKEW_S - 30) * 1000);
      expect(workerSkewMs[1]).toBeGreaterThan((SKEW_S - 30) * 1000);
      expect(backwards).toBeGreaterThanOrEqual(PHASE1_USERS);
      expect(
        replays.map((op, i) => ({ status: op.status, replayed: op.attempts.at(-1)?.replayed, sameUser: op.response?.id === phase1[i].endUserId })),
      ).toEqual(phase1.map(() => ({ status: 201, replayed: true, sameUser: true })));
      expect({ status: reused.status, code: reused.response?.error?.code }).toEqual({ status: 422, code: 'idempotency_key_reused' });
      expect(later.every((op) => op.outcome === 'acked')).toBe(true);
      expectClean(s, report);
    }));
});

/** The worker's wall clock minus the real one, from the timestamp of its first log line. */
async function observedSkewMs(worker: AppProcess): Promise<number> {
  const line = await worker.waitForLog(/"time":\d+/);
  const logged = Number(/"time":(\d+)/.exec(line)![1]);
  return logged - worker.startedAt;
}
