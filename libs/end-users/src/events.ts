import { AutoBudgetDecision } from './budgets';
import { IssuedApiKey } from './api-key';
import { JsonObject } from './json';

export type EndUserCreated = {
  type: 'EndUserCreated';
  data: {
    endUserId: string;
    platformId: string;
    externalId: string;
    displayName: string | null;
    metadata: JsonObject;
    createdAt: string;
    apiKey: IssuedApiKey;
    budget: AutoBudgetDecision | null;
  };
};

export type EndUserChanges = {
  displayName?: string | null;
  metadata?: JsonObject;
  isActive?: boolean;
};

export type EndUserUpdated = {
  type: 'EndUserUpdated';
  data: { endUserId: string; changes: EndUserChanges; updatedAt: string };
};

export type EndUserApiKeyIssued = {
  type: 'EndUserApiKeyIssued';
  data: { endUserId: string; apiKey: IssuedApiKey };
};

export type EndUserDeleted = {
  type: 'EndUserDeleted';
  data: { endUserId: string; platformId: string; externalId: string; deletedAt: string };
};

export type EndUserEvent = EndUserCreated | EndUserUpdated | EndUserApiKeyIssued | EndUserDeleted;
export type EndUserEventType = EndUserEvent['type'];

export const END_USER_EVENT_TYPES: readonly EndUserEventType[] = ['EndUserCreated', 'EndUserUpdated', 'EndUserApiKeyIssued', 'EndUserDeleted'];

export const END_USER_STREAM_PREFIX = 'end_user-';

export function endUserStreamId(endUserId: string): string {
  return `${END_USER_STREAM_PREFIX}${endUserId}`;
}

/** The end user a stream id of endUserStreamId names. */
export function endUserIdOfStream(streamId: string): string {
  if (!streamId.startsWith(END_USER_STREAM_PREFIX)) throw new Error(`${streamId} is not an end-user stream`);
  return streamId.slice(END_USER_STREAM_PREFIX.length);
}
