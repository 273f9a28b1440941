import { EndUserCreated, EndUserDeleted } from './events';
import { fold } from './evolve';
import { readModelChange } from './read-model';
import { initialState } from './state';

const created: EndUserCreated = {
  type: 'EndUserCreated',
  data: {
    endUserId: 'u1',
    platformId: 'p1',
    externalId: 'x1',
    displayName: null,
    metadata: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    apiKey: { keyId: 'k1', name: 'Default key', scopes: ['inference'], keyPrefix: 'sk-eu_ab', issuedAt: '2026-01-01T00:00:00.000Z' },
    budget: null,
  },
};

describe('end user read model', () => {
  it('given a created user, upserts the row at its stream version with the new key', () => {
    const change = readModelChange(fold([created], initialState()), 1, [created]);
    expect(change).toEqual({
      kind: 'upsert',
      streamVersion: 1,
      user: {
        id: 'u1',
        platformId: 'p1',
        externalId: 'x1',
        displayName: null,
        metadata: {},
        isActive: true,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      },
      newKeys: [{ ...created.data.apiKey, endUserId: 'u1', platformId: 'p1' }],
    });
  });

  it('given a deleted user, removes it', () => {
    const deleted: EndUserDeleted = {
      type: 'EndUserDeleted',
      data: { endUserId: 'u1', platformId: 'p1', externalId: 'x1', deletedAt: '2026-01-02T00:00:00.000Z' },
    };
    expect(readModelChange(fold([created, deleted], initialState()), 2, [deleted])).toEqual({ kind: 'remove', endUserId: 'u1' });
  });

  it('given no events, changes nothing', () => {
    expect(readModelChange(initialState(), 0, [])).toBeNull();
  });
});
