import { IssuedApiKey } from './api-key';
import { EndUserEvent } from './events';
import { EndUser, EndUserState } from './state';

export interface EndUserKeyRow extends IssuedApiKey {
  endUserId: string;
  platformId: string;
}

/** What the events of one append do to the read tables; the SQL adapter only carries it out. */
export type EndUserReadModelChange = { kind: 'upsert'; user: EndUser; streamVersion: number; newKeys: EndUserKeyRow[] } | { kind: 'remove'; endUserId: string };

export function readModelChange(stateAfter: EndUserState, streamVersion: number, events: readonly EndUserEvent[]): EndUserReadModelChange | null {
  if (stateAfter.status === 'absent') return null;
  if (stateAfter.status === 'deleted') return { kind: 'remove', endUserId: stateAfter.user.id };
  const { user } = stateAfter;
  const newKeys = events.flatMap((event) => {
    if (event.type === 'EndUserCreated' || event.type === 'EndUserApiKeyIssued') {
      return [{ ...event.data.apiKey, endUserId: user.id, platformId: user.platformId }];
    }
    return [];
  });
  return { kind: 'upsert', user, streamVersion, newKeys };
}
