/* global fetch, URL */
'use strict';
/** Pieces several figures share: real creates, quiet points, the pgbench scripts, backlogs, seeding. */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { randomUUID } = require('node:crypto');
const { ROOT, log, sleep, startBroker, stopBroker, cli } = require('./harness');
const { load, pgbench, run } = require('./load');
const { seedEndUsers } = require('./seed');
const { insertBacklog } = require('./backlog');

/** One create through the API; returns the response body. */
async function createOne(ctx, externalId = `probe-${randomUUID()}`) {
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
  const [latest, [committed]] = await Promise.all([
    ctx.kafkaAdmin.fetchTopicOffsets(ctx.topic),
    ctx.kafkaAdmin.fetchOffsets({ groupId: ctx.group, topics: [ctx.topic] }),
  ]);
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

const CAPTURE = path.join(__dirname, 'capture-sql.js');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * Records the statements one unit of work costs in an app: the app is restarted with
 * bench/lib/capture-sql.js preloaded (the API without its relay, so only the request's own
 * statements are seen), recording is armed, `work` runs, and the recording is read back.
 */
async function captureStatements(ctx, app, work) {
  const file = path.join(os.tmpdir(), `bench-capture-${process.pid}-${app}.json`);
  fs.rmSync(file, { force: true });
  const preload = ['-r', CAPTURE];
  if (app === 'api') {
    await ctx.stopApi();
    await ctx.startApi({ OUTBOX_RELAY_ENABLED: 'false', BENCH_CAPTURE_FILE: file }, preload);
  } else {
    await ctx.stopWorker();
    await ctx.startWorker({ BENCH_CAPTURE_FILE: file }, preload);
  }
  const target = app === 'api' ? ctx.api : ctx.worker;
  try {
    target.child.kill('SIGWINCH');
    await sleep(100);
    await work();
    target.child.kill('SIGWINCH');
    for (let i = 0; i < 100 && !fs.existsSync(file); i++) await sleep(50);
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } finally {
    fs.rmSync(file, { force: true });
    if (app === 'api') await ctx.stopApi();
    else await ctx.stopWorker();
    await ctx.startApps();
  }
}

/**
 * A pgbench script of exactly the captured statements, in order, with their parameters as
 * pgbench variables (-D, sent as parameters over the extended protocol like node-postgres does).
 * Every uuid in a parameter except `constants` (the platform, its key) is made fresh per
 * transaction, from one added `SELECT gen_random_uuid() ... \gset` at the start (the only
 * statement pgbench runs that the app did not): a parameter that is a uuid becomes the variable,
 * one that holds uuids inside (JSON, arrays, the external id) gets them by replace(), and a
 * bytea parameter (a key hash: unique) becomes sha256 of a fresh uuid.
 */
function pgbenchOf(captured, constants, { substitute = {}, prelude = [] } = {}) {
  const keep = new Set(constants.map((c) => c.toLowerCase()));
  const substitutes = new Map(Object.entries(substitute).map(([uuid, expression]) => [uuid.toLowerCase(), expression]));
  const fresh = new Map();
  const freshName = (uuid) => {
    const key = uuid.toLowerCase();
    if (!fresh.has(key)) fresh.set(key, `u${fresh.size + 1}`);
    return fresh.get(key);
  };
  const vars = {};
  const lines = [];
  captured.forEach((statement, index) => {
    const text = statement.text
      .trim()
      .replace(/;\s*$/, '')
      .replace(/\$(\d+)/g, (whole, number) => {
        const value = statement.values[Number(number) - 1];
        if (value === null || value === undefined) return 'NULL';
        const raw = String(value);
        const name = `s${index + 1}_${number}`;
        if (/^\\x[0-9a-f]+$/i.test(raw) && raw.length >= 34) return `sha256(convert_to(:${freshName(`bytea:${name}`)}, 'UTF8'))`;
        if (substitutes.has(raw.toLowerCase())) return substitutes.get(raw.toLowerCase());
        const uuids = [...new Set((raw.match(UUID) ?? []).map((u) => u.toLowerCase()).filter((u) => !keep.has(u)))];
        if (uuids.length === 1 && raw.toLowerCase() === uuids[0]) return `:${freshName(uuids[0])}`;
        vars[name] = raw;
        if (uuids.length === 0) return `:${name}`;
        let expression = `:${name}`;
        for (const uuid of uuids) {
          const inValue = raw.match(new RegExp(uuid, 'i'))[0];
          expression = `replace(${expression}, '${inValue}', :${freshName(uuid)})`;
        }
        return `(${expression})`;
      });
    lines.push(`${text};`);
  });
  const names = [...fresh.values()];
  const head = names.length ? [`SELECT ${names.map((n) => `gen_random_uuid()::text AS ${n}`).join(', ')} \\gset`] : [];
  return { script: `${[...prelude, ...head].join('\n')}\n${lines.join('\n')}\n`, vars, statements: captured.length, fresh_ids: names.length };
}

/** The statements the API issues for one new end user, captured from the running build, as a pgbench script. */
async function createScript(ctx) {
  const platform = await ctx.ensurePlatform();
  const [key] = await ctx.query('SELECT id FROM platform_api_keys WHERE platform_id = $1', [platform.id]);
  const captured = await captureStatements(ctx, 'api', () => createOne(ctx));
  const result = pgbenchOf(captured, [platform.id, key.id]);
  log(`create = ${captured.length} statements: ${captured.map((c) => c.text.trim().split(/\s+/).slice(0, 3).join(' ')).join(' | ')}`);
  return { ...result, captured: captured.map((c) => c.text) };
}

/** The worker's statements for one end_user.created, captured from the running build, as a pgbench script. */
async function workerScript(ctx) {
  const platform = await ctx.ensurePlatform();
  const [key] = await ctx.query('SELECT id FROM platform_api_keys WHERE platform_id = $1', [platform.id]);
  const captured = await captureStatements(ctx, 'worker', async () => {
    const created = await createOne(ctx);
    for (let i = 0; i < 600; i++) {
      const rows = await ctx.query('SELECT 1 FROM budgets WHERE end_user_id = $1', [created.id]);
      if (rows.length) return;
      await sleep(50);
    }
    throw new Error('the capture worker never provisioned the budget');
  });
  const result = pgbenchOf(captured, [platform.id, key.id]);
  log(`worker tx = ${captured.length} statements: ${captured.map((c) => c.text.trim().split(/\s+/).slice(0, 3).join(' ')).join(' | ')}`);
  return { ...result, captured: captured.map((c) => c.text) };
}

/** kafkajs partitionsConsumedConcurrently of the built worker: the concurrency of its transactions. */
function workerConcurrency() {
  try {
    const source = fs.readFileSync(path.join(ROOT, 'dist/apps/worker/src/consumers/end-user-events.consumer.js'), 'utf8');
    return Number(/partitionsConsumedConcurrently:\s*(\d+)/.exec(source)[1]);
  } catch {
    return 1;
  }
}

/** Counts rows of `table`: a pgbench baseline must really have written (a replayed id would make it a no-op). */
async function countRows(ctx, table) {
  return (await ctx.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
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
 * B6 and B8 in one pass: with the worker stopped (and for B6 the broker too), a backlog of outbox
 * rows (backlog.js); the broker returns and the relay drains it (rate from the rows' published_at);
 * then the worker starts on the pre-filled topic (rate from its inbox rows' processed_at). With
 * `keepMessages`, the backlog's messages file is returned (`messages_file`) for rawProduce.
 */
async function drainAndConsume(ctx, { withBrokerStopped, keepMessages = false }) {
  await ctx.startApps();
  const template = await createOne(ctx);
  await waitQuiet(ctx);
  await ctx.stopWorker();
  await closeAdmin(ctx);
  if (withBrokerStopped) stopBroker();
  // What autovacuum does between drains in production (the outbox migration tunes it to run after
  // every 10,000 changed rows): this machine's PostgreSQL runs with autovacuum off, and without it
  // every read of the relay walks the dead index entries that the drains before it left.
  await ctx.query('VACUUM (ANALYZE) outbox');
  const insertStarted = performance.now();
  const range = await insertBacklog(ctx, ctx.sizes.backlog, template).catch(async (error) => {
    if (withBrokerStopped) startBroker();
    throw error;
  });
  const insertS = (performance.now() - insertStarted) / 1000;
  if (!keepMessages) fs.rmSync(range.messagesFile, { force: true });
  try {
    return { ...(await drainBacklog(ctx, range, withBrokerStopped)), backlog_insert_s: insertS, messages_file: keepMessages ? range.messagesFile : null };
  } catch (error) {
    fs.rmSync(range.messagesFile, { force: true });
    throw error;
  }
}

/** The broker back (if it was stopped), the relay's drain of the backlog `range`, then the worker's. */
async function drainBacklog(ctx, range, withBrokerStopped) {
  let brokerStartS = null;
  if (withBrokerStopped) {
    await sleep(1000);
    const t = performance.now();
    startBroker();
    brokerStartS = (performance.now() - t) / 1000;
  }
  const startedAt = Date.now();
  for (;;) {
    const [{ pending }] = await ctx.query('SELECT count(*)::int AS pending FROM outbox WHERE id BETWEEN $1 AND $2 AND published_at IS NULL', [
      range.first,
      range.last,
    ]);
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
  // The figures after this one must not pay for this drain's dead outbox entries either.
  await ctx.query('VACUUM (ANALYZE) outbox');
  return {
    backlog: range.count,
    outbox_ids: [range.first, range.last],
    broker_start_s: brokerStartS,
    relay: { per_s: relayPerS, span_s: drain.span, batches: drain.batches },
    worker: { per_s: workerPerS, span_s: consumed.span, processed: consumed.count },
  };
}

/**
 * The raw producer: the same messages as the backlog of `pass` (kept by drainAndConsume with
 * keepMessages), same settings and batch size, to a topic nobody consumes.
 */
async function rawProduce(ctx, pass) {
  try {
    return await load({
      kind: 'produce',
      brokers: ctx.brokers,
      topic: `${ctx.topic}.raw`,
      messagesFile: pass.messages_file,
      batchSize: Number(ctx.appSettings.OUTBOX_BATCH_SIZE),
    });
  } finally {
    fs.rmSync(pass.messages_file, { force: true });
  }
}

/**
 * A database of its own with `users` end users of one platform seeded straight into the event
 * store as the service writes them (bench/lib/seed.js: sealed events, data keys under the apps'
 * DATA_KEK, external-id claims), read tables empty until a rebuild.
 */
async function seedDatabase(ctx, users) {
  await ctx.stopApps();
  ctx.writeDb ??= ctx.dbName;
  ctx.dbName = `${ctx.writeDb}_seeded`;
  await ctx.freshDatabase();
  ctx.platform = ctx.createPlatform('bench seeded');
  const seed = await seedEndUsers({ databaseUrl: ctx.databaseUrl, dataKek: ctx.dataKek, platformId: ctx.platform.id, users });
  const vacuumStarted = performance.now();
  await ctx.query('VACUUM ANALYZE events, end_user_data_keys, end_user_external_ids');
  const vacuumS = (performance.now() - vacuumStarted) / 1000;
  log(
    `seeded ${users} users (${seed.events} events, ${seed.data_keys} data keys) in ${seed.seconds.toFixed(1)} s ` +
      `(${Math.round(seed.users_per_s)} users/s, ${Math.round(seed.events_per_s)} events/s; VACUUM ANALYZE ${vacuumS.toFixed(1)} s) into ${ctx.dbName}`,
  );
  ctx.shared.seeded = { dbName: ctx.dbName, platform: ctx.platform, users, events: seed.events, seed_s: seed.seconds, vacuum_s: vacuumS, seed };
  return ctx.shared.seeded;
}

/** `projections rebuild --projection end_users` through the operator CLI; its own JSON plus the wall time. */
function rebuildEndUsers(ctx) {
  const started = performance.now();
  const printed = cli(['projections', 'rebuild', '--projection', 'end_users'], ctx.appEnv());
  const wallS = (performance.now() - started) / 1000;
  const result = printed.rebuilt[0];
  if (!result.verification.matches) throw new Error('rebuild verification failed');
  // An unreadable seed (no or wrong data keys) folds to erased users: an empty table that verifies.
  const seeded = ctx.shared.seeded?.dbName === ctx.dbName ? ctx.shared.seeded.users : null;
  if (seeded !== null && result.rowsWritten !== seeded) throw new Error(`the rebuild wrote ${result.rowsWritten} rows for ${seeded} seeded users`);
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

module.exports = {
  countRows,
  UUID,
  workerConcurrency,
  pgbenchOf,
  captureStatements,
  createOne,
  waitQuiet,
  withAppsStopped,
  createScript,
  workerScript,
  createsMax,
  drainAndConsume,
  rawProduce,
  seedDatabase,
  rebuildEndUsers,
  orderedCopyScan,
  consumerLag,
  closeAdmin,
  pgbench,
};
