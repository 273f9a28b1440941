import { AllStreamCheckpoint, readAll, START_OF_ALL } from '@app/event-store';
import { Sql } from '@app/persistence';
import { Client, Pool } from 'pg';
import { databaseUrl, sleep } from './harness/env';
import { countOf, expectClean, waitFor } from './harness/expect';
import { Load, Op } from './harness/load';
import { Scenario } from './harness/scenario';

jest.setTimeout(200_000);

const HELD = 4;
const ABORTED = 2;

/**
 * Scenario 7. Sequence numbers (outbox ids, event positions) are taken when a row is inserted but
 * become visible when its transaction commits, so they commit out of order, and a rolled-back
 * transaction leaves a real hole. Both are produced with the real API:
 *
 * - held open: four DELETE requests are made to stall inside their transaction, after their event
 *   and outbox row are inserted and before the commit (the test row-locks the external-id claims
 *   the delete removes last), while PATCH traffic commits hundreds of later transactions. (Creates
 *   pause meanwhile: a held delete also holds its platform's end-user count shard, which creates
 *   of that shard wait for, and enough of them would take every pooled connection.)
 * - aborted: two of those held transactions are terminated (pg_terminate_backend), and an If-Match
 *   race has most PATCHes fail on the unique stream version after inserting, both leaving gaps.
 *
 * Every committed event must be published and processed, none skipped: by the relay (which reads
 * "unpublished" rather than "after the last id"), by the checker, and by readAll, the event
 * store's commit-order-safe reader, which a follower runs from its checkpoint all along.
 */
