import { EndUserApiKeyIssued, EndUserCreated, EndUserDeleted, fold, initialState } from '@app/end-users';
import { END_USER_API_KEYS_PROJECTION } from './end-user-api-keys.projection';
import { END_USERS_PROJECTION } from './end-users.projection';
import { rowChanges } from './stream-projection';

const at = '2026-01-01T00:00:00.000Z';
const key = (keyId: string) => ({ keyId, name: 'Default key', scopes: ['inference'], keyPrefix: 'sk-eu_ab', issuedAt: at });
const created: EndUserCreated = {
  type: 'EndUserCreated',
  data: { endUserId: 'u1', platformId: 'p1', externalId: 'x1', displayName: null, metadata: {}, createdAt: at, apiKey: key('k1'), budget: null },
};
const issued: EndUserApiKeyIssued = { type: 'EndUserApiKeyIssued', data: { endUserId: 'u1', apiKey: key('k2') } };
const deleted: EndUserDeleted = {
  type: 'EndUserDeleted',
  data: { endUserId: 'u1', platformId: 'p1', externalId: 'x1', deletedAt: '2026-01-02T00:00:00.000Z' },
};

const absent = { state: initialState(), version: 0 };
const after = (...events: (EndUserCreated | EndUserApiKeyIssued | EndUserDeleted)[]) => ({ state: fold(events, initialState()), version: events.length });

describe('inline changes of the end-user projections', () => {
  it('given a created user, upserts its row at its stream version and its key', () => {
    expect(rowChanges(END_USERS_PROJECTION, absent, after(created))).toEqual({
      upserts: [['u1', 'p1', 'x1', null, {}, true, at, at, 1]],
      removedKeys: [],
    });
    expect(rowChanges(END_USER_API_KEYS_PROJECTION, absent, after(created))).toEqual({
      upserts: [['k1', 'p1', 'u1', 'sk-eu_ab', 'Default key', ['inference'], true, null, null, at]],
      removedKeys: [],
    });
  });

  it('given a key issued, writes the user row at its new version and only the new key', () => {
    expect(rowChanges(END_USERS_PROJECTION, after(created), after(created, issued)).upserts).toEqual([['u1', 'p1', 'x1', null, {}, true, at, at, 2]]);
    expect(rowChanges(END_USER_API_KEYS_PROJECTION, after(created), after(created, issued))).toEqual({
      upserts: [['k2', 'p1', 'u1', 'sk-eu_ab', 'Default key', ['inference'], true, null, null, at]],
      removedKeys: [],
    });
  });

  it('given a deleted user, removes its row and its keys', () => {
    expect(rowChanges(END_USERS_PROJECTION, after(created, issued), after(created, issued, deleted))).toEqual({ upserts: [], removedKeys: ['u1'] });
    expect(rowChanges(END_USER_API_KEYS_PROJECTION, after(created, issued), after(created, issued, deleted))).toEqual({
      upserts: [],
      removedKeys: ['k1', 'k2'],
    });
  });

  it('given no events, changes nothing', () => {
    expect(rowChanges(END_USERS_PROJECTION, absent, absent)).toEqual({ upserts: [], removedKeys: [] });
    expect(rowChanges(END_USER_API_KEYS_PROJECTION, after(created), after(created))).toEqual({ upserts: [], removedKeys: [] });
  });
});
