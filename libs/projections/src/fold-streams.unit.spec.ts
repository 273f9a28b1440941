import { endUserStreamId } from '@app/end-users';
import fc from 'fast-check';
import { streamRanges, StreamRange } from './fold-streams';

const contains = ({ from, to }: StreamRange, streamId: string) => (from === null || streamId >= from) && (to === null || streamId < to);

describe('stream ranges of a parallel rebuild', () => {
  it('given one part, is every stream', () => {
    expect(streamRanges(1)).toEqual([{ from: null, to: null }]);
  });

  it('given two parts, cuts at the middle of the end-user ids', () => {
    expect(streamRanges(2)).toEqual([
      { from: null, to: 'end_user-8' },
      { from: 'end_user-8', to: null },
    ]);
  });

  it('puts every end-user stream in exactly one range, for any number of parts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.uuid(), (parts, id) => {
        const ranges = streamRanges(parts);
        expect(ranges).toHaveLength(parts);
        expect(ranges.filter((range) => contains(range, endUserStreamId(id)))).toHaveLength(1);
      }),
    );
  });

  it('keeps the number of parts between 1 and 16', () => {
    expect(streamRanges(0)).toHaveLength(1);
    expect(streamRanges(40)).toHaveLength(16);
  });
});
