import { decodeEndUserEvent, endUserStreamId } from '@app/end-users';
import { readStream, readStreamPage, StoredEvent } from '@app/event-store';
import { Sql } from '@app/persistence';

/**
 * The platform of a user whose history may be shown, from its EndUserCreated event; null when the
 * stream does not exist or the user was deleted. Reads only those two events of the user's stream.
 */
export async function platformOfLiveEndUser(sql: Sql, endUserId: string): Promise<string | null> {
  // Only facts are read here (the platform, whether deleted): the personal fields need no key.
  const events = (await readStream(sql, endUserStreamId(endUserId), ['EndUserCreated', 'EndUserDeleted'])).map((stored) => decodeEndUserEvent(stored, null));
  if (events.some((event) => event.type === 'EndUserDeleted')) return null;
  const created = events.find((event) => event.type === 'EndUserCreated');
  return created?.type === 'EndUserCreated' ? created.data.platformId : null;
}

/** One page of the user's stream in version order, and the stream's length. */
export async function pageOfEndUserEvents(sql: Sql, endUserId: string, page: number, limit: number): Promise<{ events: StoredEvent[]; total: number }> {
  return readStreamPage(sql, endUserStreamId(endUserId), (page - 1) * limit, limit);
}
