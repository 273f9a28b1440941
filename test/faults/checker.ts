import { END_USER_API_KEYS_PROJECTION, END_USERS_PROJECTION, projectionStatuses, StreamProjection, writeExpectedRows } from '@app/projections';
import { Database } from '@app/persistence';
import { decodeEndUserEvent, endUserStreamId, PersonalFieldCipher } from '@app/end-users';
import type { Pool } from 'pg';
import { tableChecksum } from '../../libs/projections/src/projection-tables';
import { sleep } from './harness/env';
import { groupLag, readTopic, TopicMessage } from './harness/kafka';
import type { Op } from './harness/load';
import { testDataKeys } from '../support/data-keys';

/**
 * The fault suite's checker. After a scenario it waits for the pipeline to drain, then reads the
 * scenario's whole database and its whole topic and verifies, record by record:
 *
 *  1. every 2xx create maps to exactly one stream, one EndUserCreated and (while the user lives)
 *     one read row; every acknowledged delete and update is in the events;
 *  2. every stored event has one outbox row, every outbox row was published, and every one of
 *     them is on the topic (none skipped);
 *  3. each user's events reach the topic, and the worker, in stream-version order;
 *  4. every event with a reaction was processed by the worker exactly once (the inbox), and no
 *     other event was;
 *  5. one budget and one opening ledger row per budgeted live user, none for deleted ones, and
 *     the rest of the delete cascade done;
 *  6. each read table equals a fresh fold of the events (row count and checksum);
 *  7. stream versions run 1..n with no gap, created first, nothing after a delete.
 *
 * It prints what it checked (counts) and returns them with every violation it found.
 */

export const PROVISION = 'provision-budget-when-end-user-created';
export const CLEAN_UP = 'clean-up-when-end-user-deleted';

export interface CheckTarget {
  id: string;
  pool: Pool;
  brokers: string;
  topic: string;
  dlt: string;
  group: string;
}

export interface CheckOptions {
  ops: Op[];
  /** Messages on the topic that are not stored events (poison a scenario produced on purpose). */
  foreignMessages: number;
  /** Messages expected on the dead-letter topic. */
  deadLetters: number;
  drainTimeoutMs: number;
  /** Requests a scenario expects to be refused (e.g. the 412s of an If-Match race it provokes). */
  allowRejected: (op: Op) => boolean;
}

export interface CheckReport {
  scenario: string;
  drained: { ok: boolean; seconds: number; unpublished: number; lag: number };
  counts: Record<string, number>;
  violations: string[];
  violationCount: number;
  losses: number;
  duplicateEffects: number;
  recordsChecked: number;
  topicMessages: TopicMessage[];
  deadLetterMessages: TopicMessage[];
}

interface EventRow {
  global_position: string;
  event_id: string;
  stream_id: string;
  stream_version: number;
  event_type: string;
  schema_version: number;
  /** The event's data as the codec decodes it (personal fields empty when the user is erased). */
  payload: any;
  /** The user's data key is destroyed: its personal fields are not readable. */
  erased?: boolean;
  metadata: { requestId?: string | null; occurredAt?: string };
  recorded_at: Date;
}

interface Stream {
  id: string;
  endUserId: string;
  events: EventRow[];
  created?: EventRow;
  deleted?: EventRow;
}

const MAX_LISTED = 40;

/** The cipher of every end-user stream that still has its data key, by stream id. */
async function streamCiphers(db: Pool): Promise<Map<string, PersonalFieldCipher>> {
  const dataKeys = testDataKeys();
  const keys = await rows<{ end_user_id: string; kek_id: string; wrapped_key: Buffer }>(db, 'SELECT end_user_id, kek_id, wrapped_key FROM end_user_data_keys');
  return new Map(keys.map((key) => [endUserStreamId(key.end_user_id), dataKeys.cipherFor(key.end_user_id, { kekId: key.kek_id, wrapped: key.wrapped_key })]));
}

