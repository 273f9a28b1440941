import { EndUserEvent } from '@app/end-users';
import { StoredEvent } from '@app/event-store';
import { endUserAsOf } from './end-user-as-of';

const USER = '6f1c2c5e-2a4b-4c1e-9a43-0f3c1b7d8e01';
const PLATFORM = '0b8f4c2a-9d3e-4f5a-8b6c-7d8e9f0a1b2c';
const at = (iso: string) => new Date(iso);

function stream(...events: [EndUserEvent, string][]): StoredEvent[] {
  return events.map(([event, occurredAt], index) => ({
    eventId: `00000000-0000-4000-8000-00000000000${index}`,
    type: event.type,
    schemaVersion: 1,
    data: event.data,
    globalPosition: BigInt(index + 1),
    streamId: `end_user-${USER}`,
    streamVersion: index + 1,
    metadata: { requestId: null, actorKeyId: null, occurredAt },
    recordedAt: new Date(occurredAt),
  }));
}

const created: EndUserEvent = {
  type: 'EndUserCreated',
  data: {
    endUserId: USER,
    platformId: PLATFORM,
    externalId: 'ext-1',
    displayName: 'First',
    metadata: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    apiKey: { keyId: 'k1', keyPrefix: 'sk-eu_ab', name: 'Default key', scopes: ['inference'], issuedAt: '2026-01-01T00:00:00.000Z' },
    budget: null,
  },
};
const renamed = (displayName: string, updatedAt: string): EndUserEvent => ({
  type: 'EndUserUpdated',
  data: { endUserId: USER, changes: { displayName }, updatedAt },
});
const deleted: EndUserEvent = {
  type: 'EndUserDeleted',
  data: { endUserId: USER, platformId: PLATFORM, externalId: 'ext-1', deletedAt: '2026-01-04T00:00:00.000Z' },
};

describe('endUserAsOf', () => {
  const lifetime: [EndUserEvent, string][] = [
    [created, '2026-01-01T00:00:00.000Z'],
    [renamed('Second', '2026-01-02T00:00:00.000Z'), '2026-01-02T00:00:00.000Z'],
    [renamed('Third', '2026-01-03T00:00:00.000Z'), '2026-01-03T00:00:00.000Z'],
  ];
  const history = stream(...lifetime);

  it('is null before the user was created', () => {
    expect(endUserAsOf(history, null, PLATFORM, at('2025-12-31T23:59:59.999Z'))).toBeNull();
  });

  it('includes an event that occurred exactly at as_of', () => {
    expect(endUserAsOf(history, null, PLATFORM, at('2026-01-02T00:00:00.000Z'))).toMatchObject({
      displayName: 'Second',
      updatedAt: '2026-01-02T00:00:00.000Z',
    });
  });

  it('folds up to as_of and no further', () => {
    expect(endUserAsOf(history, null, PLATFORM, at('2026-01-01T12:00:00Z'))?.displayName).toBe('First');
    expect(endUserAsOf(history, null, PLATFORM, at('2026-01-02T12:00:00Z'))?.displayName).toBe('Second');
    expect(endUserAsOf(history, null, PLATFORM, at('2030-01-01T00:00:00Z'))?.displayName).toBe('Third');
  });

  it('is null for another platform', () => {
    expect(endUserAsOf(history, null, '11111111-1111-4111-8111-111111111111', at('2030-01-01T00:00:00Z'))).toBeNull();
  });

  it('is null at any time once the user is deleted', () => {
    const gone = stream(...lifetime, [deleted, '2026-01-04T00:00:00.000Z']);
    expect(endUserAsOf(gone, null, PLATFORM, at('2026-01-02T12:00:00Z'))).toBeNull();
    expect(endUserAsOf(gone, null, PLATFORM, at('2030-01-01T00:00:00Z'))).toBeNull();
  });

  it('stops at the first later event, so a skewed later version is never applied out of order', () => {
    const skewed = stream(
      [created, '2026-01-01T00:00:00.000Z'],
      [renamed('Second', '2026-01-03T00:00:00.000Z'), '2026-01-03T00:00:00.000Z'],
      [renamed('Third', '2026-01-02T00:00:00.000Z'), '2026-01-02T00:00:00.000Z'],
    );
    expect(endUserAsOf(skewed, null, PLATFORM, at('2026-01-02T12:00:00Z'))?.displayName).toBe('First');
  });

  it('is null for an empty stream', () => {
    expect(endUserAsOf([], null, PLATFORM, at('2030-01-01T00:00:00Z'))).toBeNull();
  });
});
