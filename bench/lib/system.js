/* global fetch, URL */
'use strict';
/** Pieces several figures share: real creates, quiet points, the pgbench scripts, backlogs, seeding. */
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { ROOT, log, sleep, startBroker, stopBroker, cli } = require('./harness');
const { load, pgbench, run } = require('./load');

/** One create through the API; returns the response body. */
async function createOne(ctx, externalId = `probe-${Date.now()}-${Math.random().toString(36).slice(2)}`) {
  const platform = await ctx.ensurePlatform();
  const res = await fetch(`${ctx.apiBase}/v1/platforms/${platform.id}/end-users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ external_id: externalId, display_name: 'Bench user 1', metadata: { plan: 'pro', seq: 1 } }),
  });
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
  return res.json();
}

async function consumerLag(ctx) {
  const { Kafka, logLevel } = require('kafkajs');
  ctx.kafkaAdmin ??= new Kafka({ clientId: 'bench-admin', brokers: [ctx.brokers], logLevel: logLevel.NOTHING }).admin();
  await ctx.kafkaAdmin.connect();
  const [latest, [committed]] = await Promise.all([ctx.kafkaAdmin.fetchTopicOffsets(ctx.topic), ctx.kafkaAdmin.fetchOffsets({ groupId: ctx.group, topics: [ctx.topic] })]);
  let lag = 0;
  for (const partition of latest) {
    const done = committed?.partitions.find((p) => p.partition === partition.partition);
    const offset = done && Number(done.offset) >= 0 ? Number(done.offset) : Number(partition.low);
    lag += Math.max(0, Number(partition.high) - offset);
  }
  return lag;
}

async function closeAdmin(ctx) {
  await ctx.kafkaAdmin?.disconnect().catch(() => undefined);
  ctx.kafkaAdmin = null;
}

/** Every outbox row published and every message consumed: nothing left over from the last measurement. */
async function waitQuiet(ctx, timeoutMs = 600_000) {
  const started = Date.now();
  await ctx.waitOutboxDrained(timeoutMs);
  for (;;) {
    const lag = await consumerLag(ctx);
    if (lag === 0) break;
    if (Date.now() - started > timeoutMs) throw new Error(`the worker still lags ${lag} messages`);
    await sleep(250);
  }
  const waited = Date.now() - started;
  if (waited > 1000) log(`waited ${(waited / 1000).toFixed(1)} s for the relay and the worker to catch up`);
}

/**
 * pgbench runs with the API and worker stopped: its outbox rows must not reach the relay. They are
 * marked published afterwards (only pgbench rows are unpublished then), and the apps restarted.
 */
async function withAppsStopped(ctx, work) {
  await waitQuiet(ctx);
  await ctx.stopApps();
  try {
    return await work();
  } finally {
    await ctx.query('UPDATE outbox SET published_at = now() WHERE published_at IS NULL');
    await ctx.startApps();
  }
}

/**
 * The statements the API issues for one new end user, in order, as a pgbench script (extended
 * protocol, like node-postgres): the platform-key auth SELECT (on its own pooled connection, before
 * the transaction), BEGIN, the external-id claim, the events INSERT ... RETURNING, the end_users +
 * end_user_api_keys projection upsert, the outbox INSERT, the key-hash INSERT, COMMIT. The statement
 * texts are those of apps/api and libs (key-authenticator, create-end-user.handler, event-store,
 * read-models, outbox). Fresh ids per transaction come from gen_random_uuid() in the auth SELECT's
 * select list (\gset), so no statement is added; payloads are the bytes of a real create.
 */
async function createScript(ctx) {
  const created = await createOne(ctx);
  const id = created.id;
  const [event] = await ctx.query('SELECT event_id, payload::text AS payload, metadata::text AS metadata FROM events WHERE stream_id = $1', [`end_user-${id}`]);
  const [outbox] = await ctx.query('SELECT topic, payload, headers::text AS headers FROM outbox WHERE event_id = $1', [event.event_id]);
  const [user] = await ctx.query('SELECT display_name, metadata::text AS metadata FROM end_users WHERE id = $1', [id]);
  const [key] = await ctx.query('SELECT key_prefix, name, scopes, created_at FROM end_user_api_keys WHERE end_user_id = $1', [id]);
  const [platformKey] = await ctx.query("SELECT '\\x' || encode(key_hash, 'hex') AS hash FROM platform_api_keys WHERE platform_id = $1", [ctx.platform.id]);
  const keys = JSON.stringify([{ id: '__KID__', key_prefix: key.key_prefix, name: key.name, scopes: key.scopes, created_at: key.created_at.toISOString() }]);
  const script = `-- one POST /end-users (new user), statement by statement
SELECT k.id AS key_id, k.platform_id, k.key_hash, p.settings, gen_random_uuid() AS eu, gen_random_uuid() AS kid, gen_random_uuid() AS evid
       FROM platform_api_keys k JOIN platforms p ON p.id = k.platform_id
       WHERE k.key_hash = :plat_hash AND k.is_active AND (k.expires_at IS NULL OR k.expires_at > now()) \\gset
BEGIN;
INSERT INTO end_user_external_ids (platform_id, external_id, end_user_id) VALUES (:platform_id, :eu, :eu)
       ON CONFLICT (platform_id, external_id) DO NOTHING RETURNING end_user_id;
INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, payload, metadata)
       SELECT e.event_id, 'end_user-' || :eu, 0 + e.ordinality, e.event_type, e.schema_version, e.payload, :ev_meta::jsonb
       FROM unnest(ARRAY[:evid]::uuid[], ARRAY['EndUserCreated']::text[], ARRAY[1]::int[], ARRAY[:ev_payload]::jsonb[]) WITH ORDINALITY AS e(event_id, event_type, schema_version, payload, ordinality)
       ORDER BY e.ordinality
       RETURNING global_position, event_id, stream_id, stream_version, event_type, schema_version, payload, metadata, recorded_at;
WITH upserted AS (
       INSERT INTO end_users (id, platform_id, external_id, display_name, metadata, is_active, created_at, updated_at, stream_version)
       VALUES (:eu, :platform_id, :eu, :display_name, :eu_meta::jsonb, true, now(), now(), 1)
       ON CONFLICT (id) DO UPDATE SET
         display_name = EXCLUDED.display_name, metadata = EXCLUDED.metadata, is_active = EXCLUDED.is_active,
         updated_at = EXCLUDED.updated_at, stream_version = EXCLUDED.stream_version
       WHERE end_users.stream_version < EXCLUDED.stream_version
     )
     INSERT INTO end_user_api_keys (id, platform_id, end_user_id, key_prefix, name, scopes, is_active, created_at)
     SELECT k.id, :platform_id, :eu, k.key_prefix, k.name, k.scopes, true, k.created_at
     FROM jsonb_to_recordset(replace(:keys_tpl, '__KID__', :kid)::jsonb) AS k(id uuid, key_prefix text, name text, scopes text[], created_at timestamptz)
     ON CONFLICT (id) DO NOTHING;
INSERT INTO outbox (event_id, topic, message_key, payload, headers)
       SELECT * FROM unnest(ARRAY[:evid]::uuid[], ARRAY[:topic]::text[], ARRAY[:eu]::text[], ARRAY[:ob_payload]::text[], ARRAY[:ob_headers]::jsonb[]);
INSERT INTO end_user_key_hashes (key_id, key_hash, end_user_id, platform_id) VALUES (:kid, sha256(convert_to(:kid, 'UTF8')), :eu, :platform_id);
COMMIT;
`;
  const vars = {
    plat_hash: platformKey.hash,
    ev_meta: event.metadata,
    ev_payload: event.payload,
    display_name: user.display_name,
    eu_meta: user.metadata,
    keys_tpl: keys,
    topic: outbox.topic,
    ob_payload: outbox.payload,
    ob_headers: outbox.headers,
  };
  return { script, vars, template: { endUserId: id, eventId: event.event_id, budgetId: created.budget?.id ?? null } };
}

/** The worker's transaction for one end_user.created (inbox row, platform check, budget + opening ledger row). */
async function workerScript(ctx) {
  const [ledger] = await ctx.query(
    `SELECT l.type, l.amount_usd::text, l.max_usd_after::text, l.used_usd_after::text, l.remaining_usd_after::text, l.reason, l.created_at, b.max_usd::text AS max_usd, b.period, b.period_start
     FROM budget_ledger l JOIN budgets b ON b.id = l.budget_id WHERE l.platform_id = $1 LIMIT 1`,
    [ctx.platform.id],
  );
  if (!ledger) throw new Error('no provisioned budget to copy the worker transaction from');
  const script = `-- the worker's transaction for one end_user.created (event-processor + inbox + provision-budget reaction)
BEGIN;
INSERT INTO processed_events (consumer, event_id) VALUES ('provision-budget-when-end-user-created', gen_random_uuid()) ON CONFLICT DO NOTHING RETURNING event_id;
SELECT 1 FROM platforms WHERE id = :platform_id;
WITH budget AS (
         INSERT INTO budgets (id, platform_id, end_user_id, max_usd, used_usd, period, period_start, created_at, updated_at)
         VALUES (gen_random_uuid(), :platform_id, gen_random_uuid(), :max_usd, 0, :period, :period_start, :created_at, :created_at)
         ON CONFLICT DO NOTHING
         RETURNING id
       )
       INSERT INTO budget_ledger (id, budget_id, end_user_id, platform_id, type, amount_usd, max_usd_after, used_usd_after, remaining_usd_after, reason, created_at, source_event_id)
       SELECT gen_random_uuid(), budget.id, gen_random_uuid(), :platform_id, :type, :amount, :max_after, :used_after, :remaining_after, :reason, :created_at, gen_random_uuid() FROM budget
       ON CONFLICT DO NOTHING;
COMMIT;
`;
  const vars = {
    platform_id: ctx.platform.id,
    max_usd: ledger.max_usd,
    period: ledger.period,
    period_start: ledger.period_start.toISOString(),
    created_at: ledger.created_at.toISOString(),
    type: ledger.type,
    amount: ledger.amount_usd,
    max_after: ledger.max_usd_after,
    used_after: ledger.used_usd_after,
    remaining_after: ledger.remaining_usd_after,
    reason: ledger.reason,
  };
  return { script, vars };
}

/** The B1 maximum of this run, or a quick measurement of it when a figure runs alone. */
async function createsMax(ctx) {
  if (ctx.shared.b1Max) return ctx.shared.b1Max;
  await ctx.startApps();
  const platform = await ctx.ensurePlatform();
  const spec = { route: 'create', platformId: platform.id, key: platform.key, connections: ctx.sizes.concurrency };
  await load({ kind: 'closed', base: ctx.apiBase, ...spec, durationS: ctx.sizes.warmupS });
  const result = await load({ kind: 'closed', base: ctx.apiBase, ...spec, durationS: ctx.sizes.durationS });
  ctx.shared.b1Max = result.per_s;
  log(`B1 maximum measured for half load: ${result.per_s.toFixed(0)} creates/s`);
  await waitQuiet(ctx);
  return ctx.shared.b1Max;
}

/**
 * A backlog of `count` end_user.created outbox rows, copied from a real one with fresh event,
 * end-user and budget ids (so the worker does the full work for each), in one INSERT.
 */
async function insertBacklog(ctx, count, created) {
  const [event] = await ctx.query("SELECT event_id FROM events WHERE stream_id = $1", [`end_user-${created.id}`]);
  const [range] = await ctx.query(
    `WITH template AS (SELECT topic, message_key, payload, headers::text AS headers, event_id::text AS event_id FROM outbox WHERE event_id = $1),
          ids AS (SELECT gen_random_uuid()::text AS ev, gen_random_uuid()::text AS eu, gen_random_uuid()::text AS bu FROM generate_series(1, $2::int)),
          inserted AS (
            INSERT INTO outbox (event_id, topic, message_key, payload, headers)
            SELECT ids.ev::uuid, t.topic, ids.eu, replace(replace(replace(t.payload, t.event_id, ids.ev), t.message_key, ids.eu), $3, ids.bu), replace(t.headers, t.event_id, ids.ev)::jsonb
            FROM ids, template t
            RETURNING id)
     SELECT min(id)::text AS first, max(id)::text AS last, count(*)::int AS count FROM inserted`,
    [event.event_id, count, created.budget.id],
  );
  return range;
}

/**
 * B6 and B8 in one pass: with the worker stopped (and for B6 the broker too), a backlog of outbox
 * rows; the broker returns and the relay drains it (rate from the rows' published_at); then the
 * worker starts on the pre-filled topic (rate from its inbox rows' processed_at).
 */
async function drainAndConsume(ctx, { withBrokerStopped }) {
  await ctx.startApps();
  const template = await createOne(ctx);
  await waitQuiet(ctx);
  await ctx.stopWorker();
  await closeAdmin(ctx);
  if (withBrokerStopped) stopBroker();
  const range = await insertBacklog(ctx, ctx.sizes.backlog, template).catch(async (error) => {
    if (withBrokerStopped) startBroker();
    throw error;
  });
  let brokerStartS = null;
  if (withBrokerStopped) {
    await sleep(1000);
    const t = performance.now();
    startBroker();
    brokerStartS = (performance.now() - t) / 1000;
  }
  const startedAt = Date.now();
  for (;;) {
    const [{ pending }] = await ctx.query('SELECT count(*)::int AS pending FROM outbox WHERE id BETWEEN $1 AND $2 AND published_at IS NULL', [range.first, range.last]);
    if (pending === 0) break;
    if (Date.now() - startedAt > 900_000) throw new Error(`relay still has ${pending} rows after 15 minutes`);
    await sleep(250);
  }
  const [drain] = await ctx.query(
    `SELECT extract(epoch FROM max(published_at) - min(published_at))::float8 AS span, count(DISTINCT published_at)::int AS batches FROM outbox WHERE id BETWEEN $1 AND $2`,
    [range.first, range.last],
  );
  const batchSize = Number(ctx.appSettings.OUTBOX_BATCH_SIZE);
  // published_at is each batch's UPDATE time: the span covers every batch after the first.
  const relayPerS = drain.span > 0 ? (range.count - Math.min(batchSize, range.count)) / drain.span : null;

  const [{ now: workerFrom }] = await ctx.query('SELECT now() AS now');
  await ctx.startWorker();
  const consumeStarted = Date.now();
  for (;;) {
    const [{ done }] = await ctx.query('SELECT count(*)::int AS done FROM processed_events WHERE processed_at >= $1', [workerFrom]);
    if (done >= range.count) break;
    if (Date.now() - consumeStarted > 1_800_000) throw new Error(`worker processed only ${done} of ${range.count} after 30 minutes`);
    await sleep(500);
  }
  const [consumed] = await ctx.query(
    `SELECT extract(epoch FROM max(processed_at) - min(processed_at))::float8 AS span, count(*)::int AS count FROM processed_events WHERE processed_at >= $1`,
    [workerFrom],
  );
  const workerPerS = consumed.span > 0 ? (consumed.count - 1) / consumed.span : null;
  return {
    backlog: range.count,
    outbox_ids: [range.first, range.last],
    broker_start_s: brokerStartS,
    relay: { per_s: relayPerS, span_s: drain.span, batches: drain.batches },
    worker: { per_s: workerPerS, span_s: consumed.span, processed: consumed.count },
  };
}

/** The raw producer: the same rows, same settings and batch size, to a topic nobody consumes. */
async function rawProduce(ctx, outboxIds) {
  return load({ kind: 'produce', brokers: ctx.brokers, topic: `${ctx.topic}.raw`, databaseUrl: ctx.databaseUrl, range: outboxIds, batchSize: Number(ctx.appSettings.OUTBOX_BATCH_SIZE) });
}

const SEED_SQL = path.join(ROOT, 'bench', 'seed-events-deterministic.sql');

/**
 * A database of its own with `users` end users of one platform seeded straight into the event
 * store (bench/seed-events-deterministic.sql), read tables empty until a rebuild.
 */
async function seedDatabase(ctx, users) {
  await ctx.stopApps();
  ctx.writeDb ??= ctx.dbName;
  ctx.dbName = `${ctx.writeDb}_seeded`;
  await ctx.freshDatabase();
  ctx.platform = ctx.createPlatform('bench seeded');
  const started = performance.now();
  const url = new URL(ctx.databaseUrl);
  execFileSync('psql', ['-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres', '-d', ctx.dbName, '-q', '-v', 'ON_ERROR_STOP=1', '-v', `users=${users}`, '-v', `platform='${ctx.platform.id}'`, '-f', SEED_SQL], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const seedS = (performance.now() - started) / 1000;
  const [{ events }] = await ctx.query("SELECT count(*)::int AS events FROM events WHERE stream_id LIKE 'end_user-%'");
  await ctx.query('VACUUM ANALYZE events');
  log(`seeded ${users} users (${events} events) in ${seedS.toFixed(1)} s into ${ctx.dbName}`);
  ctx.shared.seeded = { dbName: ctx.dbName, platform: ctx.platform, users, events, seed_s: seedS };
  return ctx.shared.seeded;
}

/** `projections rebuild --projection end_users` through the operator CLI; its own JSON plus the wall time. */
function rebuildEndUsers(ctx) {
  const started = performance.now();
  const printed = cli(['projections', 'rebuild', '--projection', 'end_users'], ctx.appEnv());
  const wallS = (performance.now() - started) / 1000;
  const result = printed.rebuilt[0];
  if (!result.verification.matches) throw new Error('rebuild verification failed');
  return { ...result, wall_s: wallS };
}

/** The baseline of a rebuild: every end-user event, in the rebuild's order, through COPY to nowhere. */
async function orderedCopyScan(ctx) {
  const url = new URL(ctx.databaseUrl);
  const started = performance.now();
  await run('bash', [
    '-c',
    `psql -h ${url.hostname} -p ${url.port || 5432} -U ${url.username || 'postgres'} -d ${ctx.dbName} -q -c "COPY (SELECT global_position, stream_id, stream_version, event_type, schema_version, payload FROM events WHERE stream_id LIKE 'end_user-%' ORDER BY stream_id, stream_version) TO STDOUT" > /dev/null`,
  ]);
  return (performance.now() - started) / 1000;
}

module.exports = { createOne, waitQuiet, withAppsStopped, createScript, workerScript, createsMax, drainAndConsume, rawProduce, seedDatabase, rebuildEndUsers, orderedCopyScan, consumerLag, closeAdmin, pgbench };