export async function runChecker(target: CheckTarget, partial: Partial<CheckOptions> & { ops: Op[] }): Promise<CheckReport> {
  const options: CheckOptions = { foreignMessages: 0, deadLetters: 0, drainTimeoutMs: 120_000, allowRejected: () => false, ...partial };
  const violations: string[] = [];
  let losses = 0;
  let duplicateEffects = 0;
  const flag = (kind: 'loss' | 'duplicate' | 'other', text: string) => {
    violations.push(text);
    if (kind === 'loss') losses++;
    if (kind === 'duplicate') duplicateEffects++;
  };

  const drained = await drain(target, options.drainTimeoutMs);
  if (!drained.ok)
    flag('other', `pipeline not drained within ${options.drainTimeoutMs / 1000}s: ${drained.unpublished} outbox rows unpublished, consumer lag ${drained.lag}`);

  const db = target.pool;
  const [events, outbox, processed, budgets, ledger, keyHashes, claims, endUsers, platforms, rateLimits, mcp] = await Promise.all([
    rows<EventRow>(
      db,
      'SELECT global_position::text, event_id, stream_id, stream_version, event_type, schema_version, payload, metadata, recorded_at FROM events ORDER BY stream_id, stream_version',
    ),
    rows<{ id: string; event_id: string; published: boolean; attempts: number }>(
      db,
      'SELECT id::text, event_id, published_at IS NOT NULL AS published, attempts FROM outbox ORDER BY id',
    ),
    rows<{ consumer: string; event_id: string; processed_at: Date }>(db, 'SELECT consumer, event_id, processed_at FROM processed_events'),
    rows<{ id: string; platform_id: string; end_user_id: string; max_usd: string; period: string }>(
      db,
      'SELECT id, platform_id, end_user_id, max_usd::text, period FROM budgets',
    ),
    rows<{ id: string; budget_id: string; end_user_id: string; type: string; amount_usd: string; source_event_id: string }>(
      db,
      'SELECT id, budget_id, end_user_id, type, amount_usd::text, source_event_id FROM budget_ledger',
    ),
    rows<{ key_id: string; end_user_id: string }>(db, 'SELECT key_id, end_user_id FROM end_user_key_hashes'),
    rows<{ platform_id: string; external_id: string; end_user_id: string }>(db, 'SELECT platform_id, external_id, end_user_id FROM end_user_external_ids'),
    rows<{ id: string; platform_id: string; external_id: string; display_name: string | null; stream_version: number }>(
      db,
      'SELECT id, platform_id, external_id, display_name, stream_version FROM end_users',
    ),
    rows<{ id: string }>(db, 'SELECT id FROM platforms'),
    rows<{ end_user_id: string }>(db, 'SELECT end_user_id FROM end_user_rate_limits'),
    rows<{ end_user_id: string }>(db, 'SELECT end_user_id FROM mcp_connections'),
  ]);
  // Payloads are read only through the event codec, with each user's data key; an erased user's
  // personal fields cannot be read (that is the point), its facts can.
  const ciphers = await streamCiphers(db);
  for (const event of events) {
    const cipher = ciphers.get(event.stream_id) ?? null;
    event.erased = cipher === null;
    event.payload = decodeEndUserEvent({ type: event.event_type, schemaVersion: event.schema_version, data: event.payload }, cipher).data;
  }
  const topicMessages = await readTopic(target.brokers, target.topic);
  const deadLetterMessages = await readTopic(target.brokers, target.dlt);

  // --- 7. streams: versions 1..n, created first, nothing after a delete -------------------------
  const streams = new Map<string, Stream>();
  const eventById = new Map<string, EventRow>();
  for (const event of events) {
    eventById.set(event.event_id, event);
    let stream = streams.get(event.stream_id);
    if (!stream) streams.set(event.stream_id, (stream = { id: event.stream_id, endUserId: event.stream_id.replace(/^end_user-/, ''), events: [] }));
    stream.events.push(event);
  }
  let versionGaps = 0;
  for (const stream of streams.values()) {
    stream.events.forEach((event, index) => {
      if (event.stream_version !== index + 1) {
        versionGaps++;
        flag('other', `stream ${stream.id}: version ${event.stream_version} at place ${index + 1} (gap or duplicate)`);
      }
    });
    const first = stream.events[0];
    if (first?.event_type !== 'EndUserCreated') flag('other', `stream ${stream.id} does not start with EndUserCreated`);
    const createdEvents = stream.events.filter((event) => event.event_type === 'EndUserCreated');
    if (createdEvents.length !== 1) flag('duplicate', `stream ${stream.id} has ${createdEvents.length} EndUserCreated events`);
    stream.created = createdEvents[0];
    const deletedIndex = stream.events.findIndex((event) => event.event_type === 'EndUserDeleted');
    if (deletedIndex >= 0) {
      stream.deleted = stream.events[deletedIndex];
      if (deletedIndex !== stream.events.length - 1) flag('other', `stream ${stream.id} has events after EndUserDeleted`);
    }
  }
  const liveStreams = [...streams.values()].filter((stream) => !stream.deleted);

  // --- 1. acknowledged writes ----------------------------------------------------------------------
  const createdByExternalId = new Map<string, Stream[]>();
  for (const stream of streams.values()) {
    if (!stream.created || stream.created.erased) continue;
    const key = `${stream.created.payload.platformId}/${stream.created.payload.externalId}`;
    createdByExternalId.set(key, [...(createdByExternalId.get(key) ?? []), stream]);
  }
  const claimsByUser = new Map(claims.map((claim) => [claim.end_user_id, claim]));
  const readRowById = new Map(endUsers.map((row) => [row.id, row]));
  const ops = options.ops;
  const ackedCreates = ops.filter((op) => op.kind === 'create' && op.outcome === 'acked');
  const idsByExternalId = new Map<string, Set<string>>();
  const created201 = new Map<string, number>();
  for (const op of ackedCreates) {
    const platformId = op.path.split('/')[3];
    const key = `${platformId}/${op.externalId}`;
    const id = op.response?.id as string | undefined;
    if (!id) {
      flag('other', `create ${op.externalId}: 2xx without an id`);
      continue;
    }
    idsByExternalId.set(key, new Set([...(idsByExternalId.get(key) ?? []), id]));
    // A replay (Idempotent-Replayed) repeats the first answer; only executions count.
    if (op.status === 201 && !op.attempts[op.attempts.length - 1]?.replayed) created201.set(key, (created201.get(key) ?? 0) + 1);
    const stream = streams.get(`end_user-${id}`);
    if (!stream?.created) {
      flag('loss', `acknowledged create ${op.externalId} (${op.status}, id ${id}) has no stream/EndUserCreated`);
      continue;
    }
    // An erased user's external id cannot be read any more: only its platform is checked.
    if ((!stream.created.erased && stream.created.payload.externalId !== op.externalId) || stream.created.payload.platformId !== platformId) {
      flag('other', `acknowledged create ${op.externalId} maps to stream ${stream.id} of ${stream.created.payload.externalId}`);
    }
    const sameExternal = createdByExternalId.get(key) ?? [];
    if (!stream.created.erased && sameExternal.length !== 1) flag('duplicate', `external id ${op.externalId}: ${sameExternal.length} streams created`);
    const row = readRowById.get(id);
    if (stream.deleted) {
      if (row) flag('other', `deleted user ${id} still has a read row`);
    } else {
      if (!row) flag('loss', `acknowledged create ${op.externalId} (id ${id}): no read row`);
      else if (row.external_id !== op.externalId) flag('other', `read row ${id} has external id ${row.external_id}, not ${op.externalId}`);
      if (claimsByUser.get(id)?.external_id !== op.externalId) flag('other', `external id claim of ${id} is missing or wrong`);
    }
  }
  for (const [key, ids] of idsByExternalId)
    if (ids.size !== 1) flag('duplicate', `external id ${key}: 2xx creates returned ${ids.size} different ids (${[...ids].join(', ')})`);
  for (const [key, count] of created201) if (count > 1) flag('duplicate', `external id ${key}: ${count} creates answered 201`);
  for (const [key, list] of createdByExternalId) if (list.length > 1) flag('duplicate', `external id ${key}: ${list.length} streams`);

  const ackedDeletes = ops.filter((op) => op.kind === 'delete' && op.outcome === 'acked');
  for (const op of ackedDeletes) {
    if (!streams.get(`end_user-${op.endUserId}`)?.deleted) flag('loss', `acknowledged delete of ${op.endUserId} (${op.status}) has no EndUserDeleted`);
  }
  const ackedUpdates = ops.filter((op) => op.kind === 'update' && op.outcome === 'acked');
  const opsByUser = new Map<string, Op[]>();
  for (const op of ops) if (op.endUserId) opsByUser.set(op.endUserId, [...(opsByUser.get(op.endUserId) ?? []), op]);
  let updatesChecked = 0;
  for (const [endUserId, userOps] of opsByUser) {
    const stream = streams.get(`end_user-${endUserId}`);
    if (!stream || stream.deleted || userOps.some((op) => op.outcome === 'gave_up' || op.outcome === 'pending')) continue;
    const lastUpdate = userOps
      .filter((op) => op.kind === 'update' && op.outcome === 'acked')
      .sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0))
      .pop();
    if (!lastUpdate) continue;
    updatesChecked++;
    const row = readRowById.get(endUserId);
    if (row && row.display_name !== lastUpdate.body?.display_name) {
      flag('loss', `user ${endUserId}: last acknowledged PATCH set display_name "${lastUpdate.body?.display_name}", read row has "${row.display_name}"`);
    }
  }

  // One Idempotency-Key is one logical request: its effect must be committed by one attempt only.
  const committedAttemptsByKey = new Map<string, Set<string>>();
  for (const event of events) {
    const requestId = event.metadata?.requestId;
    const match = requestId ? /^(.+)\.(\d+)$/.exec(requestId) : null;
    if (!match) continue;
    committedAttemptsByKey.set(match[1], new Set([...(committedAttemptsByKey.get(match[1]) ?? []), requestId!]));
  }
  let reexecuted = 0;
  for (const op of ops) {
    const attempts = committedAttemptsByKey.get(op.idempotencyKey);
    if (attempts && attempts.size > 1) {
      reexecuted++;
      flag(
        'duplicate',
        `${op.kind} ${op.externalId} (Idempotency-Key ${op.idempotencyKey}) was executed and committed by ${attempts.size} attempts: ${[...attempts].join(', ')}; final answer ${op.status ?? op.outcome}`,
      );
    }
    if (op.outcome === 'rejected' && !options.allowRejected(op))
      flag('other', `${op.kind} ${op.externalId} was rejected with ${op.status} ${op.response?.error?.code ?? ''}`);
  }

  // --- 2. outbox and topic -------------------------------------------------------------------------
  const outboxByEvent = new Map(outbox.map((row) => [row.event_id, row]));
  for (const event of events)
    if (!outboxByEvent.has(event.event_id)) flag('loss', `event ${event.event_id} (${event.stream_id} v${event.stream_version}) has no outbox row`);
  for (const row of outbox) {
    if (!eventById.has(row.event_id)) flag('other', `outbox row ${row.id} names no stored event`);
    if (!row.published) flag('loss', `outbox row ${row.id} (event ${row.event_id}) was never published`);
  }
  const onTopic = new Map<string, TopicMessage[]>();
  let foreign = 0;
  for (const message of topicMessages) {
    const eventId = eventIdOf(message);
    if (!eventId || !eventById.has(eventId)) {
      foreign++;
      continue;
    }
    onTopic.set(eventId, [...(onTopic.get(eventId) ?? []), message]);
  }
  // The relay does not send a sealed row whose user was erased before it went out (docs/privacy.md):
  // such an event is never on the topic nor at the worker, by design; its end_user.deleted is.
  const erasedBeforeSent = (event: EventRow | undefined) => !!event?.erased && event.event_type !== 'EndUserDeleted' && !onTopic.has(event.event_id);
  for (const row of outbox)
    if (row.published && !onTopic.has(row.event_id) && !erasedBeforeSent(eventById.get(row.event_id)))
      flag('loss', `outbox row ${row.id} is marked published but event ${row.event_id} is not on the topic`);
  if (foreign !== options.foreignMessages) flag('other', `${foreign} messages on the topic are not stored events (expected ${options.foreignMessages})`);
  const topicDuplicates = [...onTopic.values()].reduce((sum, list) => sum + list.length - 1, 0);

  // --- 3. per-user order: on the topic (any consumer) and at the worker (its inbox) ----------------
  let orderChecked = 0;
  const lastVersionByKey = new Map<string, number>();
  const partitionOfKey = new Map<string, number>();
  const firstSeen = new Set<string>();
  for (const message of topicMessages) {
    const eventId = eventIdOf(message);
    const event = eventId ? eventById.get(eventId) : undefined;
    if (!event) continue;
    const endUserId = event.stream_id.replace(/^end_user-/, '');
    if (message.key !== endUserId) flag('other', `event ${eventId} published with key ${message.key}, not its end user ${endUserId}`);
    const partition = partitionOfKey.get(endUserId);
    if (partition === undefined) partitionOfKey.set(endUserId, message.partition);
    else if (partition !== message.partition) flag('other', `end user ${endUserId} has events on partitions ${partition} and ${message.partition}`);
    if (firstSeen.has(eventId!)) continue; // a redelivered copy: consumers deduplicate by event_id
    firstSeen.add(eventId!);
    orderChecked++;
    const last = lastVersionByKey.get(endUserId) ?? 0;
    if (event.stream_version <= last) flag('other', `end user ${endUserId}: v${event.stream_version} reached the topic after v${last}`);
    lastVersionByKey.set(endUserId, Math.max(last, event.stream_version));
  }

  // --- 4. worker inbox: exactly once -----------------------------------------------------------------
  const platformIds = new Set(platforms.map((platform) => platform.id));
  const expectedInbox = new Set<string>();
  for (const event of events) {
    if (event.event_type === 'EndUserCreated' && platformIds.has(event.payload.platformId) && !erasedBeforeSent(event))
      expectedInbox.add(`${PROVISION}/${event.event_id}`);
    if (event.event_type === 'EndUserDeleted') expectedInbox.add(`${CLEAN_UP}/${event.event_id}`);
  }
  const actualInbox = new Map<string, number>();
  for (const row of processed) actualInbox.set(`${row.consumer}/${row.event_id}`, (actualInbox.get(`${row.consumer}/${row.event_id}`) ?? 0) + 1);
  for (const key of expectedInbox) if (!actualInbox.has(key)) flag('loss', `worker never processed ${key}`);
  for (const [key, count] of actualInbox) {
    if (!expectedInbox.has(key)) flag('duplicate', `worker processed ${key}, which is no stored event with a reaction`);
    if (count !== 1) flag('duplicate', `worker processed ${key} ${count} times`);
  }
  const processedAt = new Map(processed.map((row) => [`${row.consumer}/${row.event_id}`, row.processed_at.getTime()]));
  for (const stream of streams.values()) {
    if (!stream.created || !stream.deleted) continue;
    const createdAt = processedAt.get(`${PROVISION}/${stream.created.event_id}`);
    const deletedAt = processedAt.get(`${CLEAN_UP}/${stream.deleted.event_id}`);
    if (createdAt !== undefined && deletedAt !== undefined) {
      orderChecked++;
      if (deletedAt < createdAt) flag('other', `worker processed the delete of ${stream.endUserId} before its create`);
    }
  }

  // --- 5. effects: budgets, opening ledger rows, the delete cascade --------------------------------
  const budgetsByUser = groupBy(budgets, (row) => row.end_user_id);
  const ledgerByUser = groupBy(ledger, (row) => row.end_user_id);
  const hashesByUser = groupBy(keyHashes, (row) => row.end_user_id);
  let budgetedUsers = 0;
  for (const stream of streams.values()) {
    const budget = stream.created?.payload.budget as { budgetId: string; maxUsd: string } | null | undefined;
    const userBudgets = budgetsByUser.get(stream.endUserId) ?? [];
    const userLedger = ledgerByUser.get(stream.endUserId) ?? [];
    if (stream.deleted) {
      if (userBudgets.length || userLedger.length)
        flag('other', `deleted user ${stream.endUserId} still has ${userBudgets.length} budget(s) and ${userLedger.length} ledger row(s)`);
      if (hashesByUser.get(stream.endUserId)?.length) flag('other', `deleted user ${stream.endUserId} still has key hashes`);
      continue;
    }
    if (!budget) {
      if (userBudgets.length) flag('duplicate', `user ${stream.endUserId} without an auto-budget has ${userBudgets.length} budget(s)`);
      continue;
    }
    budgetedUsers++;
    if (userBudgets.length === 0) flag('loss', `budgeted user ${stream.endUserId} has no budget`);
    if (userBudgets.length > 1) flag('duplicate', `user ${stream.endUserId} has ${userBudgets.length} budgets`);
    if (userBudgets.length === 1 && (userBudgets[0].id !== budget.budgetId || Number(userBudgets[0].max_usd) !== Number(budget.maxUsd))) {
      flag('other', `user ${stream.endUserId}: budget ${userBudgets[0].id} ${userBudgets[0].max_usd} is not the decided ${budget.budgetId} ${budget.maxUsd}`);
    }
    const opening = userLedger.filter((row) => row.type === 'opening');
    if (opening.length === 0) flag('loss', `budgeted user ${stream.endUserId} has no opening ledger row`);
    if (userLedger.length > 1) flag('duplicate', `user ${stream.endUserId} has ${userLedger.length} ledger rows`);
    if (opening.length === 1 && (opening[0].source_event_id !== stream.created!.event_id || opening[0].budget_id !== budget.budgetId)) {
      flag('other', `user ${stream.endUserId}: opening ledger row does not name its created event and budget`);
    }
  }
  for (const [endUserId, list] of budgetsByUser)
    if (!streams.has(`end_user-${endUserId}`)) flag('duplicate', `${list.length} budget(s) for ${endUserId}, which has no stream`);
  for (const row of [...rateLimits, ...mcp])
    if (streams.get(`end_user-${row.end_user_id}`)?.deleted) flag('other', `deleted user ${row.end_user_id} still has rate limits or MCP connections`);
  // Key hashes (write side) are exactly the keys the live user's events issued.
  const issuedKeys = new Map<string, Set<string>>();
  for (const stream of liveStreams) {
    issuedKeys.set(
      stream.endUserId,
      new Set(stream.events.filter((event) => event.payload?.apiKey?.keyId).map((event) => event.payload.apiKey.keyId as string)),
    );
  }
  for (const [endUserId, keys] of issuedKeys) {
    const hashes = new Set((hashesByUser.get(endUserId) ?? []).map((row) => row.key_id));
    if (hashes.size !== keys.size || [...keys].some((key) => !hashes.has(key)))
      flag('other', `user ${endUserId}: key hashes ${hashes.size} do not match the ${keys.size} issued keys`);
  }

  // --- 6. read tables against a fresh fold of the events ---------------------------------------------
  const readModels: Record<string, { rows: number; matches: boolean }> = {};
  for (const projection of [END_USERS_PROJECTION, END_USER_API_KEYS_PROJECTION]) {
    const result = await verifyProjection(db, projection);
    readModels[projection.table] = { rows: result.rows, matches: result.matches };
    if (!result.matches)
      flag(
        'other',
        `${projection.table} differs from a fresh fold of the events: table ${result.checksum}, fold ${result.expectedChecksum}; e.g. ${result.sample.join(', ')}`,
      );
  }
  const [status] = (await projectionStatuses(new Database(db), testDataKeys())).filter((entry) => entry.projection === 'end_users');
  if (status.platformsWithWrongTotal)
    flag('other', `${status.platformsWithWrongTotal} platform(s) have a maintained end-user total that differs from their rows`);

  // --- the dead-letter topic -------------------------------------------------------------------------
  if (deadLetterMessages.length !== options.deadLetters)
    flag('other', `${deadLetterMessages.length} message(s) on the dead-letter topic (expected ${options.deadLetters})`);

  const counts: Record<string, number> = {
    logicalRequests: ops.length,
    httpRequests: ops.reduce((sum, op) => sum + op.attempts.length, 0),
    acknowledgedCreates: ackedCreates.length,
    acknowledgedUpdates: ackedUpdates.length,
    acknowledgedDeletes: ackedDeletes.length,
    lastUpdatesVerified: updatesChecked,
    streams: streams.size,
    liveUsers: liveStreams.length,
    events: events.length,
    versionGaps,
    outboxRows: outbox.length,
    topicMessages: topicMessages.length,
    topicDuplicates,
    foreignTopicMessages: foreign,
    orderingChecks: orderChecked,
    inboxRows: processed.length,
    budgetedLiveUsers: budgetedUsers,
    budgets: budgets.length,
    ledgerRows: ledger.length,
    keyHashes: keyHashes.length,
    readRowsEndUsers: readModels.end_users.rows,
    readRowsApiKeys: readModels.end_user_api_keys.rows,
    deadLetters: deadLetterMessages.length,
    idempotencyReexecutions: reexecuted,
  };
  const recordsChecked =
    counts.events +
    counts.outboxRows +
    counts.topicMessages +
    counts.inboxRows +
    counts.budgets +
    counts.ledgerRows +
    counts.keyHashes +
    counts.readRowsEndUsers +
    counts.readRowsApiKeys +
    counts.deadLetters;
  const report: CheckReport = {
    scenario: target.id,
    drained,
    counts,
    violations: violations.slice(0, MAX_LISTED),
    violationCount: violations.length,
    losses,
    duplicateEffects,
    recordsChecked,
    topicMessages,
    deadLetterMessages,
  };
  printReport(report);
  return report;
}

