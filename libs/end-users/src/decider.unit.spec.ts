import { deciderSpecification } from './testing';
import { CreateEndUser } from './commands';
import { endUserDecider } from './decider';
import { EndUserAlreadyExists, EndUserNotFound, EndUserWasDeleted } from './errors';
import { EndUserCreated, EndUserDeleted, EndUserUpdated } from './events';
import { fold } from './evolve';
import { initialState } from './state';

const spec = deciderSpecification(endUserDecider);
const platformId = '11111111-1111-4111-8111-111111111111';
const otherPlatformId = '22222222-2222-4222-8222-222222222222';
const endUserId = '33333333-3333-4333-8333-333333333333';
const t0 = new Date('2026-04-08T10:30:00.000Z');
const t1 = new Date('2026-04-09T08:00:00.000Z');

const create = (defaultBudgetUsd: string | null = null): CreateEndUser => ({
  type: 'CreateEndUser',
  data: {
    endUserId,
    platformId,
    externalId: 'user-123',
    displayName: 'Jane Smith',
    metadata: { plan: 'pro' },
    apiKey: { keyId: 'key-1', keyPrefix: 'sk-eu_10' },
    budgetId: 'budget-1',
    defaultBudgetUsd,
    now: t0,
  },
});

const created: EndUserCreated = {
  type: 'EndUserCreated',
  data: {
    endUserId,
    platformId,
    externalId: 'user-123',
    displayName: 'Jane Smith',
    metadata: { plan: 'pro' },
    createdAt: t0.toISOString(),
    apiKey: { keyId: 'key-1', name: 'Default key', scopes: ['inference'], keyPrefix: 'sk-eu_10', issuedAt: t0.toISOString() },
    budget: null,
  },
};

const deleted: EndUserDeleted = {
  type: 'EndUserDeleted',
  data: { endUserId, platformId, externalId: 'user-123', deletedAt: t1.toISOString() },
};

describe('end user decider', () => {
  describe('CreateEndUser', () => {
    it('given no history, creates the user with its default key and no budget', () => {
      spec.given([]).when(create()).then([created]);
    });

    it('given a platform default budget, decides the monthly auto-budget with its id', () => {
      spec
        .given([])
        .when(create('25.000000'))
        .then([
          {
            ...created,
            data: {
              ...created.data,
              budget: { budgetId: 'budget-1', maxUsd: '25.000000', period: 'monthly', periodStart: '2026-04-01T00:00:00.000Z' },
            },
          },
        ]);
    });

    it('given an existing stream, refuses to create it again', () => {
      spec.given([created]).when(create()).thenThrows(EndUserAlreadyExists);
    });
  });

  describe('IssueApiKey', () => {
    const issue = (forPlatform = platformId) =>
      ({ type: 'IssueApiKey', data: { endUserId, platformId: forPlatform, apiKey: { keyId: 'key-2', keyPrefix: 'sk-eu_ab' }, now: t1 } }) as const;

    it('given an existing user, issues another default key', () => {
      spec
        .given([created])
        .when(issue())
        .then([
          {
            type: 'EndUserApiKeyIssued',
            data: { endUserId, apiKey: { keyId: 'key-2', name: 'Default key', scopes: ['inference'], keyPrefix: 'sk-eu_ab', issuedAt: t1.toISOString() } },
          },
        ]);
    });

    it('given no user, fails with not found', () => {
      spec.given([]).when(issue()).thenThrows(EndUserNotFound);
    });

    it("given another platform's user, fails exactly as if it did not exist", () => {
      spec.given([created]).when(issue(otherPlatformId)).thenThrows(EndUserNotFound);
    });

    it('given a deleted user, refuses', () => {
      spec.given([created, deleted]).when(issue()).thenThrows(EndUserWasDeleted);
    });
  });

  describe('UpdateEndUser', () => {
    const update = (changes: object, forPlatform = platformId) =>
      ({ type: 'UpdateEndUser', data: { endUserId, platformId: forPlatform, changes, now: t1 } }) as const;

    it('records only the fields that change', () => {
      spec
        .given([created])
        .when(update({ displayName: 'Jane Smith', metadata: { plan: 'team' }, isActive: false }))
        .then([{ type: 'EndUserUpdated', data: { endUserId, changes: { metadata: { plan: 'team' }, isActive: false }, updatedAt: t1.toISOString() } }]);
    });

    it('decides nothing when nothing changes, including an equal metadata object', () => {
      spec.given([created]).when(update({})).then([]);
      spec
        .given([created])
        .when(update({ metadata: { plan: 'pro' }, isActive: true }))
        .then([]);
    });

    it('replaces metadata entirely rather than merging', () => {
      const events = endUserDecider.decide(update({ metadata: { seats: 3 } }), fold([created], initialState()));
      const state = fold(events, fold([created], initialState()));
      expect(state.status === 'existing' && state.user.metadata).toEqual({ seats: 3 });
    });

    it('clears the display name with null', () => {
      spec
        .given([created])
        .when(update({ displayName: null }))
        .then([{ type: 'EndUserUpdated', data: { endUserId, changes: { displayName: null }, updatedAt: t1.toISOString() } }]);
    });

    it('fails for a missing, foreign or deleted user', () => {
      spec
        .given([])
        .when(update({ isActive: false }))
        .thenThrows(EndUserNotFound);
      spec
        .given([created])
        .when(update({ isActive: false }, otherPlatformId))
        .thenThrows(EndUserNotFound);
      spec
        .given([created, deleted])
        .when(update({ isActive: false }))
        .thenThrows(EndUserWasDeleted);
    });
  });

  describe('DeleteEndUser', () => {
    const del = (forPlatform = platformId) => ({ type: 'DeleteEndUser', data: { endUserId, platformId: forPlatform, now: t1 } }) as const;

    it('deletes an existing user, carrying the external id it releases', () => {
      spec.given([created]).when(del()).then([deleted]);
    });

    it('refuses a second delete, a missing user and a foreign one', () => {
      spec.given([created, deleted]).when(del()).thenThrows(EndUserWasDeleted);
      spec.given([]).when(del()).thenThrows(EndUserNotFound);
      spec.given([created]).when(del(otherPlatformId)).thenThrows(EndUserNotFound);
    });
  });

  describe('evolve', () => {
    it('folds created, updated, key issued and deleted into the final state', () => {
      const updated: EndUserUpdated = { type: 'EndUserUpdated', data: { endUserId, changes: { isActive: false }, updatedAt: t1.toISOString() } };
      const state = fold([created, updated, deleted], initialState());
      expect(state).toMatchObject({ status: 'deleted', user: { isActive: false, updatedAt: t1.toISOString(), createdAt: t0.toISOString() } });
    });
  });
});
