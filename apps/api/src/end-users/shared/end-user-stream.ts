import {
  CURRENT_SCHEMA_VERSION,
  decodeEndUserEvent,
  EndUserEvent,
  EndUserState,
  endUserStreamId,
  evolve,
  fold,
  initialState,
  readModelChange,
} from '@app/end-users';
import { appendToStream, EventMetadata, readStream, StoredEvent } from '@app/event-store';
import { Sql } from '@app/persistence';
import { applyEndUserProjection } from '@app/read-models';
import { randomUUID } from 'node:crypto';

export interface LoadedEndUser {
  state: EndUserState;
  version: number;
}

/** Folds the user's stream; runs in the caller's transaction. */
export async function loadEndUser(sql: Sql, endUserId: string): Promise<LoadedEndUser> {
  const stored = await readStream(sql, endUserStreamId(endUserId));
  const state = stored.map((event) => decodeEndUserEvent(event.type, event.schemaVersion, event.data)).reduce(evolve, initialState());
  return { state, version: stored.length === 0 ? 0 : stored[stored.length - 1].streamVersion };
}

export interface SavedEndUser {
  state: EndUserState;
  version: number;
  stored: StoredEvent[];
}

/**
 * Appends decided events at `loaded.version` and, in the same transaction (the caller's),
 * applies the inline projections so a read after the write sees it.
 */
export async function saveEndUserEvents(sql: Sql, endUserId: string, loaded: LoadedEndUser, events: EndUserEvent[], metadata: EventMetadata): Promise<SavedEndUser> {
  if (events.length === 0) return { ...loaded, stored: [] };
  const stored = await appendToStream(
    sql,
    endUserStreamId(endUserId),
    loaded.version,
    events.map((event) => ({ eventId: randomUUID(), type: event.type, schemaVersion: CURRENT_SCHEMA_VERSION[event.type], data: event.data })),
    metadata,
  );
  const state = fold(events, loaded.state);
  const version = loaded.version + events.length;
  await applyEndUserProjection(sql, readModelChange(state, version, events));
  return { state, version, stored };
}
