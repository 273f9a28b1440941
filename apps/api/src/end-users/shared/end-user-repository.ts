import { APP_CONFIG, AppConfig } from '@app/config';
import {
  decodeEndUserEvent,
  encodeEndUserEvent,
  EndUserEvent,
  EndUserState,
  endUserStreamId,
  evolve,
  fold,
  initialState,
  PersonalFieldCipher,
} from '@app/end-users';
import { EventMetadata, readStream, runAppend, streamVersion, StreamVersionConflict, withAppendedEvents } from '@app/event-store';
import { eventsAppended } from '@app/http';
import { outboxSignal, sealOutboxRecord, toOutboxRecord, withOutboxRecords } from '@app/outbox';
import { afterCommit, Database, isUniqueViolation, Sql, Statement } from '@app/persistence';
import { DataKeys, WrappedDataKey } from '@app/personal-data';
import { StreamAt, withEndUserProjections } from '@app/projections';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { withErasedIdempotentResponses } from '../../idempotency/idempotent-response-erasure';
import { ExternalIdReleased, lockClaimHolder, releaseClaimOf, withClaimOf, withKeyHashes } from './end-user-write-tables';

/** Who acted; recorded with the events (their time is the decision's). */
export type ActorContext = Omit<EventMetadata, 'occurredAt'>;

/** The user a command is for: by id, or (create) the user holding an external id, else a new user with `newEndUserId`. */
export type EndUserTarget = { platformId: string; endUserId: string } | { platformId: string; externalId: string; newEndUserId: string };

/** A command against the user's current state, at `now`: its events, or a rule violation thrown. */
export type Decision = (state: EndUserState, now: Date) => EndUserEvent[];

export interface HandleOptions {
  context: ActorContext;
  /** From If-Match: the stream version the client saw. Without one, a lost race is retried on fresh state. */
  expectedVersion?: number;
  /** The hash of every key the decided events issue, by key id: stored beside the events, never in them. */
  keyHashes?: ReadonlyMap<string, Buffer>;
}

export interface HandledEndUser extends StreamAt {
  endUserId: string;
  /** What the command appended: none when it changed nothing. */
  events: EndUserEvent[];
}

/** The client's `If-Match` names a version the end user is no longer at. */
export class StaleVersion extends Error {
  constructor(readonly currentVersion: number) {
    super(`The end user is at version ${currentVersion}, not the one in If-Match`);
  }
}

/** The user's data key for this save: its cipher, and the wrapped key when the save must store it (a new user). */
interface SaveKey {
  cipher: PersonalFieldCipher;
  newKey?: WrappedDataKey;
}

const MAX_ATTEMPTS = 8;
const DEADLOCK_DETECTED = '40P01';
const DATA_KEYS_PRIMARY_KEY = 'end_user_data_keys_pkey';

/**
 * The end users' event-sourced repository: the one way a command changes an end user, and the only
 * writer of its streams and of the write side's own tables (external-id claims, key hashes).
 */
@Injectable()
export class EndUserRepository {
  private readonly topic: string;

  constructor(
    private readonly db: Database,
    private readonly dataKeys: DataKeys,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.topic = config.KAFKA_TOPIC;
  }

