import { decodeEndUserEvent, EndUser, evolve, initialState, PersonalFieldCipher } from '@app/end-users';
import { StoredEvent } from '@app/event-store';

/**
 * The user as it was at `asOf`, folded from its whole stream, or null when it is not to be shown:
 * it did not exist yet, it had been deleted by then, it is deleted now (a deleted user is gone from
 * every read, its history included), or it belongs to another platform.
 *
 * The fold takes the stream in version order and stops at the first event that occurred after
 * `asOf`: every answer is a state the user really had (the state at some version), even if clocks
 * of two writers disagreed and a later version carries an earlier occurred_at.
 */
export function endUserAsOf(stream: readonly StoredEvent[], cipher: PersonalFieldCipher | null, platformId: string, asOf: Date): EndUser | null {
  const events = stream.map((stored) => decodeEndUserEvent(stored, cipher));
  if (events.some((event) => event.type === 'EndUserDeleted')) return null;
  let state = initialState();
  for (const [index, event] of events.entries()) {
    if (Date.parse(stream[index].metadata.occurredAt) > asOf.getTime()) break;
    state = evolve(state, event);
  }
  if (state.status !== 'existing' || state.user.platformId !== platformId) return null;
  return state.user;
}
