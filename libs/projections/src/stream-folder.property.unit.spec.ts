import { encodeEndUserEvent, EndUserEvent, endUserStreamId, fold, initialState } from '@app/end-users';
import { DataKeys, KekRing } from '@app/personal-data';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { acceptedBatches, commandSequenceArb, splitAt } from '../../../test/support/end-user-arbitraries';
import { EventRow, FoldedStream, StreamFolder } from './stream-folder';

/**
 * Properties of the rebuild's reader over event histories the decider really produces (several
 * end-user streams): (e) StreamFolder gives the same result however the rows are split into pages,
 * and each stream is fold(events). (The projections' own properties, (a) and (d), are in
 * libs/projections/src/read-models.)
 */

const RUNS = { numRuns: 200 };
const dataKeys = new DataKeys(new KekRing([{ id: 'test', key: randomBytes(32) }]));
const streamIds = ['0a', '1b', '2c', '3d'].map((n) => `${n}${'0'.repeat(6)}-0000-4000-8000-${'0'.repeat(12)}`);

/** Up to four streams with the batches the decider accepted for each, as appended one command at a time. */
const historiesArb = fc
  .integer({ min: 1, max: streamIds.length })
  .chain((count) => fc.tuple(...streamIds.slice(0, count).map((id) => commandSequenceArb(id, 20).map((commands) => ({ id, ...acceptedBatches(commands) })))));

/** Stored rows of the events table for these streams: ordered by (stream_id, stream_version), payload through JSON as jsonb gives it back. */
function eventRows(streams: { id: string; events: EndUserEvent[] }[]): EventRow[] {
  let position = 0;
  return [...streams]
    .sort((a, b) => a.id.localeCompare(b.id))
    .flatMap(({ id, events }) => {
      const { cipher, wrapped } = dataKeys.newKey(id);
      return events.map((event, index) => {
        const encoded = encodeEndUserEvent(event, cipher);
        return {
          global_position: String(++position),
          stream_id: endUserStreamId(id),
          stream_version: index + 1,
          event_type: encoded.type,
          schema_version: encoded.schemaVersion,
          payload: JSON.parse(JSON.stringify(encoded.data)),
          kek_id: index === 0 ? wrapped.kekId : null,
          wrapped_key: index === 0 ? wrapped.wrapped : null,
        };
      });
    });
}

describe('stream folder (properties)', () => {
  it('(e) StreamFolder over the same rows split into arbitrary pages gives the same streams as one page, and each is fold(events)', () => {
    fc.assert(
      fc.property(historiesArb, fc.array(fc.boolean(), { maxLength: 80 }), fc.array(fc.nat({ max: 2 }), { maxLength: 10 }), (histories, cuts, emptyPages) => {
        const streams = histories.map(({ id, batches }) => ({ id, events: batches.flat() }));
        const rows = eventRows(streams);

        const single = new StreamFolder(dataKeys);
        const whole: FoldedStream[] = [...single.push(rows), ...single.flush()];

        const paged = new StreamFolder(dataKeys);
        const pages: EventRow[][] = splitAt(rows, cuts);
        // Empty pages anywhere (a FETCH can return fewer rows) must not end a stream early.
        emptyPages.forEach((at, index) => pages.splice(Math.min(at + index, pages.length), 0, []));
        const pieces: FoldedStream[] = [];
        for (const page of pages) pieces.push(...paged.push(page));
        pieces.push(...paged.flush());

        expect(pieces).toEqual(whole);
        const nonEmpty = [...streams].filter((s) => s.events.length > 0).sort((a, b) => a.id.localeCompare(b.id));
        expect(whole.map((s) => s.streamId)).toEqual(nonEmpty.map((s) => endUserStreamId(s.id)));
        for (const folded of whole) {
          const { events } = nonEmpty.find((s) => endUserStreamId(s.id) === folded.streamId)!;
          expect(folded.version).toBe(events.length);
          expect(folded.events).toBe(events.length);
          expect(folded.state).toEqual(fold(events, initialState()));
        }
      }),
      RUNS,
    );
  });
});
