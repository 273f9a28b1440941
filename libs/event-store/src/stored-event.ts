export interface EventMetadata {
  requestId: string | null;
  /** The platform key that acted, or null for operator actions. */
  actorKeyId: string | null;
  occurredAt: string;
}

export interface NewEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
  data: unknown;
}

export interface StoredEvent extends NewEvent {
  globalPosition: bigint;
  streamId: string;
  streamVersion: number;
  metadata: EventMetadata;
  recordedAt: Date;
}

/** The database refused the append because another writer got to `expectedVersion + 1` first. */
export class StreamVersionConflict extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`Stream ${streamId} is no longer at version ${expectedVersion}`);
  }
}
