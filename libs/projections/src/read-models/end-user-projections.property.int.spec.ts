import { loadConfig } from '@app/config';
import { EndUserEvent, EndUserState, evolve, initialState } from '@app/end-users';
import { Database, Statement } from '@app/persistence';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { acceptedBatches, commandSequenceArb, FOREIGN_PLATFORM, OWN_PLATFORM, splitAt } from '../../../../test/support/end-user-arbitraries';
import { expectedReadRows } from '../../../../test/support/read-model-oracle';
import { STREAM_PROJECTIONS, withEndUserProjections } from './end-user-projections';
import { StreamAt } from './stream-projection';

/**
 * The SQL of the inline projections against the independent model of what the tables must hold
 * (test/support/read-model-oracle): event histories the decider produces, for several streams of
 * two platforms, appended batch by batch in an arbitrary interleaving, some batches written twice
 * (a replay), end with exactly the model's rows in end_users and end_user_api_keys and the model's
 * per-platform totals in platform_end_user_counts.
 */

const RUNS = { numRuns: 30 };
const templateIds = ['0a', '1b', '2c', '3d'].map((n) => `${n}${'0'.repeat(6)}-0000-4000-8000-${'0'.repeat(12)}`);

const historiesArb = fc
  .integer({ min: 1, max: templateIds.length })
  .chain((count) => fc.tuple(...templateIds.slice(0, count).map((id) => commandSequenceArb(id, 12).map((commands) => acceptedBatches(commands).batches))));

/**
 * The same histories with ids of their own (uuids the tables accept, key ids included), so runs
 * and suites never share a row or a platform.
 */
function withFreshIds(histories: EndUserEvent[][][]): { platforms: string[]; streams: { endUserId: string; batches: EndUserEvent[][] }[] } {
  const fresh = new Map<string, string>();
  const idOf = (old: string) => fresh.get(old) ?? fresh.set(old, randomUUID()).get(old)!;
  const streams = histories.map((batches, index) => {
    const text = JSON.stringify(batches)
      .replace(/"([0-9a-f-]{36}-key-\d+)"/g, (_, keyId: string) => `"${idOf(keyId)}"`)
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}/g, (id) => idOf(id));
    return { endUserId: idOf(templateIds[index]), batches: JSON.parse(text) as EndUserEvent[][] };
  });
  return { platforms: [idOf(OWN_PLATFORM), idOf(FOREIGN_PLATFORM)], streams };
}

/** Per-stream appends in one arbitrary interleaving that keeps each stream's order, as concurrent appends would. */
function interleave<T>(queues: T[][], picks: readonly number[]): T[] {
  const pending = queues.map((queue) => [...queue]);
  const out: T[] = [];
  for (const pick of picks) {
    const open = pending.filter((queue) => queue.length > 0);
    if (open.length === 0) break;
    out.push(open[pick % open.length].shift()!);
  }
  for (const queue of pending) out.push(...queue);
  return out;
}

const byKey = (rows: unknown[][]) => [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
const normalized = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

describe('end-user projections: the inline SQL (properties)', () => {
  let db: Database;

  beforeAll(() => {
    db = Database.connect({ ...loadConfig(), DB_POOL_MAX: 2 }, 'projection-properties');
  });
  afterAll(() => db.close());

  it('(d) appends interleaved across streams, some written twice, leave the rows and totals the model expects', async () => {
    await fc.assert(
      fc.asyncProperty(
        historiesArb,
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        async (histories, picks, cuts, twice) => {
          const { platforms, streams } = withFreshIds(histories);
          const queues = streams.map(({ batches }) => {
            let state: EndUserState = initialState();
            let version = 0;
            return splitAt(batches.flat(), cuts).map((batch) => {
              const before: StreamAt = { state, version };
              state = batch.reduce(evolve, state);
              version += batch.length;
              return { before, after: { state, version } };
            });
          });
          for (const [step, { before, after }] of interleave(queues, picks).entries()) {
            for (let times = twice[step] ? 2 : 1; times > 0; times--) {
              const statement = new Statement();
              withEndUserProjections(statement, before, after);
              await statement.run(db, 'SELECT 1');
            }
          }

          const expected = streams.map(({ batches }) => expectedReadRows(batches.flat()));
          const ids = streams.map((stream) => stream.endUserId);
          for (const projection of STREAM_PROJECTIONS) {
            const rows = await db.query<Record<string, unknown>>(
              `SELECT ${projection.columns.join(', ')} FROM ${projection.table} WHERE ${projection.endUserColumn} = ANY($1::uuid[])`,
              [ids],
            );
            const stored = rows.map((row) => projection.columns.map((column) => normalized(row[column])));
            expect(byKey(stored)).toEqual(byKey(expected.flatMap((rows) => (projection.table === 'end_users' ? rows.users : rows.keys))));
          }
          const totals = await db.query<{ platform_id: string; total: number }>(
            'SELECT platform_id, sum(count)::int AS total FROM platform_end_user_counts WHERE platform_id = ANY($1::uuid[]) GROUP BY 1',
            [platforms],
          );
          for (const platform of platforms) {
            const live = expected.filter((rows) => rows.users[0]?.[1] === platform).length;
            expect([platform, totals.find((row) => row.platform_id === platform)?.total ?? 0]).toEqual([platform, live]);
          }
        },
      ),
      RUNS,
    );
  }, 120_000);
});
