import { END_USER_EVENT_TYPES, EndUserEvent, EndUserEventType } from './events';

/** The schema version every event type is written at today. A shape change bumps it and adds an upcaster. */
export const CURRENT_SCHEMA_VERSION: Record<EndUserEventType, number> = {
  EndUserCreated: 1,
  EndUserUpdated: 1,
  EndUserApiKeyIssued: 1,
  EndUserDeleted: 1,
};

type Upcaster = (data: unknown) => unknown;

/** Upcasters by type and the version they read; each lifts data one version up. None are needed yet. */
const UPCASTERS: Partial<Record<EndUserEventType, Record<number, Upcaster>>> = {};

export class UnknownEndUserEvent extends Error {
  constructor(type: string, schemaVersion: number) {
    super(`Cannot read event ${type} at schema version ${schemaVersion}`);
  }
}

export function isEndUserEventType(type: string): type is EndUserEventType {
  return (END_USER_EVENT_TYPES as readonly string[]).includes(type);
}

/** An event as the event store keeps it: its type, the schema version its data was written at, and the data. */
export interface EncodedEndUserEvent {
  type: string;
  schemaVersion: number;
  data: unknown;
}

/**
 * The stored form of an event, at the current schema version. Every writer of events goes through
 * here, and every reader through decodeEndUserEvent: nothing else reads or writes a payload.
 */
export function encodeEndUserEvent(event: EndUserEvent): EncodedEndUserEvent {
  return { type: event.type, schemaVersion: CURRENT_SCHEMA_VERSION[event.type], data: event.data };
}

/** Turns a stored event (a StoredEvent fits) into the current event shape, upcasting old versions. */
export function decodeEndUserEvent({ type, schemaVersion, data }: EncodedEndUserEvent): EndUserEvent {
  if (!isEndUserEventType(type)) throw new UnknownEndUserEvent(type, schemaVersion);
  const current = CURRENT_SCHEMA_VERSION[type];
  if (schemaVersion > current || schemaVersion < 1) throw new UnknownEndUserEvent(type, schemaVersion);
  let upcast = data;
  for (let version = schemaVersion; version < current; version++) {
    const upcaster = UPCASTERS[type]?.[version];
    if (!upcaster) throw new UnknownEndUserEvent(type, version);
    upcast = upcaster(upcast);
  }
  return { type, data: upcast } as EndUserEvent;
}
