import { endUserIdOfStream } from '@app/end-users';
import { Client } from 'pg';
import { databaseUrl, sleep } from './harness/env';
import { expectClean, waitFor } from './harness/expect';
import { LiveTap } from './harness/kafka';
import { AppProcess, freePort } from './harness/processes';
import { Scenario } from './harness/scenario';

jest.setTimeout(200_000);

/**
 * Scenario 3. kill -9 the outbox relay between the broker's acknowledgement and the UPDATE that
 * marks the rows sent. The relay lives in the API process and its code is not ours to change, so
 * the window is held open from the database: a test transaction row-locks outbox rows that are
 * still unpublished. The relay does not lock what it reads, so it reads those rows, publishes them
 * (the broker acknowledges: a tap on the topic sees them) and then blocks in
 * `UPDATE outbox SET published_at` on our lock, which is exactly "acknowledged, not marked".
 * pg_stat_activity shows it waiting there. The API is killed in that state; its orphaned session
 * is terminated as PostgreSQL would once it noticed the dead client, and only then is the lock
 * released, so the UPDATE never runs. The rows must still be unpublished afterwards, the restarted
 * relay must publish them again (the topic holds them twice), and the worker must apply them once.
 */
describe('S3 relay killed between the broker acknowledgement and marking the rows sent', () => {
  let s: Scenario;
  let tap: LiveTap | undefined;
  beforeAll(async () => {
    s = await Scenario.open('s03-relay-kill', 'kill -9 the relay between the broker acknowledgement and marking the record sent');
  }, 90_000);
  afterAll(async () => {
    await tap?.close();
    await s?.close();
  }, 60_000);

  it('republishes every acknowledged-but-unmarked row after the crash, and the worker applies it once', () =>
    s.run(async () => {
      const port = await freePort();
      let api = await s.startApi({ port, label: 'api-1' });
      await s.startWorker();
      tap = await LiveTap.open(s.brokers, s.topic);
      const load = s.load({ port, concurrency: 4, updateRatio: 0.3, deleteRatio: 0.1 }).start();
      await sleep(3_000);

      const rounds: RoundEvidence[] = [];
      for (const round of [1, 2, 3]) {
        const evidence = await killInTheWindow(s, api, tap, async () => load.pause());
        rounds.push(evidence);
        api = await s.startApi({ port, label: `api-${round + 1}` });
        load.resume();
        // The restarted relay publishes the rows again; a row whose user the resumed load erased
        // first is, by design, marked without being sent again (docs/privacy.md).
        let erased = new Set<string>();
        await waitFor(
          'the acknowledged-but-unmarked rows are published again',
          async () => {
            const { rows } = await s.pool.query<{ count: number }>(
              'SELECT count(*)::int AS count FROM outbox WHERE event_id = ANY($1) AND published_at IS NOT NULL',
              [evidence.windowEventIds],
            );
            erased = await erasedSince(s, evidence.windowEventIds);
            return rows[0].count === evidence.windowEventIds.length &&
              evidence.windowEventIds.every((id) => erased.has(id) || (tap!.eventIds.get(id) ?? 0) >= 2)
              ? true
              : undefined;
          },
          30_000,
        );
        const resent = evidence.windowEventIds.filter((id) => !erased.has(id));
        evidence.erasedBeforeResent = erased.size;
        evidence.copiesOnTopicAfterRestart = resent.length === 0 ? undefined : Math.min(...resent.map((id) => tap!.eventIds.get(id) ?? 0));
        s.say(`round ${round}: ${JSON.stringify({ ...evidence, windowEventIds: evidence.windowEventIds.length })}`);
        await sleep(3_000);
      }
      await load.stop();
      const worker = s.processes.find((p) => p.kind === 'worker')!;
      const report = await s.check();
      s.note(
        'rounds',
        rounds.map((round) => ({ ...round, windowEventIds: round.windowEventIds.length })),
      );
      s.note('workerDuplicatesAbsorbed', await worker.counter('end_users_worker_messages_total', { outcome: 'duplicate' }));

      for (const round of rounds) {
        expect(round.relayBlockedOn).toMatch(/^UPDATE outbox SET published_at/);
        expect(round.windowEventIds.length).toBeGreaterThan(0);
        expect(round.stillUnpublishedAfterKill).toBe(round.windowEventIds.length);
        if (round.copiesOnTopicAfterRestart !== undefined) expect(round.copiesOnTopicAfterRestart).toBeGreaterThanOrEqual(2);
      }
      expect(rounds.some((round) => round.copiesOnTopicAfterRestart !== undefined)).toBe(true);
      expect(report.counts.topicDuplicates).toBeGreaterThanOrEqual(
        rounds.reduce((sum, round) => sum + round.windowEventIds.length - (round.erasedBeforeResent ?? 0), 0),
      );
      expectClean(s, report);
    }));
});

