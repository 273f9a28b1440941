import { decodeEndUserEvent, encodeEndUserEvent, UnknownEndUserEvent } from './event-codec';

describe('decodeEndUserEvent', () => {
  it('reads a current event as it is', () => {
    const data = { endUserId: 'u1', changes: { isActive: false }, updatedAt: '2026-01-01T00:00:00.000Z' };
    expect(decodeEndUserEvent({ type: 'EndUserUpdated', schemaVersion: 1, data })).toEqual({ type: 'EndUserUpdated', data });
  });

  it('refuses an unknown type or a version from the future', () => {
    expect(() => decodeEndUserEvent({ type: 'EndUserRenamed', schemaVersion: 1, data: {} })).toThrow(UnknownEndUserEvent);
    expect(() => decodeEndUserEvent({ type: 'EndUserUpdated', schemaVersion: 2, data: {} })).toThrow(UnknownEndUserEvent);
    expect(() => decodeEndUserEvent({ type: 'EndUserUpdated', schemaVersion: 0, data: {} })).toThrow(UnknownEndUserEvent);
  });
});

describe('encodeEndUserEvent', () => {
  it('writes an event at its current schema version, and decoding gives it back', () => {
    const event = { type: 'EndUserUpdated' as const, data: { endUserId: 'u1', changes: { displayName: null }, updatedAt: '2026-01-01T00:00:00.000Z' } };
    const encoded = encodeEndUserEvent(event);
    expect(encoded).toEqual({ type: 'EndUserUpdated', schemaVersion: 1, data: event.data });
    expect(decodeEndUserEvent(JSON.parse(JSON.stringify(encoded)))).toEqual(event);
  });
});
