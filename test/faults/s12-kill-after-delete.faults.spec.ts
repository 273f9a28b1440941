import { performance } from 'node:perf_hooks';
import { testDataKeys } from '../support/data-keys';
import { logsDir, sleep } from './harness/env';
import { ApiClient, FIELDS, Field, MarkedUser, markerOf, markersInFiles, markersInLogs, markersInStatistics, scanDatabaseForMarkers } from './harness/erasure';
import { expectClean, waitFor } from './harness/expect';
import { Op } from './harness/load';
import { AppProcess, freePort } from './harness/processes';
import { Scenario } from './harness/scenario';

jest.setTimeout(300_000);

/** DELETEs sent at once in a round, the rounds at least (and at most, while too few kills landed in the window). */
const BATCH = 12;
const MIN_ROUNDS = 8;
const MAX_ROUNDS = 16;
/** Kills that landed after a DELETE's commit and before its answer: the case this scenario is for. */
const MIN_COMMITTED_UNANSWERED = 3;
/** Marked users never deleted: they must stay readable, and the scan must find their external ids. */
const KEPT = 16;
/** The kill comes this long (spread over the rounds) after the first DELETE of the batch committed. */
const KILL_WINDOW_MS = 30;

/** What the first attempt of a DELETE came to: an answer, or a dead connection with the delete committed or not. */
type FirstOutcome = 'answered 204' | 'died after commit' | 'died before commit' | 'answered otherwise';

/**
 * Scenario 12 (issue 11). Crypto-shredding under a crash: the DELETE's one statement destroys the
 * user's data key, deletes its read rows and erases its stored idempotent responses. Here, round
 * after round, a batch of DELETEs goes out (half with an Idempotency-Key) under a light load, and the
 * API is killed (SIGKILL) a random 0-30 ms (spread over the rounds) after the batch's first commit,
 * so that some kills land between a DELETE's commit and its answer: the client sees its connection
 * die, the database has the delete. Clients then do as documented: retry (with their
 * Idempotency-Key, if the DELETE had one) until answered; the answer must be 204 or 404, never a
 * 5xx, never a user back.
 *
 * Right after each restart, every user whose DELETE died uncommitted must still be fully readable
 * (API, history, credentials under its data key). At the end, for every user with an
 * EndUserDeleted: no data key, no read or write-side rows, its stored responses erased, and none
 * of the marked users' markers anywhere in the database as text; the users never deleted are
 * readable and their external ids found by the same scan (which shows the scan can see them).
 */
