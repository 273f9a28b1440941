import { sleep } from './harness/env';
import { expectClean, waitFor } from './harness/expect';
import { Load, Op } from './harness/load';
import { AppProcess, freePort } from './harness/processes';
import { Scenario } from './harness/scenario';

jest.setTimeout(200_000);

/**
 * Scenario 2. kill -9 the API while a dozen clients are mid-request, twice. The clients do what
 * the API asks of them: retry with the same Idempotency-Key (through 503s, resets and the 409
 * "still in progress") until they get an answer.
 *
 * The first kill lands wherever the requests happen to be. The second one is aimed at the worst
 * moment for idempotency: the API is frozen (SIGSTOP) at random instants until a create in flight
 * has committed its transaction but its client has no answer yet, and is killed right there.
 * That client's retry must get the outcome of the committed execution, not a second execution.
 */
describe('S2 API killed under load, clients retry with the same Idempotency-Key', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await Scenario.open('s02-api-kill', 'kill -9 the API under load; clients retry with the same Idempotency-Key');
  }, 90_000);
  afterAll(async () => s?.close(), 60_000);

  it('answers every interrupted request after the restart, executing each one once', () =>
    s.run(async () => {
      const port = await freePort();
      const api = await s.startApi({ port, label: 'api-1' });
      await s.startWorker();
      const load = s.load({ port, concurrency: 12, attemptTimeoutMs: 10_000, giveUpAfterMs: 120_000, thinkMs: 5 }).start();
      await sleep(6_000);

      // Kill 1: wherever the requests are.
      await waitFor('requests in flight', async () => (load.inFlight >= 8 ? true : undefined), 10_000, 1);
      const firstInFlight = load.openAttempts().length;
      const firstKillAt = Date.now();
      await api.kill9();
      s.fault('SIGKILL api (at a random instant)', { pid: api.pid, httpRequestsInFlight: firstInFlight });
      await sleep(1_000);
      const second = await s.startApi({ port, label: 'api-2' });
      await sleep(6_000);

      // Kill 2: between the commit of a create and its answer.
      const aimed = await killBetweenCommitAndAnswer(s, second, load);
      await sleep(1_000);
      await s.startApi({ port, label: 'api-3' });
      await sleep(4_000);
      await load.stop();

      const killTimes = [firstKillAt, aimed.at];
      const interrupted = interruptedOps(load.ops, killTimes);
      const committedUnanswered = aimed.committedRequestIds.filter((requestId) =>
        load.ops.some((op) => op.attempts.some((attempt) => attempt.requestId === requestId && attempt.status === null)),
      );
      s.note('interruptedRequests', interrupted.length);
      s.note(
        'interruptedOutcomes',
        countBy(interrupted, (op) => `${op.kind} ${op.outcome} ${op.status ?? ''}`.trim()),
      );
      s.note('createsCommittedButUnansweredAtKill2', committedUnanswered.length);
      s.note(
        'answered409InProgress',
        load.ops.reduce((sum, op) => sum + op.attempts.filter((attempt) => attempt.status === 409).length, 0),
      );
      s.note('longestInterruptedRequestMs', Math.max(0, ...interrupted.map((op) => (op.endedAt ?? 0) - op.startedAt)));
      s.note('interruptedCommittedBeforeCrash', await committedByInterruptedAttempt(s, interrupted, killTimes));
      for (const requestId of committedUnanswered) {
        const op = load.ops.find((candidate) => candidate.attempts.some((attempt) => attempt.requestId === requestId))!;
        s.note(`retriesOf ${requestId}`, {
          finalStatus: op.status,
          replayed: op.attempts.some((attempt) => attempt.replayed),
          answeredAfterMs: (op.endedAt ?? 0) - op.startedAt,
          attempts: countBy(op.attempts, (attempt) => String(attempt.status ?? attempt.network)),
        });
      }

      const report = await s.check();
      expect(interrupted.length).toBeGreaterThanOrEqual(8);
      expect(committedUnanswered.length).toBeGreaterThanOrEqual(1);
      expect(interrupted.filter((op) => op.outcome !== 'acked').map((op) => `${op.kind} ${op.externalId}: ${op.outcome} ${op.status ?? ''}`)).toEqual([]);
      expectClean(s, report);
    }));
});

/**
 * Freezes the API (SIGSTOP) at random instants; as soon as a frozen API holds a create whose
 * transaction has committed while its client still waits, kills it (SIGKILL) in that state.
 */
async function killBetweenCommitAndAnswer(s: Scenario, api: AppProcess, load: Load): Promise<{ at: number; committedRequestIds: string[]; probes: number }> {
  for (let probe = 1; probe <= 400; probe++) {
    await waitFor('creates in flight', async () => (load.openAttempts().some(({ op }) => op.kind === 'create') ? true : undefined), 10_000, 1);
    await sleep(Math.random() * 15);
    api.signal('SIGSTOP');
    // Answers already on their way are read by the client before we look.
    await sleep(25);
    const open = load
      .openAttempts()
      .filter(({ op }) => op.kind === 'create')
      .map(({ attempt }) => attempt.requestId);
    const { rows } = await s.pool.query<{ request_id: string }>(
      "SELECT DISTINCT metadata->>'requestId' AS request_id FROM events WHERE metadata->>'requestId' = ANY($1)",
      [open],
    );
    if (rows.length > 0) {
      const at = Date.now();
      await api.kill9();
      const committedRequestIds = rows.map((row) => row.request_id);
      s.fault('SIGKILL api (frozen between a create commit and its answer)', {
        pid: api.pid,
        probes: probe,
        openCreates: open.length,
        committedButUnanswered: committedRequestIds,
      });
      return { at, committedRequestIds, probes: probe };
    }
    api.signal('SIGCONT');
    await sleep(20 + Math.random() * 40);
  }
  throw new Error('never caught a create between its commit and its answer in 400 probes');
}

/** Logical requests that had an attempt open (sent, unanswered) when the API was killed. */
function interruptedOps(ops: readonly Op[], killTimes: number[]): Op[] {
  return ops.filter((op) => op.attempts.some((attempt) => isInterrupted(attempt, killTimes)));
}

function isInterrupted(attempt: Op['attempts'][number], killTimes: number[]): boolean {
  return attempt.status === null && killTimes.some((at) => attempt.at <= at && attempt.at + attempt.ms >= at);
}

/** How many interrupted requests had in fact committed before the crash (their event names the interrupted attempt). */
async function committedByInterruptedAttempt(s: Scenario, interrupted: Op[], killTimes: number[]): Promise<number> {
  const requestIds = interrupted.flatMap((op) => op.attempts.filter((attempt) => isInterrupted(attempt, killTimes)).map((attempt) => attempt.requestId));
  const { rows } = await s.pool.query<{ count: number }>(
    "SELECT count(DISTINCT metadata->>'requestId')::int AS count FROM events WHERE metadata->>'requestId' = ANY($1)",
    [requestIds],
  );
  return rows[0].count;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
