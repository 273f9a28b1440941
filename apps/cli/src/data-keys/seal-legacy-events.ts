import { KAFKA_HEADERS } from '@app/contracts';
import { decodeEndUserEvent, encodeEndUserEvent, END_USER_STREAM_PREFIX, endUserIdOfStream, PersonalFieldCipher } from '@app/end-users';
import { streamPrefixPattern } from '@app/event-store';
import { sealOutboxRecord } from '@app/outbox';
import { Database, Sql } from '@app/persistence';
import { DataKeys, SEALED_PREFIX, StreamFieldCipher } from '@app/personal-data';
import { randomBytes } from 'node:crypto';

/** The event types whose personal fields are sealed from schema version 2 on; version 1 held them in the clear. */
const SEALED_TYPES = ['EndUserCreated', 'EndUserUpdated', 'EndUserDeleted'];
export const STREAMS_PER_BATCH = 100;
const MAX_ATTEMPTS = 5;
/** Deadlock, serialization failure: the batch lost a race (with the outbox purge, another run) and is run again. */
const RETRYABLE = new Set(['40P01', '40001']);

/** What the step did (the CLI prints it as its result). */
export interface SealLegacySummary {
  streams_sealed: number;
  streams_erased: number;
  events_rewritten: number;
}

/** And what it did besides, for the operator's note. */
export interface SealLegacyResult {
  summary: SealLegacySummary;
  outboxPayloadsRemoved: number;
  /** Unpublished outbox rows rewritten to today's form (sealed; an end_user.deleted without its external_id). */
  outboxPayloadsSealed: number;
  idempotentResponsesErased: number;
}

interface EventRow {
  global_position: string;
  event_id: string;
  stream_id: string;
  event_type: string;
  schema_version: number;
  payload: unknown;
}

interface OutboxRow {
  id: string;
  event_id: string;
  topic: string;
  message_key: string;
  payload: string;
  headers: Record<string, string>;
}

/**
 * Seals the personal fields of the end-user events written at schema version 1, stream by stream,
 * in batches of `batchSize` streams, each batch in one transaction, while the services run. A live
 * user's events are sealed with its data key (made now if it has none); a deleted user's with a
 * random key that is never stored, so they are erased at once, with its stored idempotent
 * responses. Published outbox rows of these streams lose their payload; unpublished ones are
 * sealed as the relay expects. What is done is not done again: a second run finds nothing.
 */
export async function sealLegacyEvents(
  db: Database,
  dataKeys: DataKeys,
  onProgress: (eventsRewritten: number, eventsTotal: number) => void = () => undefined,
  batchSize = STREAMS_PER_BATCH,
): Promise<SealLegacyResult> {
  const result: SealLegacyResult = {
    summary: { streams_sealed: 0, streams_erased: 0, events_rewritten: 0 },
    outboxPayloadsRemoved: 0,
    outboxPayloadsSealed: 0,
    idempotentResponsesErased: 0,
  };
  const [{ total }] = await db.query<{ total: number }>(
    'SELECT count(*)::int AS total FROM events WHERE stream_id LIKE $1 AND schema_version = 1 AND event_type = ANY($2)',
    [streamPrefixPattern(END_USER_STREAM_PREFIX), SEALED_TYPES],
  );
  onProgress(0, total);
  for (let after = ''; ;) {
    const streamIds = await nextLegacyStreams(db, after, batchSize);
    if (streamIds.length === 0) return result;
    after = streamIds[streamIds.length - 1];
    // Keys first, committed on their own: a reader that reads the key, then the stream, never finds
    // sealed events without the key (a key beside plaintext events is harmless: version 1 is read as it is).
    await ciphersOfLiveUsers(db, dataKeys, await liveUsersOf(db, streamIds));
    const batch = await retried(() => db.transaction((sql) => sealBatch(sql, dataKeys, streamIds)));
    result.summary.streams_sealed += batch.summary.streams_sealed;
    result.summary.streams_erased += batch.summary.streams_erased;
    result.summary.events_rewritten += batch.summary.events_rewritten;
    result.outboxPayloadsRemoved += batch.outboxPayloadsRemoved;
    result.outboxPayloadsSealed += batch.outboxPayloadsSealed;
    result.idempotentResponsesErased += batch.idempotentResponsesErased;
    onProgress(result.summary.events_rewritten, total);
  }
}

/** The next streams, in stream id order after `after`, that still hold a version-1 event of a sealed type. */
async function nextLegacyStreams(sql: Sql, after: string, limit: number): Promise<string[]> {
  const rows = await sql.query<{ stream_id: string }>(
    `SELECT DISTINCT stream_id FROM events
     WHERE stream_id > $1 AND stream_id LIKE $2 AND schema_version = 1 AND event_type = ANY($3)
     ORDER BY stream_id LIMIT $4`,
    [after, streamPrefixPattern(END_USER_STREAM_PREFIX), SEALED_TYPES, limit],
  );
  return rows.map((row) => row.stream_id);
}

