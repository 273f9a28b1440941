import { encodeEndUserEvent, EndUserEvent } from '@app/end-users';
import { DataKeys, KekRing } from '@app/personal-data';
import { randomBytes } from 'node:crypto';
import { EventRow, StreamFolder, UnapplicableEvent } from './stream-folder';
import { END_USER_API_KEYS_PROJECTION, END_USERS_PROJECTION } from './read-models';

const dataKeys = new DataKeys(new KekRing([{ id: 'test', key: randomBytes(32) }]));

const at = '2026-01-01T00:00:00.000Z';
const created = (n: number): EventRow => ({
  global_position: String(n * 10),
  stream_id: `end_user-u${n}`,
  stream_version: 1,
  event_type: 'EndUserCreated',
  schema_version: 1,
  kek_id: null,
  wrapped_key: null,
  payload: {
    endUserId: `u${n}`,
    platformId: 'p1',
    externalId: `x${n}`,
    displayName: null,
    metadata: {},
    createdAt: at,
    apiKey: { keyId: `k${n}`, name: 'Default key', scopes: ['inference'], keyPrefix: 'sk-eu_ab', issuedAt: at },
    budget: null,
  },
});
const deleted = (n: number, version: number): EventRow => ({
  global_position: String(n * 10 + version),
  stream_id: `end_user-u${n}`,
  stream_version: version,
  event_type: 'EndUserDeleted',
  schema_version: 1,
  kek_id: null,
  wrapped_key: null,
  payload: { endUserId: `u${n}`, platformId: 'p1', externalId: `x${n}`, deletedAt: at },
});

describe('StreamFolder', () => {
  it('given rows of several streams across pages, folds each stream once, in order', () => {
    const folder = new StreamFolder(dataKeys);
    const first = folder.push([created(1), created(2)]);
    const second = folder.push([deleted(2, 2), created(3)]);
    const last = folder.flush();
    expect(first.map((s) => s.streamId)).toEqual(['end_user-u1']);
    expect(second.map((s) => [s.streamId, s.state.status, s.version])).toEqual([['end_user-u2', 'deleted', 2]]);
    expect(last.map((s) => s.streamId)).toEqual(['end_user-u3']);
  });

  it('fails loudly on an event it cannot read, naming its position', () => {
    const folder = new StreamFolder(dataKeys);
    const bad = { ...created(4), event_type: 'EndUserRenamed' };
    expect(() => folder.push([bad])).toThrow(UnapplicableEvent);
    expect(() => new StreamFolder(dataKeys).push([bad])).toThrow(/position 40/);
  });

  it('fails on a gap in stream versions', () => {
    expect(() => new StreamFolder(dataKeys).push([created(5), deleted(5, 3)])).toThrow(/expected version 2/);
  });
});

describe('stream projections', () => {
  it('give a user row and its key rows for an existing user, nothing for a deleted one', () => {
    const [existing] = new StreamFolder(dataKeys).push([created(6), created(7)]);
    expect(END_USERS_PROJECTION.rowsOf(existing.state, 1)).toEqual([['u6', 'p1', 'x6', null, {}, true, at, at, 1]]);
    expect(END_USER_API_KEYS_PROJECTION.rowsOf(existing.state, 1)).toEqual([
      ['k6', 'p1', 'u6', 'sk-eu_ab', 'Default key', ['inference'], true, null, null, at],
    ]);
    const gone = new StreamFolder(dataKeys);
    gone.push([created(8), deleted(8, 2)]);
    const [deletedStream] = gone.flush();
    expect(END_USERS_PROJECTION.rowsOf(deletedStream.state, 2)).toEqual([]);
    expect(END_USER_API_KEYS_PROJECTION.rowsOf(deletedStream.state, 2)).toEqual([]);
  });
});

describe('StreamFolder on sealed streams', () => {
  const endUserId = '3f0c9a52-8d4e-4b1a-9c6f-2e7d5b8a1c30';
  const event: EndUserEvent = {
    type: 'EndUserCreated',
    data: { ...(created(9).payload as object), endUserId, externalId: 'marker-x', displayName: 'Marker', metadata: { m: 'marker' } } as never,
  };
  const { cipher, wrapped } = dataKeys.newKey(endUserId);
  const encoded = encodeEndUserEvent(event, cipher);
  const row = (key: typeof wrapped | null): EventRow => ({
    global_position: '90',
    stream_id: `end_user-${endUserId}`,
    stream_version: 1,
    event_type: encoded.type,
    schema_version: encoded.schemaVersion,
    payload: encoded.data,
    kek_id: key?.kekId ?? null,
    wrapped_key: key?.wrapped ?? null,
  });

  it('opens the personal fields with the key that rides on the first event', () => {
    const [stream] = new StreamFolder(dataKeys).push([row(wrapped), created(10)]);
    expect(stream.state.status === 'existing' && stream.state.user).toMatchObject({ externalId: 'marker-x', displayName: 'Marker', metadata: { m: 'marker' } });
  });

  it('folds a stream whose key is destroyed without any personal data', () => {
    const [stream] = new StreamFolder(dataKeys).push([row(null), created(10)]);
    expect(JSON.stringify(stream.state)).not.toContain('marker');
  });
});
