import { EndUserEvent, EndUserReadModelChange, EndUserState, evolve, fold, initialState, readModelChange } from '@app/end-users';
import fc from 'fast-check';
import { acceptedBatches, commandSequenceArb, splitAt } from '../../../test/support/end-user-arbitraries';
import { EventRow, FoldedStream, StreamFolder } from './stream-folder';
import { END_USER_API_KEYS_PROJECTION, END_USERS_PROJECTION } from './stream-projections';

/**
 * Properties of the read side over event histories the decider really produces (several end-user
 * streams, interleaved): (d) the inline projection, applying readModelChange batch by batch, ends
 * where a rebuild's rowsOf(fold(events)) does; (e) StreamFolder gives the same result however the
 * rows are split into pages.
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
 * The SQL of applyEndUserProjection (libs/read-models) restated over maps: an upsert writes the user
 * row unless the stored row is at or past its version, and inserts new key rows unless present;
 * a remove deletes the user row and its keys.
 */
class ReadTables {
  readonly users = new Map<string, unknown[]>();
  readonly keys = new Map<string, unknown[]>();

  apply(change: EndUserReadModelChange | null): void {
    if (change === null) return;
    if (change.kind === 'remove') {
      this.users.delete(change.endUserId);
      for (const [id, row] of this.keys) if (row[2] === change.endUserId) this.keys.delete(id);
      return;
    }
    const { user, streamVersion, newKeys } = change;
    const stored = this.users.get(user.id);
    if (!stored) {
      this.users.set(user.id, [
        user.id,
        user.platformId,
        user.externalId,
        user.displayName,
        user.metadata,
        user.isActive,
        user.createdAt,
        user.updatedAt,
        streamVersion,
      ]);
    } else if ((stored[8] as number) < streamVersion) {
      this.users.set(user.id, [stored[0], stored[1], stored[2], user.displayName, user.metadata, user.isActive, stored[6], user.updatedAt, streamVersion]);
    }
    for (const key of newKeys) {
      if (!this.keys.has(key.keyId)) {
        this.keys.set(key.keyId, [key.keyId, user.platformId, user.id, key.keyPrefix, key.name, key.scopes, true, null, null, key.issuedAt]);
      }
    }
  }
}

const byId = (rows: unknown[][]) => [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

/** What a rebuild writes for these streams: rowsOf the folded state at its version. */
function rebuiltRows(streams: { id: string; events: EndUserEvent[] }[]) {
  const users: unknown[][] = [];
  const keys: unknown[][] = [];
  for (const { events } of streams) {
    const state = fold(events, initialState());
    users.push(...END_USERS_PROJECTION.rowsOf(state, events.length));
    keys.push(...END_USER_API_KEYS_PROJECTION.rowsOf(state, events.length));
  }
  return { users: byId(users), keys: byId(keys) };
}

/** Stored rows of the events table for these streams: ordered by (stream_id, stream_version), payload through JSON as jsonb gives it back. */
function eventRows(streams: { id: string; events: EndUserEvent[] }[]): EventRow[] {
  let position = 0;
  return [...streams]
    .sort((a, b) => a.id.localeCompare(b.id))
    .flatMap(({ id, events }) =>
      events.map((event, index) => ({
        global_position: String(++position),
        stream_id: `end_user-${id}`,
        stream_version: index + 1,
        event_type: event.type,
        schema_version: 1,
        payload: JSON.parse(JSON.stringify(event.data)),
      })),
    );
}

describe('read-model projection (properties)', () => {
  it('(d) applying readModelChange batch by batch, interleaved across streams, gives the rows rowsOf(fold(events)) describes', () => {
    fc.assert(
      fc.property(historiesArb, fc.array(fc.nat(), { maxLength: 80 }), fc.array(fc.boolean(), { maxLength: 80 }), (histories, picks, cuts) => {
        // Re-batch each stream's events arbitrarily: a batch is what one append carries.
        const queues = histories.map(({ id, batches }) => {
          let state: EndUserState = initialState();
          let version = 0;
          return splitAt(batches.flat(), cuts).map((batch) => {
            state = batch.reduce(evolve, state);
            version += batch.length;
            return { id, change: readModelChange(state, version, batch) };
          });
        });
        const tables = new ReadTables();
        for (const { change } of interleave(queues, picks)) tables.apply(change);

        const streams = histories.map(({ id, batches }) => ({ id, events: batches.flat() }));
        const expected = rebuiltRows(streams);
        expect(byId([...tables.users.values()])).toEqual(expected.users);
        expect(byId([...tables.keys.values()])).toEqual(expected.keys);

        for (const { id, events } of streams) {
          const deleted = events.some((event) => event.type === 'EndUserDeleted');
          const issued = events.filter((event) => event.type === 'EndUserCreated' || event.type === 'EndUserApiKeyIssued').length;
          const userRows = expected.users.filter((row) => row[0] === id);
          const keyRows = expected.keys.filter((row) => row[2] === id);
          // One user row per live user, one key row per issued key, nothing once deleted.
          expect({ userRows: userRows.length, keyRows: keyRows.length }).toEqual(
            deleted || events.length === 0 ? { userRows: 0, keyRows: 0 } : { userRows: 1, keyRows: issued },
          );
        }
      }),
      RUNS,
    );
  });

  it('(d) applying the same change twice, as a retried transaction would, changes nothing more', () => {
    fc.assert(
      fc.property(historiesArb, (histories) => {
        const once = new ReadTables();
        const twice = new ReadTables();
        for (const { batches } of histories) {
          let state: EndUserState = initialState();
          let version = 0;
          for (const batch of batches) {
            state = batch.reduce(evolve, state);
            version += batch.length;
            const change = readModelChange(state, version, batch);
            once.apply(change);
            twice.apply(change);
            twice.apply(change);
          }
        }
        expect([...twice.users.entries()]).toEqual([...once.users.entries()]);
        expect([...twice.keys.entries()]).toEqual([...once.keys.entries()]);
      }),
      RUNS,
    );
  });

  it('(e) StreamFolder over the same rows split into arbitrary pages gives the same streams as one page, and each is fold(events)', () => {
    fc.assert(
      fc.property(historiesArb, fc.array(fc.boolean(), { maxLength: 80 }), fc.array(fc.nat({ max: 2 }), { maxLength: 10 }), (histories, cuts, emptyPages) => {
        const streams = histories.map(({ id, batches }) => ({ id, events: batches.flat() }));
        const rows = eventRows(streams);

        const single = new StreamFolder();
        const whole: FoldedStream[] = [...single.push(rows), ...single.flush()];

        const paged = new StreamFolder();
        const pages: EventRow[][] = splitAt(rows, cuts);
        // Empty pages anywhere (a FETCH can return fewer rows) must not end a stream early.
        emptyPages.forEach((at, index) => pages.splice(Math.min(at + index, pages.length), 0, []));
        const pieces: FoldedStream[] = [];
        for (const page of pages) pieces.push(...paged.push(page));
        pieces.push(...paged.flush());

        expect(pieces).toEqual(whole);
        const nonEmpty = [...streams].filter((s) => s.events.length > 0).sort((a, b) => a.id.localeCompare(b.id));
        expect(whole.map((s) => s.streamId)).toEqual(nonEmpty.map((s) => `end_user-${s.id}`));
        for (const folded of whole) {
          const { events } = nonEmpty.find((s) => `end_user-${s.id}` === folded.streamId)!;
          expect(folded.version).toBe(events.length);
          expect(folded.events).toBe(events.length);
          expect(folded.state).toEqual(fold(events, initialState()));
        }
      }),
      RUNS,
    );
  });
});