/** The report without the raw messages, as stored in the results file. */
export function reportSummary(report: CheckReport): Omit<CheckReport, 'topicMessages' | 'deadLetterMessages'> {
  const { topicMessages: _t, deadLetterMessages: _d, ...summary } = report;
  return summary;
}

function printReport(report: CheckReport): void {
  const c = report.counts;
  const lines = [
    `checker ${report.scenario}: drained=${report.drained.ok} in ${report.drained.seconds}s`,
    `  requests: ${c.logicalRequests} logical / ${c.httpRequests} HTTP; acknowledged creates ${c.acknowledgedCreates}, updates ${c.acknowledgedUpdates}, deletes ${c.acknowledgedDeletes}`,
    `  streams ${c.streams} (live ${c.liveUsers}), events ${c.events}, version gaps ${c.versionGaps}`,
    `  outbox rows ${c.outboxRows}, topic messages ${c.topicMessages} (redelivered copies ${c.topicDuplicates}, foreign ${c.foreignTopicMessages}), ordering checks ${c.orderingChecks}`,
    `  inbox rows ${c.inboxRows}, budgets ${c.budgets} for ${c.budgetedLiveUsers} budgeted live users, ledger rows ${c.ledgerRows}, key hashes ${c.keyHashes}`,
    `  read rows end_users ${c.readRowsEndUsers}, end_user_api_keys ${c.readRowsApiKeys} (fresh fold compared by checksum); dead letters ${c.deadLetters}`,
    `  records checked ${report.recordsChecked}; losses ${report.losses}; duplicate effects ${report.duplicateEffects}; violations ${report.violationCount}`,
    ...report.violations.map((violation) => `  VIOLATION ${violation}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Waits until every outbox row is published and the worker's group has committed the whole topic. */
async function drain(target: CheckTarget, timeoutMs: number): Promise<CheckReport['drained']> {
  const started = Date.now();
  let unpublished = -1;
  let lag = -1;
  while (Date.now() - started < timeoutMs) {
    try {
      const [{ count }] = (await target.pool.query<{ count: number }>('SELECT count(*)::int AS count FROM outbox WHERE published_at IS NULL')).rows;
      unpublished = count;
      lag = unpublished === 0 ? (await groupLag(target.brokers, target.group, target.topic)).total : -1;
      if (unpublished === 0 && lag === 0) return { ok: true, seconds: Math.round((Date.now() - started) / 100) / 10, unpublished, lag };
    } catch {
      // the database or the broker is still coming back
    }
    await sleep(500);
  }
  return { ok: false, seconds: Math.round((Date.now() - started) / 100) / 10, unpublished, lag };
}

function eventIdOf(message: TopicMessage): string | null {
  if (message.headers.event_id) return message.headers.event_id;
  try {
    return JSON.parse(message.value ?? '')?.event_id ?? null;
  } catch {
    return null;
  }
}

async function rows<T>(pool: Pool, text: string): Promise<T[]> {
  return (await pool.query(text)).rows as T[];
}

function groupBy<T>(list: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const grouped = new Map<string, T[]>();
  for (const item of list) grouped.set(key(item), [...(grouped.get(key(item)) ?? []), item]);
  return grouped;
}

/**
 * In one REPEATABLE READ snapshot: the live read table against a fresh fold of every end-user
 * stream (the same fold and row shape a projection rebuild writes), by row count and checksum.
 */
async function verifyProjection(
  pool: Pool,
  projection: StreamProjection,
): Promise<{ rows: number; checksum: string; expectedChecksum: string; matches: boolean; sample: string[] }> {
  const client = await pool.connect();
  const expected = `faults_expected_${projection.table}`;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const live = await tableChecksum(client, projection.table);
    await client.query(`CREATE TEMP TABLE ${expected} (LIKE ${projection.table}) ON COMMIT DROP`);
    await writeExpectedRows(client, testDataKeys(), [{ projection, table: expected }]);
    const fold = await tableChecksum(client, expected);
    let sample: string[] = [];
    if (fold.checksum !== live.checksum) {
      const column = projection.endUserColumn;
      const { rows: differing } = await client.query(
        `(SELECT ${column}::text AS id, 'table only' AS side FROM (SELECT * FROM ${projection.table} EXCEPT SELECT * FROM ${expected}) a LIMIT 5)
         UNION ALL (SELECT ${column}::text, 'fold only' FROM (SELECT * FROM ${expected} EXCEPT SELECT * FROM ${projection.table}) b LIMIT 5)`,
      );
      sample = differing.map((row: { id: string; side: string }) => `${row.id} (${row.side})`);
    }
    await client.query('COMMIT');
    return { rows: live.rows, checksum: live.checksum, expectedChecksum: fold.checksum, matches: live.checksum === fold.checksum, sample };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