  /**
   * Loads the user's stream, lets `decide` turn its state into events and appends them at the
   * version it loaded; in the same statement the inline projections, the outbox rows and the key
   * hashes are written, and a creation claims its external id. With `expectedVersion`, a user at
   * another version is a StaleVersion (412); without, a lost race is retried on fresh state.
   * Runs in the caller's unit of work, if any.
   */
  async handle(target: EndUserTarget, decide: Decision, options: HandleOptions): Promise<HandledEndUser> {
    for (let attempt = 1; ; attempt++) {
      const now = new Date();
      try {
        if ('externalId' in target) return await this.handleByExternalId(target, decide, options, now);
        return await this.inTransaction((sql) => this.decideAndSave(sql, target.endUserId, target.platformId, decide, options, now));
      } catch (error) {
        if (error instanceof StreamVersionConflict && options.expectedVersion !== undefined) {
          throw new StaleVersion(await streamVersion(this.db, error.streamId));
        }
        // A deadlock between writers of one user (a delete and a repeat create) is a lost race too.
        // So is a key stored by another writer (data-keys seal-legacy) for a user this one saw without.
        const lostRace =
          error instanceof StreamVersionConflict ||
          error instanceof ExternalIdReleased ||
          (error as { code?: string }).code === DEADLOCK_DETECTED ||
          isUniqueViolation(error, DATA_KEYS_PRIMARY_KEY);
        if (!lostRace || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }

  /**
   * The first request for an external id creates the user in one statement, without a transaction
   * of its own (claim, append, projections, key hash, outbox). When another user holds it, the
   * command is for that user instead, queued on its claim row.
   */
  private async handleByExternalId(
    target: { platformId: string; externalId: string; newEndUserId: string },
    decide: Decision,
    options: HandleOptions,
    now: Date,
  ): Promise<HandledEndUser> {
    const absent = { state: initialState(), version: 0 };
    const events = decide(absent.state, now);
    if (events[0]?.type !== 'EndUserCreated') throw new Error('a command for a new end user must create it');
    const { cipher, wrapped } = this.dataKeys.newKey(target.newEndUserId);
    const created = await this.save(this.db, target.newEndUserId, absent, events, { cipher, newKey: wrapped }, options, now);
    if (created) {
      afterCommit(() => this.committed(created.events));
      return created;
    }
    return this.inTransaction(async (sql) => {
      const holder = await lockClaimHolder(sql, target.platformId, target.externalId);
      return this.decideAndSave(sql, holder, target.platformId, decide, options, now);
    });
  }

  private async decideAndSave(sql: Sql, endUserId: string, platformId: string, decide: Decision, options: HandleOptions, now: Date): Promise<HandledEndUser> {
    const cipher = await this.dataKeys.cipherOf(sql, endUserId);
    const loaded = await this.load(sql, endUserId, cipher);
    // If-Match concerns a user the caller may write; any other one is for decide to refuse (404).
    const ownLiveUser = loaded.state.status === 'existing' && loaded.state.user.platformId === platformId;
    if (options.expectedVersion !== undefined && ownLiveUser && loaded.version !== options.expectedVersion) throw new StaleVersion(loaded.version);
    const events = decide(loaded.state, now);
    const saved = await this.save(sql, endUserId, loaded, events, cipher ? { cipher } : this.keyForUnsealedUser(endUserId, loaded, events), options, now);
    if (!saved) throw new Error('an end user is created through its external id only');
    await releaseClaimOf(sql, endUserId, saved.events);
    return saved;
  }

  /**
   * A user without a data key has only events written before personal fields were sealed (an erased
   * user has no events left to decide): it gets its key with this save.
   */
  private keyForUnsealedUser(endUserId: string, loaded: StreamAt, events: EndUserEvent[]): SaveKey {
    if (events.length === 0) return { cipher: { seal: unreachable, open: unreachable } };
    // Deleted at once: the key would be destroyed in the same statement, so it is never stored.
    if (fold(events, loaded.state).status === 'deleted') return { cipher: this.dataKeys.erasedAtOnce(endUserId) };
    const { cipher, wrapped } = this.dataKeys.newKey(endUserId);
    return { cipher, newKey: wrapped };
  }

  /** Folds the user's stream, each event read through the event codec; in the caller's transaction. */
  private async load(sql: Sql, endUserId: string, cipher: PersonalFieldCipher | null): Promise<StreamAt> {
    const stored = await readStream(sql, endUserStreamId(endUserId));
    return {
      state: stored.map((event) => decodeEndUserEvent(event, cipher)).reduce(evolve, initialState()),
      version: stored.length === 0 ? 0 : stored[stored.length - 1].streamVersion,
    };
  }

  /**
   * Appends `events` at `loaded.version`, in one statement with what must commit with them.
   * Null when the creation's external id is held by another user (nothing was written).
   */
  private async save(
    sql: Sql,
    endUserId: string,
    loaded: StreamAt,
    events: EndUserEvent[],
    key: SaveKey,
    options: HandleOptions,
    now: Date,
  ): Promise<HandledEndUser | null> {
    if (events.length === 0) return { endUserId, ...loaded, events };
    const state = fold(events, loaded.state);
    if (state.status === 'absent') throw new Error('saved events must leave the end user existing or deleted');
    const saved = { state, version: loaded.version + events.length };
    const metadata: EventMetadata = { ...options.context, occurredAt: now.toISOString() };
    const stored = events.map((event) => ({ eventId: randomUUID(), ...encodeEndUserEvent(event, key.cipher) }));
    const append = { streamId: endUserStreamId(endUserId), expectedVersion: loaded.version, events: stored, metadata };

    const statement = new Statement();
    const guard = withClaimOf(statement, events);
    withAppendedEvents(statement, append, guard);
    withOutboxRecords(
      statement,
      events.map((event, index) => sealOutboxRecord(toOutboxRecord(this.topic, event, stored[index].eventId, state.user.platformId, metadata), key.cipher)),
      guard,
    );
    if (key.newKey) this.dataKeys.withStoredKey(statement, endUserId, key.newKey, guard);
    // The erasure, in this same statement: with the key goes every sealed personal field of the
    // user; its stored idempotent responses go too (a replay answers 410).
    if (state.status === 'deleted') {
      this.dataKeys.withDestroyedKey(statement, endUserId, guard);
      withErasedIdempotentResponses(statement, endUserId, guard);
    }
    withKeyHashes(statement, state.user, events, options.keyHashes, guard);
    withEndUserProjections(statement, loaded, saved, guard);
    const appended = await runAppend(sql, statement, append);
    return appended.length === 0 ? null : { endUserId, ...saved, events };
  }

  /** A write transaction; once it commits, its events are counted and this process's outbox relay is woken. */
  private inTransaction(work: (sql: Sql) => Promise<HandledEndUser>): Promise<HandledEndUser> {
    let handled: HandledEndUser | undefined;
    return this.db.transaction(
      async (sql) => (handled = await work(sql)),
      () => handled && this.committed(handled.events),
    );
  }

  private committed(events: readonly EndUserEvent[]): void {
    if (events.length === 0) return;
    for (const event of events) eventsAppended.inc({ type: event.type });
    outboxSignal.notify();
  }
}

function unreachable(): never {
  throw new Error('a save without events seals nothing');
}
