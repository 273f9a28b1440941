import { END_USER_EVENT_TYPES, EndUserEvent, EndUserEventType } from './events';
import { JsonObject } from './json';

/** The schema version every event type is written at today. A shape change bumps it and adds a reader. */
export const CURRENT_SCHEMA_VERSION: Record<EndUserEventType, number> = {
  EndUserCreated: 2,
  EndUserUpdated: 2,
  EndUserApiKeyIssued: 1,
  EndUserDeleted: 2,
};

/**
 * Seals and opens the personal fields of one stream's events with that end user's data key. `field`
 * names what is sealed (e.g. `EndUserCreated.personal`): the ciphertext is bound to the stream and
 * the field, so it cannot be moved to another user or field. The domain knows only this interface.
 */
export interface PersonalFieldCipher {
  seal(field: string, plaintext: string): string;
  open(field: string, sealed: string): string;
}

/**
 * What an erased stream's events say in place of personal data: its data key is destroyed, so the
 * fields cannot be read, and the facts (ids, types, versions, times, keys' ids) are all that is left.
 */
export const ERASED = { externalId: '', displayName: null, metadata: {} as JsonObject } as const;

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

/** The personal fields of an event, as one value: sealed together with one AEAD operation. */
type PersonalPart = { externalId?: string; displayName?: string | null; metadata?: JsonObject };

/**
 * The stored form of an event, at the current schema version: its facts as they are, and its
 * personal fields in one value (`personal`) sealed with the user's data key, bound to the stream
 * and to the event type. Every writer of events goes through here, and every reader through
 * decodeEndUserEvent: nothing else reads or writes a payload.
 */
export function encodeEndUserEvent(event: EndUserEvent, cipher: PersonalFieldCipher): EncodedEndUserEvent {
  const schemaVersion = CURRENT_SCHEMA_VERSION[event.type];
  const seal = (personal: PersonalPart) => cipher.seal(`${event.type}.personal`, JSON.stringify(personal));
  switch (event.type) {
    case 'EndUserCreated': {
      const { externalId, displayName, metadata, ...facts } = event.data;
      return { type: event.type, schemaVersion, data: { ...facts, personal: seal({ externalId, displayName, metadata }) } };
    }
    case 'EndUserUpdated': {
      const { displayName, metadata, ...facts } = event.data.changes;
      const personal: PersonalPart = { ...(displayName !== undefined && { displayName }), ...(metadata !== undefined && { metadata }) };
      const changes = Object.keys(personal).length === 0 ? facts : { ...facts, personal: seal(personal) };
      return { type: event.type, schemaVersion, data: { ...event.data, changes } };
    }
    case 'EndUserDeleted': {
      const { externalId, ...facts } = event.data;
      return { type: event.type, schemaVersion, data: { ...facts, personal: seal({ externalId }) } };
    }
    case 'EndUserApiKeyIssued':
      return { type: event.type, schemaVersion, data: event.data };
  }
}

/**
 * Turns a stored event (a StoredEvent fits) into the current event shape. Version 1 payloads were
 * written before personal fields were sealed and are read as they are. With `cipher` null the user
 * is erased: personal fields read as ERASED.
 */
export function decodeEndUserEvent({ type, schemaVersion, data }: EncodedEndUserEvent, cipher: PersonalFieldCipher | null): EndUserEvent {
  if (!isEndUserEventType(type)) throw new UnknownEndUserEvent(type, schemaVersion);
  const current = CURRENT_SCHEMA_VERSION[type];
  if (schemaVersion > current || schemaVersion < 1) throw new UnknownEndUserEvent(type, schemaVersion);
  if (schemaVersion === 1 || type === 'EndUserApiKeyIssued') return { type, data } as EndUserEvent;
  const open = (sealed: unknown): PersonalPart | null => (cipher ? (JSON.parse(cipher.open(`${type}.personal`, sealed as string)) as PersonalPart) : null);
  // Object.assign, not object spread: in a rebuild this runs for every event, and V8 copies
  // several sources into a literal's spread several times slower.
  switch (type) {
    case 'EndUserCreated': {
      const { personal, ...facts } = data as { personal: string };
      return { type, data: Object.assign({}, facts, ERASED, open(personal)) } as EndUserEvent;
    }
    case 'EndUserUpdated': {
      const { changes, ...facts } = data as { changes: { personal?: string } };
      const { personal, ...factChanges } = changes;
      if (personal === undefined) return { type, data } as EndUserEvent;
      const opened = open(personal);
      const erased: PersonalPart = cipher ? {} : { displayName: ERASED.displayName, metadata: ERASED.metadata };
      return { type, data: Object.assign({}, facts, { changes: Object.assign({}, factChanges, erased, opened) }) } as EndUserEvent;
    }
    case 'EndUserDeleted': {
      const { personal, ...facts } = data as { personal: string };
      return { type, data: Object.assign({}, facts, { externalId: ERASED.externalId }, open(personal)) } as EndUserEvent;
    }
  }
}