async function liveUsersOf(sql: Sql, streamIds: readonly string[]): Promise<string[]> {
  const rows = await sql.query<{ stream_id: string }>(
    "SELECT stream_id FROM events WHERE stream_id = ANY($1) GROUP BY stream_id HAVING NOT bool_or(event_type = 'EndUserDeleted')",
    [streamIds],
  );
  return rows.map((row) => endUserIdOfStream(row.stream_id));
}

/**
 * The ciphers of live users, each given a data key if it has none. A key is never replaced: when a
 * writer stores one first (the user's first write since the upgrade), that one is read and used.
 */
async function ciphersOfLiveUsers(sql: Sql, dataKeys: DataKeys, endUserIds: readonly string[]): Promise<Map<string, PersonalFieldCipher>> {
  const ciphers: Map<string, PersonalFieldCipher> = await dataKeys.ciphersOf(sql, endUserIds);
  const keyless = endUserIds.filter((id) => !ciphers.has(id)).map((id) => ({ id, ...dataKeys.newKey(id) }));
  if (keyless.length === 0) return ciphers;
  const stored = await sql.query<{ end_user_id: string }>(
    `INSERT INTO end_user_data_keys (end_user_id, kek_id, wrapped_key)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[])
     ON CONFLICT (end_user_id) DO NOTHING RETURNING end_user_id`,
    [keyless.map((key) => key.id), keyless.map((key) => key.wrapped.kekId), keyless.map((key) => key.wrapped.wrapped)],
  );
  const ours = new Set(stored.map((row) => row.end_user_id));
  for (const key of keyless) if (ours.has(key.id)) ciphers.set(key.id, key.cipher);
  const theirs = await dataKeys.ciphersOf(
    sql,
    keyless.filter((key) => !ours.has(key.id)).map((key) => key.id),
  );
  for (const [id, cipher] of theirs) ciphers.set(id, cipher);
  return ciphers;
}

/**
 * One batch, in the caller's transaction. The streams' rows are locked first (FOR UPDATE, in stream
 * order, so two runs queue rather than deadlock): a second run waits and then finds them sealed. An
 * append meanwhile adds rows at new versions and touches none of these; its events are sealed with
 * the key stored before this batch, which is the key these are sealed with.
 */
async function sealBatch(sql: Sql, dataKeys: DataKeys, streamIds: readonly string[]): Promise<SealLegacyResult> {
  await sql.query("SET LOCAL end_users.sealing_legacy_events = 'on'");
  const rows = await sql.query<EventRow>(
    `SELECT global_position, event_id, stream_id, event_type, schema_version, payload FROM events
     WHERE stream_id = ANY($1) ORDER BY stream_id, stream_version FOR UPDATE`,
    [streamIds],
  );
  const streams = new Map<string, EventRow[]>();
  for (const row of rows) {
    const events = streams.get(row.stream_id) ?? [];
    events.push(row);
    streams.set(row.stream_id, events);
  }
  const isLegacy = (row: EventRow) => row.schema_version === 1 && SEALED_TYPES.includes(row.event_type);
  const legacy = [...streams].filter(([, events]) => events.some(isLegacy));
  const deleted = legacy.filter(([, events]) => events.some((row) => row.event_type === 'EndUserDeleted')).map(([streamId]) => streamId);
  const live = legacy.map(([streamId]) => streamId).filter((streamId) => !deleted.includes(streamId));

  const liveCiphers = await ciphersOfLiveUsers(sql, dataKeys, live.map(endUserIdOfStream));
  const ciphers = new Map<string, PersonalFieldCipher>(live.map((streamId) => [streamId, liveCiphers.get(endUserIdOfStream(streamId))!]));
  // An erased user's fields are sealed with a key that is never stored: unreadable from this commit on.
  for (const streamId of deleted) ciphers.set(streamId, new StreamFieldCipher(randomBytes(32), streamId));

  const rewritten = legacy.flatMap(([streamId, events]) => events.filter(isLegacy).map((row) => sealed(row, ciphers.get(streamId)!)));
  await sql.query(
    `UPDATE events SET payload = u.payload, schema_version = u.schema_version
     FROM unnest($1::bigint[], $2::jsonb[], $3::int[]) AS u(global_position, payload, schema_version)
     WHERE events.global_position = u.global_position AND events.schema_version = 1`,
    [rewritten.map((r) => r.position), rewritten.map((r) => JSON.stringify(r.data)), rewritten.map((r) => r.schemaVersion)],
  );

  const eventIds = legacy.flatMap(([, events]) => events.map((row) => row.event_id));
  const streamOfEvent = new Map(legacy.flatMap(([streamId, events]) => events.map((row) => [row.event_id, streamId] as const)));
  const deletedUsers = deleted.map(endUserIdOfStream);
  return {
    summary: { streams_sealed: live.length, streams_erased: deleted.length, events_rewritten: rewritten.length },
    ...(await sealOutbox(sql, eventIds, (eventId) => ciphers.get(streamOfEvent.get(eventId)!)!)),
    idempotentResponsesErased: await eraseUsers(sql, deletedUsers),
  };
}