interface RoundEvidence {
  lockedRows: number;
  relayPid: number;
  relayBlockedOn: string;
  windowEventIds: string[];
  stillUnpublishedAfterKill: number;
  copiesOnTopicAfterRestart?: number;
  /** Window rows whose user was erased before the restarted relay got to them: not sent again. */
  erasedBeforeResent?: number;
}

/** The events among `eventIds` that are not deletions and whose user has no data key any more. */
async function erasedSince(s: Scenario, eventIds: string[]): Promise<Set<string>> {
  const { rows } = await s.pool.query<{ event_id: string; stream_id: string }>(
    "SELECT event_id, stream_id FROM events WHERE event_id = ANY($1) AND event_type <> 'EndUserDeleted'",
    [eventIds],
  );
  const { rows: keyed } = await s.pool.query<{ end_user_id: string }>('SELECT end_user_id FROM end_user_data_keys WHERE end_user_id = ANY($1::uuid[])', [
    rows.map((row) => endUserIdOfStream(row.stream_id)),
  ]);
  const withKey = new Set(keyed.map((row) => row.end_user_id));
  return new Set(rows.filter((row) => !withKey.has(endUserIdOfStream(row.stream_id))).map((row) => row.event_id));
}

async function killInTheWindow(s: Scenario, api: AppProcess, tap: LiveTap, quiesce: () => Promise<void>): Promise<RoundEvidence> {
  const locker = new Client({ connectionString: databaseUrl(s.database), application_name: 'faults-s03-locker' });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    // Lock rows the relay has not marked yet (under load there soon are some).
    const locked = await waitFor(
      'unpublished outbox rows to lock',
      async () => {
        const { rows } = await locker.query<{ id: string; event_id: string }>(
          'SELECT id::text, event_id FROM outbox WHERE published_at IS NULL ORDER BY id FOR UPDATE SKIP LOCKED',
        );
        return rows.length > 0 ? rows : undefined;
      },
      20_000,
      0,
    );
    const lockerPid = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    // The relay published them and now waits on our lock, inside its UPDATE.
    const blocked = await waitFor(
      'the relay blocked in its UPDATE on our lock',
      async () => {
        const { rows } = await s.pool.query<{ pid: number; query: string }>(
          `SELECT pid, query FROM pg_stat_activity
           WHERE application_name = 'end-users-outbox-relay' AND wait_event_type = 'Lock' AND $1 = ANY(pg_blocking_pids(pid))`,
          [lockerPid],
        );
        return rows[0];
      },
      20_000,
      20,
    );
    // The relay's batch holds at least one of the locked rows (that is what it waits for); locked rows
    // that committed after its SELECT are not in it and stay unsent while it is stuck.
    const lockedIds = locked.map((row) => row.event_id);
    await waitFor(
      'the broker acknowledged a locked row (the tap sees it)',
      async () => (lockedIds.some((id) => tap.eventIds.has(id)) ? true : undefined),
      20_000,
      20,
    );
    await quiesce();
    // Acknowledged but unmarked: unpublished rows the tap has seen, once that set stops growing.
    const acknowledgedUnmarked = async () => {
      const { rows } = await s.pool.query<{ event_id: string }>('SELECT event_id FROM outbox WHERE published_at IS NULL');
      return rows.map((row) => row.event_id).filter((id) => tap.eventIds.has(id));
    };
    let windowEventIds = await acknowledgedUnmarked();
    for (let stable = 0; stable < 3;) {
      await sleep(200);
      const again = await acknowledgedUnmarked();
      stable = again.length === windowEventIds.length ? stable + 1 : 0;
      windowEventIds = again;
    }

    await api.kill9();
    s.fault('SIGKILL api (its relay acknowledged by the broker, blocked before marking sent)', {
      pid: api.pid,
      relayBackend: blocked.pid,
      lockedRows: locked.length,
      acknowledgedButUnmarked: windowEventIds.length,
    });
    // A real crash leaves the same orphan session behind; PostgreSQL ends it once it notices the client is gone.
    await s.pool.query('SELECT pg_terminate_backend($1)', [blocked.pid]);
    await waitFor(
      'the orphaned relay session is gone',
      async () => ((await s.pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [blocked.pid])).rows.length === 0 ? true : undefined),
      10_000,
    );
    await locker.query('ROLLBACK');
    const { rows: still } = await s.pool.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM outbox WHERE event_id = ANY($1) AND published_at IS NULL',
      [windowEventIds],
    );
    return { lockedRows: locked.length, relayPid: blocked.pid, relayBlockedOn: blocked.query, windowEventIds, stillUnpublishedAfterKill: still[0].count };
  } finally {
    await locker.end().catch(() => undefined);
  }
}
