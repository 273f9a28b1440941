import { EndUserChanges } from './events';
import { JsonObject } from './json';

/** Ids, generated key facts and time come in with the command, so deciding stays pure. */
export interface NewApiKey {
  keyId: string;
  keyPrefix: string;
}

export type CreateEndUser = {
  type: 'CreateEndUser';
  data: {
    endUserId: string;
    platformId: string;
    externalId: string;
    displayName: string | null;
    metadata: JsonObject;
    apiKey: NewApiKey;
    budgetId: string;
    defaultBudgetUsd: string | null;
    now: Date;
  };
};

export type IssueApiKey = {
  type: 'IssueApiKey';
  data: { endUserId: string; platformId: string; apiKey: NewApiKey; now: Date };
};

export type UpdateEndUser = {
  type: 'UpdateEndUser';
  data: { endUserId: string; platformId: string; changes: EndUserChanges; now: Date };
};

export type DeleteEndUser = {
  type: 'DeleteEndUser';
  data: { endUserId: string; platformId: string; now: Date };
};

export type EndUserCommand = CreateEndUser | IssueApiKey | UpdateEndUser | DeleteEndUser;
