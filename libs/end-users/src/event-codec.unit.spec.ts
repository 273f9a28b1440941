import { decodeEndUserEvent, UnknownEndUserEvent } from './event-codec';

describe('decodeEndUserEvent', () => {
  it('reads a current event as it is', () => {
    const data = { endUserId: 'u1', changes: { isActive: false }, updatedAt: '2026-01-01T00:00:00.000Z' };
    expect(decodeEndUserEvent('EndUserUpdated', 1, data)).toEqual({ type: 'EndUserUpdated', data });
  });

  it('refuses an unknown type or a version from the future', () => {
    expect(() => decodeEndUserEvent('EndUserRenamed', 1, {})).toThrow(UnknownEndUserEvent);
    expect(() => decodeEndUserEvent('EndUserUpdated', 2, {})).toThrow(UnknownEndUserEvent);
    expect(() => decodeEndUserEvent('EndUserUpdated', 0, {})).toThrow(UnknownEndUserEvent);
  });
});
