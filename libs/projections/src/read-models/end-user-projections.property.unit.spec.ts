import { EndUserEvent, EndUserState, evolve, fold, initialState } from '@app/end-users';
import fc from 'fast-check';
import { acceptedBatches, commandSequenceArb, splitAt } from '../../../../test/support/end-user-arbitraries';
import { expectedReadRows } from '../../../../test/support/read-model-oracle';
import { STREAM_PROJECTIONS } from './end-user-projections';
import { END_USER_API_KEYS_PROJECTION } from './end-user-api-keys.projection';
import { END_USERS_PROJECTION } from './end-users.projection';
import { RowChanges, rowChanges, StreamAt, StreamProjection } from './stream-projection';

/**
 * Properties of the one definition of each read table, over event histories the decider really
 * produces (several end-user streams, interleaved), checked against an independent model of what
 * the tables must hold (test/support/read-model-oracle): (a) a rebuild's rows, rowsOf(fold(events)),
 * are the model's; (d) the inline changes, batch by batch and interleaved across streams, end at
 * the model's rows too, and applying one twice (a replay) changes nothing more. The SQL that
 * carries the changes out is checked against the same model in end-user-projections.property.int.spec.ts.
 */

const RUNS = { numRuns: 200 };
const streamIds = ['0a', '1b', '2c', '3d'].map((n) => `${n}${'0'.repeat(6)}-0000-4000-8000-${'0'.repeat(12)}`);

/** Up to four streams with the batches the decider accepted for each, as appended one command at a time. */
const historiesArb = fc
  .integer({ min: 1, max: streamIds.length })
  .chain((count) => fc.tuple(...streamIds.slice(0, count).map((id) => commandSequenceArb(id, 20).map((commands) => ({ id, ...acceptedBatches(commands) })))));

/** Per-stream batches in one arbitrary interleaving that keeps each stream's order, as concurrent appends would. */
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

/**
 * A table as the write rule of StreamProjection says (the SQL's ON CONFLICT): a row is inserted if
 * absent, replaced only by one with a greater version (when the projection has a version column),
 * and removed by key.
 */
class Table {
  readonly rows = new Map<unknown, unknown[]>();
  constructor(private readonly projection: StreamProjection) {}

  apply({ upserts, removedKeys }: RowChanges): void {
    const { columns, key, versionColumn } = this.projection;
    const keyAt = columns.indexOf(key);
    const versionAt = versionColumn ? columns.indexOf(versionColumn) : -1;
    for (const removed of removedKeys) this.rows.delete(removed);
    for (const row of upserts) {
      const stored = this.rows.get(row[keyAt]);
      if (!stored || (versionAt >= 0 && (stored[versionAt] as number) < (row[versionAt] as number))) this.rows.set(row[keyAt], row);
    }
  }
}

const byKey = (rows: unknown[][]) => [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

function expectedTables(streams: { events: EndUserEvent[] }[]) {
  const rows = streams.map(({ events }) => expectedReadRows(events));
  return { [END_USERS_PROJECTION.name]: byKey(rows.flatMap((r) => r.users)), [END_USER_API_KEYS_PROJECTION.name]: byKey(rows.flatMap((r) => r.keys)) };
}

/** Each append (batch) of a stream as its state before and after. */
function appendsOf(batches: EndUserEvent[][]): { before: StreamAt; after: StreamAt }[] {
  let state: EndUserState = initialState();
  let version = 0;
  return batches.map((batch) => {
    const before = { state, version };
    state = batch.reduce(evolve, state);
    version += batch.length;
    return { before, after: { state, version } };
  });
}

describe('end-user projections (properties)', () => {
  it('(a) the rows of a rebuild, rowsOf(fold(events)), are the rows the model expects', () => {
    fc.assert(
      fc.property(historiesArb, (histories) => {
        const streams = histories.map(({ batches }) => ({ events: batches.flat() }));
        const expected = expectedTables(streams);
        for (const projection of STREAM_PROJECTIONS) {
          const rebuilt = streams.flatMap(({ events }) => projection.rowsOf(fold(events, initialState()), events.length));
          expect(byKey(rebuilt)).toEqual(expected[projection.name]);
        }
      }),
      RUNS,
    );
  });

  it('(d) the inline changes, batch by batch and interleaved across streams, end at the rows the model expects', () => {
    fc.assert(
      fc.property(historiesArb, fc.array(fc.nat(), { maxLength: 80 }), fc.array(fc.boolean(), { maxLength: 80 }), (histories, picks, cuts) => {
        // Re-batch each stream's events arbitrarily: a batch is what one append carries.
        const queues = histories.map(({ batches }) => appendsOf(splitAt(batches.flat(), cuts)));
        const tables = STREAM_PROJECTIONS.map((projection) => new Table(projection));
        for (const { before, after } of interleave(queues, picks)) {
          STREAM_PROJECTIONS.forEach((projection, index) => tables[index].apply(rowChanges(projection, before, after)));
        }
        const expected = expectedTables(histories.map(({ batches }) => ({ events: batches.flat() })));
        STREAM_PROJECTIONS.forEach((projection, index) => expect(byKey([...tables[index].rows.values()])).toEqual(expected[projection.name]));
      }),
      RUNS,
    );
  });

  it('(d) applying the same change twice, as a replayed append would, changes nothing more', () => {
    fc.assert(
      fc.property(historiesArb, (histories) => {
        for (const projection of STREAM_PROJECTIONS) {
          const once = new Table(projection);
          const twice = new Table(projection);
          for (const { batches } of histories) {
            for (const { before, after } of appendsOf(batches)) {
              const changes = rowChanges(projection, before, after);
              once.apply(changes);
              twice.apply(changes);
              twice.apply(changes);
            }
          }
          expect([...twice.rows.entries()]).toEqual([...once.rows.entries()]);
        }
      }),
      RUNS,
    );
  });
});