describe('S7 a transaction held open while later ones commit, and aborted transactions', () => {
  let s: Scenario;
  let follower: ReadAllFollower | undefined;
  beforeAll(async () => {
    s = await Scenario.open('s07-late-commits', 'a transaction held open while later ones commit; aborted transactions leaving sequence gaps');
  }, 90_000);
  afterAll(async () => {
    await follower?.stop();
    await s?.close();
  }, 60_000);

  it('publishes every committed event, the late ones included, and skips none', () =>
    s.run(async () => {
      // The held transactions wait on a lock for about 10 s: longer than the default 5 s statement
      // timeout, which would cut them (503) and make their retries commit after the hold instead.
      const api = await s.startApi({ env: { DB_STATEMENT_TIMEOUT_MS: '30000' } });
      await s.startWorker();
      follower = new ReadAllFollower(s.pool);
      follower.start();
      const load = s.load({ port: api.port, concurrency: 4, deleteRatio: 0 }).start();
      // A held request must not be abandoned by its client (a retry would hold one more transaction).
      const direct = s.load({ port: api.port, concurrency: 0, label: 's07-direct', attemptTimeoutMs: 120_000, giveUpAfterMs: 150_000 });
      await sleep(4_000);
      await load.stop();
      const liveUsers = [...new Set(load.ops.filter((op) => op.kind === 'create' && op.outcome === 'acked').map((op) => op.endUserId!))];

      // Users of distinct count shards (the first hex digit of the id), so no held delete waits for another one.
      const candidates = await Promise.all(Array.from({ length: 12 }, (_, index) => direct.create(`s07-held-${index}-${Date.now()}`)));
      const victims = candidates.filter((op, index) => candidates.findIndex((other) => other.endUserId![0] === op.endUserId![0]) === index).slice(0, HELD);
      expect(victims).toHaveLength(HELD);
      const raced = await Promise.all(Array.from({ length: 3 }, (_, index) => direct.create(`s07-raced-${index}-${Date.now()}`)));
      const victimIds = victims.map((op) => op.endUserId!);

      const locker = new Client({ connectionString: databaseUrl(s.database), application_name: 'faults-s07-locker' });
      await locker.connect();
      let deletes: Promise<Op>[] = [];
      let patching: { stop(): Promise<number> } | undefined;
      try {
        await locker.query('BEGIN');
        await locker.query('SELECT 1 FROM end_user_external_ids WHERE end_user_id = ANY($1) FOR UPDATE', [victimIds]);
        const lockerPid = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
        deletes = victims.map((victim) => direct.remove(victim.endUserId!, victim.externalId));
        const held = await waitFor(
          'the deletes are held inside their transactions',
          async () => {
            const { rows } = await s.pool.query<{ pid: number; xid: string }>(
              `SELECT pid, backend_xid::text AS xid FROM pg_stat_activity
               WHERE application_name = 'end-users-api' AND wait_event_type = 'Lock' AND $1 = ANY(pg_blocking_pids(pid))`,
              [lockerPid],
            );
            return rows.length === HELD ? rows : undefined;
          },
          20_000,
        );
        const holdStartedAt = Date.now();
        patching = patchTraffic(direct, liveUsers, 4);
        if (process.env.FAULTS_DEBUG)
          for (let i = 0; i < 4; i++) {
            await sleep(1000);
            s.say(
              JSON.stringify(
                (
                  await s.pool.query(
                    "SELECT pid, application_name, state, wait_event_type, wait_event, left(query, 60) AS q, pg_blocking_pids(pid) AS b FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle'",
                  )
                ).rows,
              ),
            );
            s.say(`patched so far: ${direct.ops.filter((op) => op.kind === 'update').length}`);
          }
        const maxIdAtHold = await countOf(s, 'SELECT coalesce(max(id), 0)::int AS count FROM outbox');
        s.fault('transactions held open after inserting their event and outbox row', { transactions: HELD, xids: held.map((row) => row.xid) });

        // An If-Match race: all PATCHes pass the version check, one commits, the others fail on the
        // unique (stream, version) after inserting: aborted transactions, real holes in the positions.
        const racers = await Promise.all(
          raced.flatMap((user) =>
            Array.from({ length: 8 }, (_, index) =>
              direct.run({
                kind: 'update',
                externalId: user.externalId,
                endUserId: user.endUserId,
                method: 'PATCH',
                path: `/v1/platforms/${s.platform.id}/end-users/${user.endUserId}`,
                body: { display_name: `racer ${index}` },
                headers: { 'If-Match': '"1"' },
                idempotencyKey: `${user.endUserId}-race-${index}`,
              }),
            ),
          ),
        );
        const lost = racers.filter((op) => op.status === 412).length;
        s.fault('If-Match race on 3 users', { patches: racers.length, committed: racers.filter((op) => op.status === 200).length, abortedWith412: lost });

        await sleep(3_000);
        for (const row of held.slice(0, ABORTED)) await s.pool.query('SELECT pg_terminate_backend($1)', [row.pid]);
        s.fault('held transactions terminated (rolled back)', { transactions: ABORTED, xids: held.slice(0, ABORTED).map((row) => row.xid) });
        await sleep(5_000);
        const publishedDuringHold = await countOf(s, 'SELECT count(*)::int AS count FROM outbox WHERE id > $1 AND published_at IS NOT NULL', [maxIdAtHold]);
        s.note('heldForSeconds', Math.round((Date.now() - holdStartedAt) / 1000));
        s.note('laterRowsPublishedWhileHeld', publishedDuringHold);
        expect(publishedDuringHold).toBeGreaterThan(50);
      } finally {
        await locker.query('ROLLBACK').catch(() => undefined);
        await locker.end();
      }
      const answered = await Promise.all(deletes);
      s.recover('lock released: the held deletes commit late', { answers: answered.map((op) => op.status) });
      await sleep(2_000);
      const patched = await patching!.stop();
      s.note('patchesDuringHold', patched);

      // The late commits: lower outbox ids than rows published before them.
      const { rows: late } = await s.pool.query<{ id: string; overtaken_by: number }>(
        `SELECT o.id::text, (SELECT count(*)::int FROM outbox later WHERE later.id > o.id AND later.published_at < o.published_at) AS overtaken_by
         FROM outbox o JOIN events e USING (event_id)
         WHERE e.event_type = 'EndUserDeleted' AND e.stream_id = ANY($1)`,
        [victimIds.map((id) => `end_user-${id}`)],
      );
      const outboxGaps = await countOf(s, 'SELECT (max(id) - count(*))::int AS count FROM outbox');
      const positionGaps = await countOf(s, 'SELECT (max(global_position) - count(*))::int AS count FROM events');
      s.note(
        'lateCommits',
        late.map((row) => ({ outboxId: row.id, publishedAfterRowsWithHigherIds: row.overtaken_by })),
      );
      s.note('outboxIdGaps', outboxGaps);
      s.note('eventPositionGaps', positionGaps);

      const report = await s.check({ allowRejected: (op) => op.status === 412 && op.headers?.['If-Match'] !== undefined });
      await follower.catchUp(report.counts.events);
      const allEventIds = (await s.pool.query<{ event_id: string }>('SELECT event_id FROM events')).rows.map((row) => row.event_id);
      const followed = follower.compare(allEventIds);
      s.note('readAllFollower', followed);
      s.note(
        'readTwiceInBatches',
        followed.readTwice.map((id) => ({ id, batches: follower!.batches.get(id) })),
      );
      expect(answered.map((op) => op.status)).toEqual(Array(HELD).fill(204));
      expect(late).toHaveLength(HELD);
      expect(late.every((row) => row.overtaken_by > 0)).toBe(true);
      expect(outboxGaps).toBeGreaterThan(0);
      expect(positionGaps).toBeGreaterThan(0);
      expect(followed).toEqual({ eventsRead: allEventIds.length, distinct: allEventIds.length, missing: 0, unknown: 0, readTwice: [] });
      expectClean(s, report);
    }));
});

