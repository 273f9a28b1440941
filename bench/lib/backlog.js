'use strict';
/**
 * The outbox backlog of B6 and B8: `end_user.created` rows as the API queues them, for as many new
 * users. The template is a real create's stored event, read through the event codec with its
 * user's data key; each copy gets fresh event, user, key and budget ids and an external id of its
 * own, goes through the service's own mapping to the public event (toOutboxRecord) and is sealed
 * (sealOutboxRecord) with a data key of its new user, whose key row is written with it: the relay
 * opens each payload with that key, as it does for a real create.
 *
 * The relay empties a row's payload once it is published, so the plaintext messages are also kept
 * in a file (JSON lines) for the raw producer of B6's baseline to send the same messages.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { lib, dataKeysOf, sqlOf } = require('./app-code');

const BATCH = 2_000;

/** The EndUserCreated of the user `endUserId` and its metadata, decoded with the user's data key. */
async function createdEvent(sql, dataKeys, endUserId) {
  const { decodeEndUserEvent, endUserStreamId } = lib('end-users');
  const { readStream } = lib('event-store');
  const [stored] = await readStream(sql, endUserStreamId(endUserId), ['EndUserCreated']);
  if (!stored) throw new Error(`end user ${endUserId} has no EndUserCreated`);
  const cipher = await dataKeys.cipherOf(sql, endUserId);
  if (!cipher) throw new Error(`end user ${endUserId} has no data key`);
  return { event: decodeEndUserEvent(stored, cipher), metadata: stored.metadata };
}

/** A copy of an EndUserCreated for a new user, with ids of its own. */
function copyFor(template, endUserId) {
  const { data } = template;
  return {
    type: 'EndUserCreated',
    data: {
      ...data,
      endUserId,
      externalId: `probe-${randomUUID()}`,
      apiKey: { ...data.apiKey, keyId: randomUUID() },
      budget: data.budget && { ...data.budget, budgetId: randomUUID() },
    },
  };
}

/**
 * Inserts `count` rows modelled on the create of `created` (an API response) in one transaction,
 * so the relay sees all of them at once. Returns the outbox id range and the messages file (the
 * caller removes it).
 */
async function insertBacklog(ctx, count, created) {
  const { toOutboxRecord, sealOutboxRecord } = lib('outbox');
  const dataKeys = dataKeysOf(ctx.dataKek);
  const messagesFile = path.join(os.tmpdir(), `bench-backlog-${process.pid}-${Date.now()}.jsonl`);
  const messages = fs.openSync(messagesFile, 'w', 0o600);
  const client = await ctx.db();
  const range = { first: null, last: null, count: 0, messagesFile };
  try {
    const sql = sqlOf(client);
    const template = await createdEvent(sql, dataKeys, created.id);
    const { platformId } = template.event.data;
    await client.query('BEGIN');
    for (let from = 0; from < count; from += BATCH) {
      const keys = { endUserIds: [], kekIds: [], wrapped: [] };
      const rows = { eventIds: [], keys: [], payloads: [], headers: [] };
      const lines = [];
      for (let i = from; i < Math.min(from + BATCH, count); i++) {
        const endUserId = randomUUID();
        const eventId = randomUUID();
        const record = toOutboxRecord(ctx.topic, copyFor(template.event, endUserId), eventId, platformId, template.metadata);
        const { cipher, wrapped } = dataKeys.newKey(endUserId);
        const sealed = sealOutboxRecord(record, cipher);
        keys.endUserIds.push(endUserId);
        keys.kekIds.push(wrapped.kekId);
        keys.wrapped.push(`\\x${wrapped.wrapped.toString('hex')}`);
        rows.eventIds.push(eventId);
        rows.keys.push(sealed.key);
        rows.payloads.push(sealed.payload);
        rows.headers.push(JSON.stringify(sealed.headers));
        lines.push(`${JSON.stringify({ key: record.key, value: record.payload, headers: record.headers })}\n`);
      }
      await client.query('INSERT INTO end_user_data_keys (end_user_id, kek_id, wrapped_key) SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[])', [
        keys.endUserIds,
        keys.kekIds,
        keys.wrapped,
      ]);
      const {
        rows: [inserted],
      } = await client.query(
        `WITH inserted AS (
           INSERT INTO outbox (event_id, topic, message_key, payload, headers)
           SELECT e, $2, k, p, h FROM unnest($1::uuid[], $3::text[], $4::text[], $5::jsonb[]) AS r(e, k, p, h)
           RETURNING id)
         SELECT min(id)::text AS first, max(id)::text AS last, count(*)::int AS count FROM inserted`,
        [rows.eventIds, ctx.topic, rows.keys, rows.payloads, rows.headers],
      );
      if (range.first === null || BigInt(inserted.first) < BigInt(range.first)) range.first = inserted.first;
      if (range.last === null || BigInt(inserted.last) > BigInt(range.last)) range.last = inserted.last;
      range.count += inserted.count;
      fs.writeSync(messages, lines.join(''));
    }
    await client.query('COMMIT');
    return range;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    fs.rmSync(messagesFile, { force: true });
    throw error;
  } finally {
    fs.closeSync(messages);
    await client.end();
  }
}

module.exports = { insertBacklog };
