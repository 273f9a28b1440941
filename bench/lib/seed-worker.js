'use strict';
/**
 * A worker thread of the seed (seed.js): seals the rows of the chunks of users it is asked for, in
 * COPY text format. Sealing is most of a seed's CPU (AES-GCM in the event codec, and for each
 * wrapped key), so several of these run beside PostgreSQL.
 *
 * Requests: { pass: 'created', chunk } → the EndUserCreated events, data keys and claims of the
 * chunk's users; { pass: 'updated', chunk } → the EndUserUpdated of every third user of a chunk
 * this worker created, sealed with the cipher of its stored (wrapped) key, as the service seals an
 * existing user's update.
 */
const { parentPort, workerData } = require('node:worker_threads');
const { lib, dataKeysOf } = require('./app-code');
const { seededId, uuidOfMd5 } = require('./seed');

const { dataKek, platformId, users, chunkSize } = workerData;
const { encodeEndUserEvent, endUserStreamId } = lib('end-users');
const dataKeys = dataKeysOf(dataKek);
const DAY_MS = 86_400_000;
const EPOCH_MS = Date.UTC(2026, 0, 1);

const COPY_ESCAPES = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/** A value in COPY's text format. */
const copyText = (value) => String(value).replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]);
const row = (...values) => `${values.join('\t')}\n`;

/** An event row of the events table, its payload made by the event codec. */
function eventRow(endUserId, n, version, event, cipher, at) {
  const stored = encodeEndUserEvent(event, cipher);
  const metadata = { requestId: 'seed', actorKeyId: null, occurredAt: at };
  return row(
    uuidOfMd5(`${platformId}-${n}-event-${version}`),
    endUserStreamId(endUserId),
    version,
    stored.type,
    stored.schemaVersion,
    copyText(JSON.stringify(stored.data)),
    copyText(JSON.stringify(metadata)),
  );
}

/** The wrapped keys of the users of each chunk this worker created that get an update. */
const toUpdate = new Map();

function created(chunk) {
  const events = [];
  const keys = [];
  const claims = [];
  const wrappedKeys = [];
  for (let n = chunk * chunkSize + 1; n <= Math.min((chunk + 1) * chunkSize, users); n++) {
    const endUserId = seededId(platformId, n);
    const { cipher, wrapped } = dataKeys.newKey(endUserId);
    const at = new Date(EPOCH_MS + n * 1000).toISOString();
    const event = {
      type: 'EndUserCreated',
      data: {
        endUserId,
        platformId,
        externalId: `seed-${n}`,
        displayName: `Seeded user ${n}`,
        metadata: { plan: 'pro', n },
        createdAt: at,
        apiKey: { keyId: uuidOfMd5(`${platformId}-${n}-key`), name: 'Default key', scopes: ['inference'], keyPrefix: 'sk-eu_00', issuedAt: at },
        budget: null,
      },
    };
    events.push(eventRow(endUserId, n, 1, event, cipher, at));
    keys.push(row(endUserId, copyText(wrapped.kekId), `\\\\x${wrapped.wrapped.toString('hex')}`));
    claims.push(row(platformId, `seed-${n}`, endUserId));
    if (n % 3 === 0) wrappedKeys.push({ n, endUserId, wrapped });
  }
  toUpdate.set(chunk, wrappedKeys);
  return { events: events.join(''), keys: keys.join(''), claims: claims.join(''), rows: events.length };
}

function updated(chunk) {
  const events = [];
  for (const { n, endUserId, wrapped } of toUpdate.get(chunk) ?? []) {
    const cipher = dataKeys.cipherFor(endUserId, wrapped);
    const at = new Date(EPOCH_MS + n * 1000 + DAY_MS).toISOString();
    const event = { type: 'EndUserUpdated', data: { endUserId, changes: { displayName: `Renamed ${n}` }, updatedAt: at } };
    events.push(eventRow(endUserId, n, 2, event, cipher, at));
  }
  toUpdate.delete(chunk);
  return { events: events.join(''), keys: '', claims: '', rows: events.length };
}

parentPort.on('message', ({ pass, chunk }) => {
  try {
    parentPort.postMessage({ pass, chunk, ...(pass === 'created' ? created(chunk) : updated(chunk)) });
  } catch (error) {
    parentPort.postMessage({ pass, chunk, error: error instanceof Error ? error.stack : String(error) });
  }
});
