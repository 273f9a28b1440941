import { decideAutoBudget } from './budgets';
import { DEFAULT_KEY_NAME, DEFAULT_KEY_SCOPES, IssuedApiKey } from './api-key';
import { EndUserCommand, NewApiKey } from './commands';
import { EndUserAlreadyExists, EndUserNotFound, EndUserWasDeleted } from './errors';
import { EndUserChanges, EndUserEvent } from './events';
import { EndUser, EndUserState } from './state';

export function decide(command: EndUserCommand, state: EndUserState): EndUserEvent[] {
  switch (command.type) {
    case 'CreateEndUser': {
      const { data } = command;
      if (state.status !== 'absent') throw new EndUserAlreadyExists(data.endUserId);
      const createdAt = data.now.toISOString();
      return [
        {
          type: 'EndUserCreated',
          data: {
            endUserId: data.endUserId,
            platformId: data.platformId,
            externalId: data.externalId,
            displayName: data.displayName,
            metadata: data.metadata,
            createdAt,
            apiKey: issuedKey(data.apiKey, createdAt),
            budget: decideAutoBudget({ defaultBudgetUsd: data.defaultBudgetUsd, budgetId: data.budgetId, now: data.now }),
          },
        },
      ];
    }
    case 'IssueApiKey': {
      const user = requireLiveUser(state, command.data.endUserId, command.data.platformId);
      return [{ type: 'EndUserApiKeyIssued', data: { endUserId: user.id, apiKey: issuedKey(command.data.apiKey, command.data.now.toISOString()) } }];
    }
    case 'UpdateEndUser': {
      const user = requireLiveUser(state, command.data.endUserId, command.data.platformId);
      const changes = effectiveChanges(user, command.data.changes);
      if (Object.keys(changes).length === 0) return [];
      return [{ type: 'EndUserUpdated', data: { endUserId: user.id, changes, updatedAt: command.data.now.toISOString() } }];
    }
    case 'DeleteEndUser': {
      const user = requireLiveUser(state, command.data.endUserId, command.data.platformId);
      return [
        {
          type: 'EndUserDeleted',
          data: { endUserId: user.id, platformId: user.platformId, externalId: user.externalId, deletedAt: command.data.now.toISOString() },
        },
      ];
    }
  }
}

/** Another platform's user is indistinguishable from a missing one. */
function requireLiveUser(state: EndUserState, endUserId: string, platformId: string): EndUser {
  if (state.status === 'absent' || state.user.platformId !== platformId) throw new EndUserNotFound(endUserId);
  if (state.status === 'deleted') throw new EndUserWasDeleted(endUserId);
  return state.user;
}

function issuedKey(key: NewApiKey, issuedAt: string): IssuedApiKey {
  return { keyId: key.keyId, name: DEFAULT_KEY_NAME, scopes: [...DEFAULT_KEY_SCOPES], keyPrefix: key.keyPrefix, issuedAt };
}

/** Only fields whose value differs become part of the event. */
function effectiveChanges(user: EndUser, requested: EndUserChanges): EndUserChanges {
  const changes: EndUserChanges = {};
  if (requested.displayName !== undefined && requested.displayName !== user.displayName) changes.displayName = requested.displayName;
  if (requested.isActive !== undefined && requested.isActive !== user.isActive) changes.isActive = requested.isActive;
  if (requested.metadata !== undefined && !jsonEquals(requested.metadata, user.metadata)) changes.metadata = requested.metadata;
  return changes;
}

function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every(
    (key) => Object.prototype.hasOwnProperty.call(b, key) && jsonEquals((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}
