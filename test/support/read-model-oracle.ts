import { EndUserEvent } from '@app/end-users';

/**
 * What the read tables must hold for one end-user stream, worked out from its events directly,
 * from what the README and the contract say of them, without evolve or any projection code: no
 * rows once the user is deleted; else one `end_users` row with the last value given to each field
 * and the stream's length as its version, and one `end_user_api_keys` row per key ever issued.
 * Rows are in the tables' column order.
 */
export function expectedReadRows(events: readonly EndUserEvent[]): { users: unknown[][]; keys: unknown[][] } {
  const creation = events[0];
  if (creation?.type !== 'EndUserCreated' || events.some((event) => event.type === 'EndUserDeleted')) return { users: [], keys: [] };
  const { endUserId, platformId, externalId, createdAt } = creation.data;
  let { displayName, metadata } = creation.data;
  let isActive = true;
  let updatedAt = createdAt;
  const keys: unknown[][] = [];
  for (const event of events) {
    if (event.type === 'EndUserUpdated') {
      const { changes } = event.data;
      if (changes.displayName !== undefined) displayName = changes.displayName;
      if (changes.metadata !== undefined) metadata = changes.metadata;
      if (changes.isActive !== undefined) isActive = changes.isActive;
      updatedAt = event.data.updatedAt;
    }
    if (event.type === 'EndUserCreated' || event.type === 'EndUserApiKeyIssued') {
      const key = event.data.apiKey;
      keys.push([key.keyId, platformId, endUserId, key.keyPrefix, key.name, key.scopes, true, null, null, key.issuedAt]);
    }
  }
  return { users: [[endUserId, platformId, externalId, displayName, metadata, isActive, createdAt, updatedAt, events.length]], keys };
}