describe('S12 API killed between a DELETE commit and its answer, the data stays gone', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await Scenario.open('s12-kill-after-delete', "kill -9 the API between DELETEs' commits and their answers; the erased data stays gone");
  }, 90_000);
  // Long enough for the load's retries to give up if a failure left no API running.
  afterAll(async () => s?.close(), 150_000);

  it('keeps every committed delete erased and every uncommitted one readable; retries answer 204 or 404', () =>
    s.run(async () => {
      const dataKeys = testDataKeys();
      const port = await freePort();
      let api: AppProcess = await s.startApi({ port, label: 'api-1' });
      await s.startWorker();
      // The load deletes none of its users. A DELETE that follows its user's create or PATCH within
      // the relay's latency leaves those outbox rows erased before publishing (by design: their
      // key is gone), which the checker counts as lost. The marked users' DELETEs come only once
      // all their rows are published.
      const load = s.load({ port, concurrency: 4, attemptTimeoutMs: 10_000, giveUpAfterMs: 120_000, thinkMs: 10, deleteRatio: 0 }).start();
      const client = new ApiClient(port, s.platform, `${s.id}-marked`, s.extraOps);

      let created = 0;
      // Every combination of requests with and without an Idempotency-Key.
      const createUsers = async (count: number) => {
        const users = await inParallel(count, 8, () => {
          const n = created++;
          return client.createMarkedUser({ create: n % 2 === 0, mcp: n % 3 === 0, patch: n % 4 < 2 });
        });
        await waitFor("the marked users' events published", async () => ((await unpublishedOf(s, users)) === 0 ? true : undefined), 30_000);
        return users;
      };
      const kept = await createUsers(KEPT);
      const toDelete = await createUsers(MIN_ROUNDS * BATCH);
      s.note('markedUsers', { kept: kept.length, toDelete: toDelete.length, fieldsMarked: Object.values(FIELDS) });

      const byOp = new Map<Op, { user: MarkedUser; first: FirstOutcome }>();
      const rounds: Array<Record<string, unknown>> = [];
      const retries: Promise<Op>[] = [];
      const readableAfterUncommitted: string[] = [];
      const goneAfterCommitted: string[] = [];
      const slots = shuffle(Array.from({ length: MIN_ROUNDS }, (_, i) => i));
      const committedUnanswered = () => [...byOp.values()].filter((entry) => entry.first === 'died after commit').length;

      for (let round = 0; round < MAX_ROUNDS; round++) {
        if (round >= MIN_ROUNDS && committedUnanswered() >= MIN_COMMITTED_UNANSWERED) break;
        if (round >= MIN_ROUNDS) toDelete.push(...(await createUsers(BATCH)));
        const batch = toDelete.slice(round * BATCH, (round + 1) * BATCH);
        // Spread over 0-30 ms after the batch's first commit: one slot of the window per round (in
        // random order), a random point in it. Counted from the send, the kill landed before any
        // commit on a loaded 2-core machine, where a DELETE among 12 takes 30-200 ms.
        const slot = round < MIN_ROUNDS ? slots[round] : Math.floor(Math.random() * MIN_ROUNDS);
        const delayMs = ((slot + Math.random()) / MIN_ROUNDS) * KILL_WINDOW_MS;
        await sleep(300 + Math.random() * 500);

        const ops = batch.map((user, i) =>
          client.op({
            kind: 'delete',
            method: 'DELETE',
            path: `${client.base}/end-users/${user.id}`,
            externalId: markerOf(user, 'x'),
            keyed: isKeyed(i),
            endUserId: user.id,
          }),
        );
        const sentAt = performance.now();
        const answers = ops.map((op) => client.sendOnce(op));
        // The anchor alternates: a DELETE without a key is one statement and commits sooner than one with a key (a unit of work).
        const anchor = round % 2 === 0 ? 'without key' : 'with key';
        const firstCommitMs = await firstCommit(
          s,
          batch.filter((_, i) => isKeyed(i) === (anchor === 'with key')),
          sentAt,
        );
        await sleep(delayMs);
        const killedAfterMs = ms(performance.now() - sentAt);
        await api.kill9();
        const firstAnswers = await Promise.all(answers);
        s.fault('SIGKILL api while DELETEs are in flight', {
          round: round + 1,
          pid: api.pid,
          anchor,
          firstCommitMs,
          plannedDelayMs: ms(delayMs),
          killedAfterMs,
        });
        api = await s.startApi({ port, label: `api-${round + 2}` });

        const committed = await committedRequestIds(
          s,
          ops.map((op) => op.attempts[0].requestId),
        );
        const outcomes: Record<string, number> = {};
        for (const [i, op] of ops.entries()) {
          const answer = firstAnswers[i];
          const first: FirstOutcome = answer
            ? answer.status === 204
              ? 'answered 204'
              : 'answered otherwise'
            : committed.has(op.attempts[0].requestId)
              ? 'died after commit'
              : 'died before commit';
          byOp.set(op, { user: batch[i], first });
          outcomes[first] = (outcomes[first] ?? 0) + 1;
          if (answer && isFinal(answer.status, answer.body?.error?.code)) {
            op.outcome = answer.status < 300 ? 'acked' : 'rejected';
            op.status = answer.status;
            op.endedAt = Date.now();
          }
        }
        // Before any retry: what died uncommitted is all there, what died committed is all gone.
        for (const [i, op] of ops.entries()) {
          const { first } = byOp.get(op)!;
          if (first === 'died before commit') readableAfterUncommitted.push(...(await client.readableProblems(batch[i], s.pool, dataKeys)));
          if (first === 'died after commit') goneAfterCommitted.push(...(await client.goneProblems(batch[i], s.pool, dataKeys)));
          if (op.outcome === 'pending') retries.push(client.untilAnswered(op));
        }
        rounds.push({ round: round + 1, anchor, firstCommitMs, killedAfterMs, ...outcomes });
        s.say(`round ${round + 1}: first commit (${anchor}) after ${firstCommitMs} ms, kill after ${killedAfterMs} ms: ${JSON.stringify(outcomes)}`);
      }
      await Promise.all(retries);
      await load.stop();

      // --- what the clients saw ---------------------------------------------------------------------
      const deleteOps = [...byOp.keys()];
      const firstOutcomes = countBy([...byOp.values()], (entry) => entry.first);
      const retried = deleteOps.filter((op) => op.attempts.length > 1);
      const retryAnswers = countBy(retried, (op) => `${byOp.get(op)!.first} ${op.headers ? 'with' : 'without'} key -> ${retryAnswer(op)}`);
      s.note('rounds', rounds);
      s.note('firstAttemptOutcomes', firstOutcomes);
      s.note(
        'firstAttemptOutcomesByKey',
        countBy(deleteOps, (op) => `${byOp.get(op)!.first} ${op.headers ? 'with' : 'without'} key`),
      );
      s.note('retryFinalAnswers', retryAnswers);
      s.note(
        'retryAttemptStatuses',
        countBy(
          retried.flatMap((op) => op.attempts.slice(1)),
          (attempt) => String(attempt.status ?? attempt.network),
        ),
      );

      const report = await s.check({ allowRejected: (op) => byOp.has(op) && op.status === 404 });

      // --- every delete executed exactly once, by one of its own attempts ------------------------------
      const executions = await deleteExecutions(s, deleteOps);
      const clientProblems: string[] = [];
      for (const op of deleteOps) {
        const { first } = byOp.get(op)!;
        const where = `DELETE ${op.endUserId} (${first}, ${op.headers ? 'with' : 'without'} key)`;
        if (op.attempts.some((attempt) => (attempt.status ?? 0) >= 500)) clientProblems.push(`${where}: answered 5xx`);
        if (op.status !== 204 && op.status !== 404) clientProblems.push(`${where}: final answer ${op.status ?? op.outcome}`);
        if (executions.get(op) !== 1) clientProblems.push(`${where}: executed by ${executions.get(op) ?? 0} of its attempts`);
        // A key makes the retry of a committed DELETE a replay of its 204; without one, the retry finds the user gone.
        if (op.headers && op.status !== 204) clientProblems.push(`${where}: a DELETE with a key answered ${op.status}`);
        if (first === 'died after commit' && !op.headers && op.status !== 404) clientProblems.push(`${where}: its retry answered ${op.status}, not 404`);
      }

      // --- the erasure, for every user with an EndUserDeleted ------------------------------------------
      const deletedIds = (await s.pool.query<{ id: string }>("SELECT substr(stream_id, 10) AS id FROM events WHERE event_type = 'EndUserDeleted'")).rows.map(
        (row) => row.id,
      );
      const leftovers: Record<string, number> = {};
      for (const [table, column] of LEFT_BEHIND) {
        const { rows } = await s.pool.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table} WHERE ${column} = ANY($1::uuid[])`, [deletedIds]);
        leftovers[table] = rows[0].count;
      }
      const idempotency = await idempotencyProblems(s, deletedIds, s.ops);
      const deletedMarked = [...byOp.values()].map((entry) => entry.user);
      for (const user of deletedMarked) {
        const { rows } = await s.pool.query<{ key: string; erased: boolean; body_gone: boolean }>(
          'SELECT key, erased_at IS NOT NULL AS erased, body IS NULL AND headers IS NULL AS body_gone FROM idempotency_keys WHERE platform_id = $1 AND key = ANY($2)',
          [s.platform.id, user.keys],
        );
        for (const key of user.keys) {
          const row = rows.find((candidate) => candidate.key === key);
          if (!row?.erased || !row.body_gone)
            idempotency.problems.push(`user ${user.id}: stored response of key ${key} not erased (${JSON.stringify(row ?? null)})`);
        }
      }

      const scan = await scanDatabaseForMarkers(s.pool);
      const leaked = deletedMarked.flatMap((user) =>
        (Object.keys(FIELDS) as Field[])
          .map((field) => markerOf(user, field))
          .filter((marker) => scan.found.has(marker))
          .map((marker) => `${marker} of deleted user ${user.id} in ${[...scan.found.get(marker)!].join(', ')}`),
      );
      const unseenKept = kept.filter((user) => !scan.found.has(markerOf(user, 'x'))).map((user) => user.id);
      const keptProblems: string[] = [];
      for (const user of kept) keptProblems.push(...(await client.readableProblems(user, s.pool, dataKeys)));
      const goneProblems: string[] = [];
      for (const user of deletedMarked) goneProblems.push(...(await client.goneProblems(user, s.pool, dataKeys)));
      const publicDeleted = report.topicMessages.filter((message) => message.headers.event_type === 'end_user.deleted');
      const deletedNoticesWithData = publicDeleted.filter((message) => /external_id|display_name|metadata|zq[0-9a-f]{12}/.test(message.value ?? ''));

      const deletedMarkers = new Set(deletedMarked.flatMap((user) => (Object.keys(FIELDS) as Field[]).map((field) => markerOf(user, field))));
      const allMarkers = new Set([...deletedMarkers, ...kept.flatMap((user) => (Object.keys(FIELDS) as Field[]).map((field) => markerOf(user, field)))]);
      s.note('usersWithEndUserDeleted', deletedIds.length);
      s.note('markedUsersDeleted', deletedMarked.length);
      s.note('leftoverRowsOfDeletedUsers', leftovers);
      s.note('idempotencyRowsOfDeletedUsers', idempotency.counts);
      s.note('databaseScan', {
        tables: Object.keys(scan.tables).length,
        rows: Object.values(scan.tables).reduce((sum, n) => sum + n, 0),
        markersSought: deletedMarkers.size,
        deletedUsersMarkersFound: leaked.length,
        keptUsersExternalIdsFound: kept.length - unseenKept.length,
      });
      s.note('publicDeletedNotices', { messages: publicDeleted.length, withPersonalData: deletedNoticesWithData.length });
      s.note('markersInAppLogs', markersInLogs(logsDir(s.id), allMarkers));
      const statistics = await markersInStatistics(s.pool);
      const inStatistics = [...deletedMarkers].filter((marker) => statistics.has(marker));
      s.note('deletedUsersMarkersInPlannerStatistics', {
        markers: inStatistics.length,
        columns: [...new Set(inStatistics.flatMap((marker) => [...statistics.get(marker)!]))],
      });
      s.note('deletedUsersMarkersBelowSql', await markersInFiles(s.pool, deletedMarkers));
      await s.pool.query('VACUUM');
      s.note('deletedUsersMarkersBelowSqlAfterVacuum', await markersInFiles(s.pool, deletedMarkers));

      expect(firstOutcomes['died after commit'] ?? 0).toBeGreaterThanOrEqual(MIN_COMMITTED_UNANSWERED);
      expect(firstOutcomes['answered otherwise'] ?? 0).toBe(0);
      expect({
        clientProblems,
        readableAfterUncommitted,
        goneAfterCommitted,
        leftovers: Object.entries(leftovers).filter(([, count]) => count > 0),
        idempotency: idempotency.problems,
        leaked,
        unseenKept,
        keptProblems,
        goneProblems,
        deletedNoticesWithData: deletedNoticesWithData.map((message) => message.value),
      }).toEqual({
        clientProblems: [],
        readableAfterUncommitted: [],
        goneAfterCommitted: [],
        leftovers: [],
        idempotency: [],
        leaked: [],
        unseenKept: [],
        keptProblems: [],
        goneProblems: [],
        deletedNoticesWithData: [],
      });
      expectClean(s, report);
    }));
});

/** Rows a deleted user must not have, by table and the column naming the user. */
const LEFT_BEHIND: Array<[string, string]> = [
  ['end_user_data_keys', 'end_user_id'],
  ['end_users', 'id'],
  ['end_user_api_keys', 'end_user_id'],
  ['end_user_external_ids', 'end_user_id'],
  ['end_user_key_hashes', 'end_user_id'],
  ['mcp_connections', 'end_user_id'],
  ['end_user_rate_limits', 'end_user_id'],
];

/** Outbox rows of these users not yet published. */
async function unpublishedOf(s: Scenario, users: MarkedUser[]): Promise<number> {
  const { rows } = await s.pool.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM outbox o JOIN events e USING (event_id) WHERE e.stream_id = ANY($1) AND o.published_at IS NULL',
    [users.map((user) => `end_user-${user.id}`)],
  );
  return rows[0].count;
}

/**
 * Milliseconds from `sentAt` until the database shows the first committed EndUserDeleted of these
 * users (polled on their streams, which are indexed); null if none within 5 s.
 */
async function firstCommit(s: Scenario, users: MarkedUser[], sentAt: number): Promise<number | null> {
  const streams = users.map((user) => `end_user-${user.id}`);
  while (performance.now() - sentAt < 5_000) {
    const { rows } = await s.pool.query("SELECT 1 FROM events WHERE stream_id = ANY($1) AND event_type = 'EndUserDeleted' LIMIT 1", [streams]);
    if (rows.length > 0) return ms(performance.now() - sentAt);
    await sleep(1);
  }
  return null;
}

const ms = (value: number) => Math.round(value * 10) / 10;

/** Which of these attempts (X-Request-Ids) committed an EndUserDeleted. */
async function committedRequestIds(s: Scenario, requestIds: string[]): Promise<Set<string>> {
  const { rows } = await s.pool.query<{ request_id: string }>(
    "SELECT metadata->>'requestId' AS request_id FROM events WHERE event_type = 'EndUserDeleted' AND metadata->>'requestId' = ANY($1)",
    [requestIds],
  );
  return new Set(rows.map((row) => row.request_id));
}

/** For each DELETE, how many of its attempts committed an EndUserDeleted of its user. */
async function deleteExecutions(s: Scenario, ops: Op[]): Promise<Map<Op, number>> {
  const committed = await committedRequestIds(
    s,
    ops.flatMap((op) => op.attempts.map((attempt) => attempt.requestId)),
  );
  return new Map(ops.map((op) => [op, op.attempts.filter((attempt) => committed.has(attempt.requestId)).length]));
}

/**
 * The stored responses tied to deleted users: each erased (no body, no headers) except the
 * DELETE's own 204, which holds no data and is kept for its replay.
 */
async function idempotencyProblems(s: Scenario, deletedIds: string[], ops: Op[]): Promise<{ counts: Record<string, number>; problems: string[] }> {
  const deleteKeys = new Set(ops.filter((op) => op.kind === 'delete' && !op.idempotencyKey.startsWith('nokey-')).map((op) => op.idempotencyKey));
  const { rows } = await s.pool.query<{ key: string; end_user_id: string; status: number | null; erased: boolean; body: unknown; headers: unknown }>(
    'SELECT key, end_user_id, status, erased_at IS NOT NULL AS erased, body, headers FROM idempotency_keys WHERE end_user_id = ANY($1::uuid[])',
    [deletedIds],
  );
  const problems: string[] = [];
  const counts = { erased: 0, deleteOwn204: 0 };
  for (const row of rows) {
    if (row.erased && row.body === null && row.headers === null) counts.erased++;
    else if (!row.erased && deleteKeys.has(row.key) && row.status === 204 && row.body === null) counts.deleteOwn204++;
    else
      problems.push(
        `idempotency key ${row.key} of deleted user ${row.end_user_id}: status ${row.status}, erased ${row.erased}, body ${JSON.stringify(row.body)}`,
      );
  }
  return { counts, problems };
}

/** Half of each batch's DELETEs carry an Idempotency-Key. */
const isKeyed = (index: number) => index % 2 === 0;

/** What a client takes as the answer for good (a dead connection, a 5xx and the 409 "in progress" are retried). */
function isFinal(status: number, errorCode: string | undefined): boolean {
  return status < 500 && !(status === 409 && errorCode === 'conflict');
}

function retryAnswer(op: Op): string {
  const last = op.attempts[op.attempts.length - 1];
  return `${op.status ?? op.outcome}${last?.replayed ? ' replayed' : ''}`;
}

async function inParallel<T>(count: number, concurrency: number, make: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < count) {
        started++;
        results.push(await make());
      }
    }),
  );
  return results;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
