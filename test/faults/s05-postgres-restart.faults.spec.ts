import { sleep } from './harness/env';
import { countOf, expectClean } from './harness/expect';
import { faultsPostgres } from './harness/infra';
import { allAttempts } from './harness/load';
import { Scenario } from './harness/scenario';

jest.setTimeout(200_000);

/** After PostgreSQL is back, how long the apps may still answer 503 while their pools reconnect. */
const RECOVERY_GRACE_MS = 10_000;
const DOWN_SECONDS = 3;

/**
 * Scenario 5. The suite's private PostgreSQL is restarted under load, first with
 * `pg_ctl stop -m fast` (sessions terminated, checkpoint) and then with `-m immediate` (a crash:
 * no checkpoint, WAL recovery on start), each time kept down for 3 s. No Node process may exit;
 * the only errors allowed are 503s in the error envelope, and only while PostgreSQL is away (plus
 * a short reconnection grace); everything acknowledged before a crash must be there after it; the
 * relay and the worker must resume on their own.
 */
describe('S5 PostgreSQL restarted (fast, then immediate) under load', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await Scenario.open('s05-postgres-restart', 'restart PostgreSQL (fast, and immediate) under load');
  }, 90_000);
  afterAll(async () => s?.close(), 60_000);

  it('keeps every process up, fails only with 503 during the outage, and loses nothing', () =>
    s.run(async () => {
      const api = await s.startApi();
      const worker = await s.startWorker();
      const load = s.load({ port: api.port, concurrency: 6, attemptTimeoutMs: 15_000, giveUpAfterMs: 60_000 }).start();
      await sleep(8_000);

      const windows: Array<{ mode: string; from: number; to: number; ackedCreatesBefore: number }> = [];
      for (const mode of ['fast', 'immediate'] as const) {
        const ackedCreatesBefore = s.ops.filter((op) => op.kind === 'create' && op.outcome === 'acked').length;
        const from = Date.now();
        if (mode === 'fast') await faultsPostgres.restartFast(DOWN_SECONDS);
        else await faultsPostgres.restartImmediate(DOWN_SECONDS);
        const to = Date.now();
        windows.push({ mode, from, to, ackedCreatesBefore });
        s.fault(`PostgreSQL restart -m ${mode}`, { downSeconds: DOWN_SECONDS, outageMs: to - from, acknowledgedCreatesBefore: ackedCreatesBefore });
        await sleep(12_000);
      }
      const lastUp = windows[windows.length - 1].to;
      await load.stop();

      const attempts = allAttempts(s.ops);
      const inWindow = (at: number) => windows.some((w) => at >= w.from - 500 && at <= w.to + RECOVERY_GRACE_MS);
      const errors = attempts.filter((attempt) => attempt.status === null || attempt.status >= 300);
      const not503 = errors.filter((attempt) => attempt.status !== 503 || attempt.errorCode !== 'service_unavailable' || !attempt.envelopeOk);
      const outsideOutage = errors.filter((attempt) => !inWindow(attempt.at));
      const firstSuccessAfter = windows.map(
        (w) => Math.min(...attempts.filter((a) => a.at >= w.to && a.status !== null && a.status < 300).map((a) => a.at)) - w.to,
      );
      s.note('errorsTotal', errors.length);
      s.note(
        'errorsByStatus',
        errors.reduce<Record<string, number>>((acc, a) => ({ ...acc, [String(a.status ?? a.network)]: (acc[String(a.status ?? a.network)] ?? 0) + 1 }), {}),
      );
      s.note('firstSuccessMsAfterPostgresBack', firstSuccessAfter);
      s.note(
        'outboxPublishedAfterLastRestart',
        await countOf(s, 'SELECT count(*)::int AS count FROM outbox WHERE published_at > to_timestamp($1 / 1000.0)', [lastUp]),
      );
      s.note(
        'inboxRowsAfterLastRestart',
        await countOf(s, 'SELECT count(*)::int AS count FROM processed_events WHERE processed_at > to_timestamp($1 / 1000.0)', [lastUp]),
      );
      s.note(
        'processes',
        s.processes.map((p) => ({ label: p.label, pid: p.pid, alive: p.alive })),
      );

      const report = await s.check();
      expect({ apiAlive: api.alive, workerAlive: worker.alive }).toEqual({ apiAlive: true, workerAlive: true });
      expect(errors.length).toBeGreaterThan(0);
      expect((s.evidence.outboxPublishedAfterLastRestart as number) > 0 && (s.evidence.inboxRowsAfterLastRestart as number) > 0).toBe(true);
      // All of it in one comparison, so a failure shows every kind of wrong answer at once.
      expect({
        answersOtherThan503Envelope: summarizeAttempts(not503),
        errorsAfterPostgresWasBack: summarizeAttempts(outsideOutage),
        checker: { violations: report.violations, losses: report.losses, duplicateEffects: report.duplicateEffects, drained: report.drained.ok },
      }).toEqual({
        answersOtherThan503Envelope: { count: 0, first: [] },
        errorsAfterPostgresWasBack: { count: 0, first: [] },
        checker: { violations: [], losses: 0, duplicateEffects: 0, drained: true },
      });
      expectClean(s, report);
    }));
});

function summarizeAttempts(attempts: ReturnType<typeof allAttempts>): { count: number; first: string[] } {
  return { count: attempts.length, first: attempts.slice(0, 8).map(explain) };
}

function explain(attempt: ReturnType<typeof allAttempts>[number]): string {
  return `${attempt.op.method} ${attempt.op.kind} at ${new Date(attempt.at).toISOString()}: ${attempt.status ?? attempt.network} ${attempt.errorCode ?? ''} envelope=${attempt.envelopeOk}`;
}
