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
import { EventMetadata, readStream, runAppend, StoredEvent, storedEventsOf, withAppendedEvents } from '@app/event-store';
import { eventsAppended } from '@app/observability';
import { outboxSignal } from '@app/outbox';
import { Database, Sql, Statement, afterCommit } from '@app/persistence';
import { toOutboxMessage } from '@app/publishing';
import { withEndUserProjection } from '@app/read-models';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG } from '@app/config';

export interface LoadedEndUser {
  state: EndUserState;
  version: number;
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
    private readonly db: Database,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.topic = config.KAFKA_TOPIC;
  }

  /** Event types saved in each open write transaction, counted once it commits. */
  private readonly appendedIn = new WeakMap<Sql, string[]>();

  /** A write transaction; once it commits, its events are counted and the outbox relay of this process is woken. */
  write<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    let transaction: Sql | undefined;
    return this.db.transaction(
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
    const [row] = await this.db.query<{ version: number | null }>('SELECT max(stream_version) AS version FROM events WHERE stream_id = $1', [
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
   * Appends decided events at `loaded.version` and, in the same statement (in the caller's
   * transaction), applies the inline projections (a read after the write sees it) and records the
   * public events for publishing.
   */
  async save(sql: Sql, endUserId: string, loaded: LoadedEndUser, events: EndUserEvent[], metadata: EventMetadata): Promise<SavedEndUser> {
    if (events.length === 0) return { ...loaded, stored: [] };
    const { statement, state, version } = this.savingStatement(endUserId, loaded, events, metadata);
    const rows = await runAppend<Record<string, unknown>>(sql, statement, 'SELECT * FROM appended', endUserStreamId(endUserId), loaded.version);
    this.appendedIn.set(sql, [...(this.appendedIn.get(sql) ?? []), ...events.map((event) => event.type)]);
    return { state, version, stored: storedEventsOf(rows) };
  }

  /**
   * Creates a new end user in one statement (no transaction round trips): it claims the external id
   * and, only if the claim succeeded, appends the creation, projects it and stores the key hash.
   * Null when another user holds the external id.
   */
  async createIfUnclaimed(
    claim: { platformId: string; externalId: string; keyId: string; keyHash: Buffer },
    endUserId: string,
    events: EndUserEvent[],
    metadata: EventMetadata,
  ): Promise<SavedEndUser | null> {
    const { statement, state, version } = this.savingStatement(endUserId, { state: initialState(), version: 0 }, events, metadata, (s) => {
      const platformId = s.param(claim.platformId, 'uuid');
      s.with(
        'claim',
        `INSERT INTO end_user_external_ids (platform_id, external_id, end_user_id) VALUES (${platformId}, ${s.param(claim.externalId)}, ${s.param(endUserId, 'uuid')})
         ON CONFLICT (platform_id, external_id) DO NOTHING RETURNING end_user_id`,
      );
      s.with(
        'key_hash',
        `INSERT INTO end_user_key_hashes (key_id, key_hash, end_user_id, platform_id) SELECT ${s.param(claim.keyId, 'uuid')}, ${s.param(claim.keyHash, 'bytea')}, end_user_id, ${platformId} FROM claim`,
      );
      return 'claim';
    });
    const rows = await runAppend<Record<string, unknown>>(this.db, statement, 'SELECT * FROM appended', endUserStreamId(endUserId), 0);
    if (rows.length === 0) return null;
    afterCommit(() => {
      for (const event of events) eventsAppended.inc({ type: event.type });
      outboxSignal.notify();
    });
    return { state, version, stored: storedEventsOf(rows) };
  }

  /** The one statement that saves events: optional guard CTEs first, then append, outbox and projection. */
  private savingStatement(
    endUserId: string,
    loaded: LoadedEndUser,
    events: EndUserEvent[],
    metadata: EventMetadata,
    guardedBy?: (statement: Statement) => string,
  ): { statement: Statement; state: EndUserState; version: number } {
    const state = fold(events, loaded.state);
    if (state.status === 'absent') throw new Error('saved events must leave the end user existing or deleted');
    const version = loaded.version + events.length;
    const statement = new Statement();
    const guard = guardedBy?.(statement);
    withAppendedEvents(
      statement,
      {
        streamId: endUserStreamId(endUserId),
        expectedVersion: loaded.version,
        metadata,
        events: events.map((event) => {
          const eventId = randomUUID();
          const publishAs = toOutboxMessage(this.topic, event, eventId, state.user.platformId, metadata);
          return { eventId, type: event.type, schemaVersion: CURRENT_SCHEMA_VERSION[event.type], data: event.data, publishAs };
        }),
      },
      guard,
    );
    const change = readModelChange(state, version, events);
    if (change) withEndUserProjection(statement, change, guard);
    return { statement, state, version };
  }
}