/** Virtual users PATCHing existing end users (each user belongs to one of them, so a user's PATCHes are sequential). */
function patchTraffic(direct: Load, users: string[], concurrency: number): { stop(): Promise<number> } {
  let running = true;
  let count = 0;
  const runners = Array.from({ length: concurrency }, async (_, vu) => {
    const mine = users.filter((_, index) => index % concurrency === vu);
    for (let round = 0; running; round++) {
      const endUserId = mine[round % mine.length];
      await direct.update(endUserId, `patched-${endUserId}`, { display_name: `patched ${round}` });
      count++;
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(runners);
      return count;
    },
  };
}

/** Follows the whole event store with readAll from its checkpoint, as a projection or relay would. */
class ReadAllFollower {
  private readonly seen = new Map<string, number>();
  /** For each event, the checkpoints of the batches that returned it (evidence if one is read twice). */
  readonly batches = new Map<string, string[]>();
  private checkpoint: AllStreamCheckpoint = START_OF_ALL;
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly sql: Sql;

  constructor(private readonly pool: Pool) {
    this.sql = { query: async <Row>(text: string, params?: unknown[]) => (await this.pool.query(text, params)).rows as Row[] };
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.step().catch(() => undefined);
        await sleep(100);
      }
    })();
  }

  private async step(): Promise<number> {
    const { events, checkpoint } = await readAll(this.sql, this.checkpoint, 1_000);
    for (const event of events) {
      this.seen.set(event.eventId, (this.seen.get(event.eventId) ?? 0) + 1);
      this.batches.set(event.eventId, [
        ...(this.batches.get(event.eventId) ?? []),
        `${this.checkpoint.transactionId}/${this.checkpoint.position}->${checkpoint.transactionId}/${checkpoint.position}`,
      ]);
    }
    this.checkpoint = checkpoint;
    return events.length;
  }

  async catchUp(expected: number): Promise<void> {
    await waitFor('readAll reaches every committed event', async () => (this.seen.size >= expected ? true : undefined), 30_000, 200);
  }

  /** What it read against every event in the store: read once each, none missing, none unknown. */
  compare(allEventIds: string[]): { eventsRead: number; distinct: number; missing: number; unknown: number; readTwice: string[] } {
    const all = new Set(allEventIds);
    const eventsRead = [...this.seen.values()].reduce((sum, count) => sum + count, 0);
    return {
      eventsRead,
      distinct: this.seen.size,
      missing: allEventIds.filter((id) => !this.seen.has(id)).length,
      unknown: [...this.seen.keys()].filter((id) => !all.has(id)).length,
      readTwice: [...this.seen.entries()].filter(([, count]) => count > 1).map(([id]) => id),
    };
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
