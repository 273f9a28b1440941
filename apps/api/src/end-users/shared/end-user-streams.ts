import { AppConfig } from '@app/config';
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
import { eventsAppended } from '@app/observability';
import { outboxSignal } from '@app/outbox';
import { inTransaction, Sql, sqlOfDataSource } from '@app/persistence';
import { toOutboxMessage } from '@app/publishing';
import { applyEndUserProjection } from '@app/read-models';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@app/persistence';

export interface LoadedEndUser {
  state: EndUserState;
  version: number;
}

/** The platform of a stream that does not exist yet: named by the event that creates it. */
function platformOfCreation(events: EndUserEvent[]): string {
  const created = events.find((event) => event.type === 'EndUserCreated');
  if (!created || created.type !== 'EndUserCreated') throw new Error('a new end-user stream must start with EndUserCreated');
  return created.data.platformId;
}

/** A stream the caller may write: it exists, is not deleted and belongs to the caller's platform. */
export function isOwnLiveUser(state: EndUserState, platformId: string): boolean {
  return state.status === 'existing' && state.user.platformId === platformId;
}

export interface SavedEndUser extends LoadedEndUser {
  stored: StoredEvent[];
}

/** Loading and saving end-user streams: the append, its inline projections and its outbox rows. */
@Injectable()
export class EndUserStreams {
  private readonly topic: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.topic = config.KAFKA_TOPIC;
  }

  /** Event types saved in each open write transaction, counted once it commits. */
  private readonly appendedIn = new WeakMap<Sql, string[]>();

  /** A write transaction; once it commits, its events are counted and the outbox relay of this process is woken. */
  write<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    let transaction: Sql | undefined;
    return inTransaction(
      this.dataSource,
      (sql) => {
        transaction = sql;
        return work(sql);
      },
      () => {
        for (const type of (transaction && this.appendedIn.get(transaction)) ?? []) eventsAppended.inc({ type });
        outboxSignal.notify();
      },
    );
  }

  /** The version a stream is at now (0 when it does not exist). */
  async currentVersion(endUserId: string): Promise<number> {
    const [row] = await sqlOfDataSource(this.dataSource).query<{ version: number | null }>('SELECT max(stream_version) AS version FROM events WHERE stream_id = $1', [
      endUserStreamId(endUserId),
    ]);
    return row.version ?? 0;
  }

  /** Folds the user's stream; runs in the caller's transaction. */
  async load(sql: Sql, endUserId: string): Promise<LoadedEndUser> {
    const stored = await readStream(sql, endUserStreamId(endUserId));
    const state = stored.map((event) => decodeEndUserEvent(event.type, event.schemaVersion, event.data)).reduce(evolve, initialState());
    return { state, version: stored.length === 0 ? 0 : stored[stored.length - 1].streamVersion };
  }

  /**
   * Appends decided events at `loaded.version` and, in the caller's transaction, applies the inline
   * projections (a read after the write sees it) and records the public events for publishing.
   */
  async save(sql: Sql, endUserId: string, loaded: LoadedEndUser, events: EndUserEvent[], metadata: EventMetadata): Promise<SavedEndUser> {
    if (events.length === 0) return { ...loaded, stored: [] };
    const platformId = loaded.state.status === 'absent' ? platformOfCreation(events) : loaded.state.user.platformId;
    const stored = await appendToStream(
      sql,
      endUserStreamId(endUserId),
      loaded.version,
      events.map((event) => {
        const eventId = randomUUID();
        const publishAs = toOutboxMessage(this.topic, event, eventId, platformId, metadata);
        return { eventId, type: event.type, schemaVersion: CURRENT_SCHEMA_VERSION[event.type], data: event.data, publishAs };
      }),
      metadata,
    );
    this.appendedIn.set(sql, [...(this.appendedIn.get(sql) ?? []), ...events.map((event) => event.type)]);
    const state = fold(events, loaded.state);
    if (state.status === 'absent') throw new Error('saved events must leave the end user existing or deleted');
    const version = loaded.version + events.length;
    await applyEndUserProjection(sql, readModelChange(state, version, events));
    return { state, version, stored };
  }
}