/** A version-1 event at version 2: the same data, its personal fields sealed. */
function sealed(row: EventRow, cipher: PersonalFieldCipher): { position: string; data: unknown; schemaVersion: number } {
  try {
    const encoded = encodeEndUserEvent(decodeEndUserEvent({ type: row.event_type, schemaVersion: 1, data: row.payload }, null), cipher);
    if (encoded.schemaVersion !== 2) throw new Error(`it would be written at schema version ${encoded.schemaVersion}, not 2`);
    return { position: row.global_position, data: encoded.data, schemaVersion: encoded.schemaVersion };
  } catch (error) {
    throw new Error(`cannot seal event ${row.global_position} of ${row.stream_id}: ${(error as Error).message}`);
  }
}

/**
 * The outbox rows of these events that still hold a plaintext payload: published ones lose it (as
 * the relay does today); unpublished ones take the form the API writes now: sealed with the
 * stream's key, so the relay opens them or, for an erased user, sends none of them; an
 * end_user.deleted stays readable, so the notice still goes out, but without the external_id it
 * carried before erasure existed.
 */
async function sealOutbox(
  sql: Sql,
  eventIds: readonly string[],
  cipherOf: (eventId: string) => PersonalFieldCipher,
): Promise<{ outboxPayloadsRemoved: number; outboxPayloadsSealed: number }> {
  const [{ removed }] = await sql.query<{ removed: number }>(
    `WITH removed AS (
       UPDATE outbox SET payload = NULL WHERE event_id = ANY($1::uuid[]) AND published_at IS NOT NULL AND payload IS NOT NULL RETURNING 1
     ) SELECT count(*)::int AS removed FROM removed`,
    [eventIds],
  );
  const unpublished = await sql.query<OutboxRow>(
    `SELECT id, event_id, topic, message_key, payload, headers FROM outbox
     WHERE event_id = ANY($1::uuid[]) AND published_at IS NULL AND NOT starts_with(payload, $2) ORDER BY id FOR UPDATE`,
    [eventIds, SEALED_PREFIX],
  );
  const rewritten = unpublished
    .map((row) => ({ id: row.id, before: row.payload, payload: currentOutboxPayload(row, cipherOf(row.event_id)) }))
    .filter((row) => row.payload !== row.before);
  if (rewritten.length > 0) {
    await sql.query(
      `UPDATE outbox SET payload = u.payload FROM unnest($1::bigint[], $2::text[]) AS u(id, payload)
       WHERE outbox.id = u.id AND outbox.published_at IS NULL`,
      [rewritten.map((row) => row.id), rewritten.map((row) => row.payload)],
    );
  }
  return { outboxPayloadsRemoved: removed, outboxPayloadsSealed: rewritten.length };
}

function currentOutboxPayload(row: OutboxRow, cipher: PersonalFieldCipher): string {
  if (row.headers[KAFKA_HEADERS.eventType] !== 'end_user.deleted') {
    return sealOutboxRecord({ eventId: row.event_id, topic: row.topic, key: row.message_key, payload: row.payload, headers: row.headers }, cipher).payload;
  }
  const message = JSON.parse(row.payload) as { data?: Record<string, unknown> };
  if (message.data?.external_id === undefined) return row.payload;
  delete message.data.external_id;
  return JSON.stringify(message);
}

/**
 * What the API's DELETE does besides sealing, for users deleted before personal fields were sealed:
 * any data key left is destroyed, and their stored idempotent responses (the same UPDATE as
 * apps/api's eraseIdempotentResponses; apps do not import each other) so a replay answers 410.
 */
async function eraseUsers(sql: Sql, endUserIds: readonly string[]): Promise<number> {
  if (endUserIds.length === 0) return 0;
  await sql.query('DELETE FROM end_user_data_keys WHERE end_user_id = ANY($1::uuid[])', [endUserIds]);
  const [{ erased }] = await sql.query<{ erased: number }>(
    `WITH erased AS (
       UPDATE idempotency_keys SET body = NULL, headers = NULL, fingerprint = ''::bytea, erased_at = now()
       WHERE end_user_id = ANY($1::uuid[]) AND erased_at IS NULL RETURNING 1
     ) SELECT count(*)::int AS erased FROM erased`,
    [endUserIds],
  );
  return erased;
}

async function retried<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!RETRYABLE.has((error as { code?: string }).code ?? '') || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}
