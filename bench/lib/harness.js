/* global setTimeout, clearTimeout, fetch, URL */
'use strict';
/**
 * The benchmark harness: a database, a broker and a topic of the benchmarks' own, the API and the
 * worker as child processes, repetitions, medians and spreads, the table and the JSON result.
 * Plain CommonJS run by Node against the project's build (`npm run build` first).
 */
const { spawn, execFileSync } = require('node:child_process');
const { once } = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createHash, randomBytes } = require('node:crypto');
const net = require('node:net');
const { Client } = require('pg');

const ROOT = path.resolve(__dirname, '..', '..');
const SMOKE = process.env.BENCH_MODE === 'smoke' || process.argv.includes('--smoke');

/** Every size and duration of a run; the smoke run is the same code in seconds. */
const SIZES = SMOKE
  ? {
      reps: 1,
      warmupS: 1,
      durationS: 2,
      latencyDurationS: 3,
      readDurationS: 2,
      concurrency: 32,
      readConcurrency: 4,
      seedUsers: 2000,
      backlog: 1000,
      soakWarmupS: 3,
      soakS: 10,
      rssEveryS: 1,
      lagProbesPerS: 10,
      rebuildReps: 1,
      b9Reps: 1,
    }
  : {
      reps: 3,
      warmupS: 5,
      durationS: 20,
      latencyDurationS: 20,
      readDurationS: 15,
      concurrency: 32,
      readConcurrency: 4,
      seedUsers: 1_000_000,
      backlog: 100_000,
      soakWarmupS: 60,
      soakS: 300,
      rssEveryS: 5,
      lagProbesPerS: 10,
      rebuildReps: 3,
      b9Reps: 1,
    };
for (const key of Object.keys(SIZES)) {
  const fromEnv = process.env[`BENCH_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`];
  if (fromEnv !== undefined && fromEnv !== '') SIZES[key] = Number(fromEnv);
}

const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Names and ports of this checkout's own: a CI clone running the smoke beside a developer's run
// must not drop the other's database or take its ports.
const CHECKOUT = createHash('sha1').update(ROOT).digest('hex').slice(0, 6);
const DB_NAME = process.env.BENCH_DB ?? `end_users_perf_${CHECKOUT}`;
const KAFKA_HOST = '127.0.0.1';
const broker = { port: Number(process.env.BENCH_KAFKA_PORT ?? 0), controllerPort: Number(process.env.BENCH_KAFKA_CONTROLLER_PORT ?? 0) };
const KAFKA_RUN_DIR = path.join(ROOT, '.run', 'kafka-bench');
const TOPIC = process.env.BENCH_KAFKA_TOPIC ?? 'end-users.events.v1.perf';
const RTT_TOPIC = `${TOPIC}.rtt`;
const GROUP = process.env.BENCH_KAFKA_CONSUMER_GROUP ?? 'end-users-worker-perf';
const LOG_DIR = path.join(ROOT, '.run', 'bench');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function dbUrl(name) {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

// ---------------------------------------------------------------- statistics

function quantile(values, q) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
const median = (values) => {
  const present = values.filter((v) => v !== null && v !== undefined && Number.isFinite(v));
  if (present.length === 0) return null;
  const sorted = [...present].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (value, digits = 1) =>
  value === null || value === undefined || !Number.isFinite(value) ? null : Math.round(value * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------- processes

function runScript(file, extraEnv = {}, { quiet = true } = {}) {
  execFileSync('bash', [path.join(ROOT, file)], { cwd: ROOT, env: { ...process.env, ...extraEnv }, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'pipe'] });
}

const brokerEnv = () => ({
  KAFKA_HOST,
  KAFKA_PORT: String(broker.port),
  KAFKA_CONTROLLER_PORT: String(broker.controllerPort),
  KAFKA_RUN_DIR,
  KAFKA_TOPIC: TOPIC,
  KAFKA_BROKERS: `${KAFKA_HOST}:${broker.port}`,
});

/** A port nothing listens on now (the kernel's pick). */
async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One benchmark at a time per checkout: they share the database, the broker and the ports. */
function takeLock() {
  const file = path.join(LOG_DIR, 'lock');
  fs.mkdirSync(LOG_DIR, { recursive: true });
  try {
    const holder = Number(fs.readFileSync(file, 'utf8'));
    if (holder && holder !== process.pid) {
      process.kill(holder, 0);
      throw new Error(`another benchmark (pid ${holder}) is running from this checkout`);
    }
  } catch (error) {
    if (error.code !== 'ENOENT' && error.code !== 'ESRCH') throw error;
  }
  fs.writeFileSync(file, String(process.pid));
  process.once('exit', () => {
    try {
      if (Number(fs.readFileSync(file, 'utf8')) === process.pid) fs.rmSync(file);
    } catch {
      // already gone
    }
  });
}

/** The benchmarks' own broker (its own ports and run dir), so stopping it never disturbs anyone else's tests. */
function startBroker() {
  runScript('scripts/kafka/start.sh', brokerEnv());
}
function stopBroker() {
  runScript('scripts/kafka/stop.sh', brokerEnv());
}
function ensureTopic(topic) {
  execFileSync(process.execPath, ['scripts/kafka/ensure-topics.js'], {
    cwd: ROOT,
    env: { ...process.env, ...brokerEnv(), KAFKA_TOPIC: topic },
    stdio: 'ignore',
  });
}

function cli(args, env) {
  const out = execFileSync(process.execPath, ['dist/apps/cli/src/main.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  }).toString();
  return JSON.parse(out.slice(out.indexOf('{')));
}

function kafkaVersion() {
  try {
    const jars = fs.readdirSync(path.join(ROOT, '.cache', 'kafka'));
    return process.env.KAFKA_VERSION ?? jars.sort().pop();
  } catch {
    return null;
  }
}

class App {
  constructor(name, env, port, extraArgs = []) {
    this.name = name;
    this.port = port;
    fs.mkdirSync(LOG_DIR, { recursive: true });
    const out = fs.openSync(path.join(LOG_DIR, `${name}.log`), 'a');
    this.child = spawn(process.execPath, [...extraArgs, path.join(ROOT, `dist/apps/${name}/src/main.js`)], { cwd: ROOT, env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.exited = once(this.child, 'exit');
  }

  get pid() {
    return this.child.pid;
  }

  alive() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resident set size in KiB, from /proc. */
  rssKiB() {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  }

  async waitReady(pathname, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.alive()) throw new Error(`${this.name} exited during start-up (see ${path.join(LOG_DIR, `${this.name}.log`)})`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}${pathname}`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} not ready within ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  async stop() {
    if (!this.alive()) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- the context

/**
 * One benchmark session: a fresh database, the bench broker and topics, a platform, the apps.
 * `shared` carries results between figures of one run (e.g. the B1 maximum for "half load").
 */
class Context {
  constructor() {
    this.sizes = SIZES;
    this.smoke = SMOKE;
    this.dbName = DB_NAME;
    this.topic = TOPIC;
    this.rttTopic = RTT_TOPIC;
    this.group = GROUP;
    this.brokers = null;
    this.apiPort = Number(process.env.BENCH_API_PORT ?? 0);
    this.workerPort = Number(process.env.BENCH_WORKER_PORT ?? 0);
    this.api = null;
    this.worker = null;
    this.platform = null;
    this.shared = {};
    this.figures = [];
    this.started = new Date();
    this.loadAverages = [];
    this.appSettings = {
      DB_POOL_MAX: process.env.BENCH_DB_POOL_MAX ?? '10',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'log',
      NODE_ENV: 'production',
      OUTBOX_BATCH_SIZE: process.env.BENCH_OUTBOX_BATCH_SIZE ?? '500',
      OUTBOX_POLL_INTERVAL_MS: '50',
    };
    this.mcpKey = randomBytes(32).toString('hex');
    this.dataKek = `bench:${randomBytes(32).toString('hex')}`;
  }

  get databaseUrl() {
    return dbUrl(this.dbName);
  }

  appEnv(extra = {}) {
    return {
      ...process.env,
      ...this.appSettings,
      DATABASE_URL: this.databaseUrl,
      KAFKA_BROKERS: this.brokers,
      KAFKA_TOPIC: this.topic,
      KAFKA_CONSUMER_GROUP: this.group,
      KAFKA_CLIENT_ID: 'end-users-perf',
      PORT: String(this.apiPort),
      WORKER_PORT: String(this.workerPort),
      MCP_CREDENTIALS_KEY: this.mcpKey,
      DATA_KEK: this.dataKek,
      ...extra,
    };
  }

  /** A fresh database (dropped if left over), migrated; the bench broker with fresh topics. */
  async prepare({ dbName } = {}) {
    if (!fs.existsSync(path.join(ROOT, 'dist/apps/api/src/main.js'))) throw new Error('no build: run `npm run build` first');
    if (dbName) this.dbName = dbName;
    takeLock();
    this.recordLoad('start');
    this.apiPort ||= await freePort();
    this.workerPort ||= await freePort();
    await this.freshDatabase();
    if (!this.brokerReady) {
      stopBroker();
      broker.port ||= await freePort();
      broker.controllerPort ||= await freePort();
      this.brokers = `${KAFKA_HOST}:${broker.port}`;
      log(`bench broker on ${this.brokers} (run dir .run/kafka-bench), fresh data; database ${this.dbName}`);
      fs.rmSync(path.join(KAFKA_RUN_DIR, 'data'), { recursive: true, force: true });
      startBroker();
      ensureTopic(this.rttTopic);
      ensureTopic(`${this.topic}.raw`);
      this.brokerReady = true;
    }
  }

  async freshDatabase() {
    await this.stopApps();
    const admin = new Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${this.dbName}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${this.dbName}"`);
    } finally {
      await admin.end();
    }
    execFileSync(process.execPath, ['dist/libs/persistence/src/cli/migrate.js'], { cwd: ROOT, env: this.appEnv(), stdio: 'ignore' });
    log(`database ${this.dbName}: fresh and migrated`);
    this.platform = null;
  }

  /** A platform with a default budget (so every create leads to worker work) and its key. */
  createPlatform(name = 'bench') {
    const printed = cli(['platforms', 'create', '--name', `${name} ${new Date().toISOString()}`, '--default-budget-usd', '25'], this.appEnv());
    return { id: printed.platform.id, key: printed.api_key.raw_key };
  }

  async ensurePlatform() {
    this.platform ??= this.createPlatform();
    return this.platform;
  }

  async startApi(extra = {}, nodeArgs = []) {
    if (this.api?.alive()) return this.api;
    this.api = new App('api', this.appEnv(extra), this.apiPort, nodeArgs);
    await this.api.waitReady('/health/ready');
    return this.api;
  }

  async startWorker(extra = {}, nodeArgs = this.workerNodeArgs ?? []) {
    if (this.worker?.alive()) return this.worker;
    this.worker = new App('worker', this.appEnv(extra), this.workerPort, nodeArgs);
    await this.worker.waitReady('/health/live');
    return this.worker;
  }

  async startApps() {
    await this.ensurePlatform();
    await this.startApi();
    await this.startWorker();
  }

  async stopApi() {
    await this.api?.stop();
    this.api = null;
  }

  async stopWorker() {
    await this.worker?.stop();
    this.worker = null;
  }

  async stopApps() {
    await this.stopApi();
    await this.stopWorker();
  }

  get apiBase() {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  async db() {
    const client = new Client({ connectionString: this.databaseUrl, application_name: 'bench-harness' });
    await client.connect();
    return client;
  }

  async query(sql, params = []) {
    const client = await this.db();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** Waits until every outbox row is published (e.g. before stopping the API for a baseline). */
  async waitOutboxDrained(timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [{ count }] = await this.query('SELECT count(*)::int AS count FROM outbox WHERE published_at IS NULL');
      if (count === 0) return;
      if (Date.now() > deadline) throw new Error(`outbox still has ${count} unpublished rows`);
      await sleep(200);
    }
  }

  recordLoad(label) {
    const [one, five, fifteen] = os.loadavg();
    const entry = { at: new Date().toISOString(), label, one: round(one, 2), five: round(five, 2), fifteen: round(fifteen, 2) };
    this.loadAverages.push(entry);
    return entry;
  }

  async machine() {
    const [{ version }] = await this.query('SELECT version()');
    const settings = await this.query(
      `SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers','synchronous_commit','fsync','max_connections','work_mem','effective_cache_size','max_wal_size','jit','commit_delay','wal_level') ORDER BY name`,
    );
    let commit = null;
    try {
      commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
      const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps', 'libs'], { cwd: ROOT }).toString().trim();
      if (dirty) commit += ' (apps/libs have uncommitted changes)';
    } catch {
      // not a git checkout
    }
    const cpus = os.cpus();
    return {
      cores: cpus.length,
      cpu_model: cpus[0]?.model ?? null,
      memory_gib: round(os.totalmem() / 2 ** 30, 1),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      postgres: version,
      postgres_settings: Object.fromEntries(settings.map((s) => [s.name, `${s.setting}${s.unit ? ` ${s.unit}` : ''}`])),
      pgbench: execFileSync('pgbench', ['--version']).toString().trim(),
      kafka: kafkaVersion(),
      kafkajs: require('kafkajs/package.json').version,
      autocannon: require('autocannon/package.json').version,
      commit,
      app_settings: this.appSettings,
    };
  }
}

// ---------------------------------------------------------------- figures, table, results

/**
 * A figure: `rows` (each with a key, label, unit, baseline label and target) and `rep(ctx, index)`,
 * which returns `{ [rowKey]: { value, baseline, extra } }`. The harness repeats it and keeps every number.
 */
function evaluate(row, value, baseline, ratio) {
  const t = row.target;
  if (value === null) return 'n/a';
  const checks = [];
  if (t.ratioMin !== undefined) checks.push(ratio !== null && ratio >= t.ratioMin);
  if (t.valueMax !== undefined) checks.push(value <= t.valueMax);
  if (t.valueMin !== undefined) checks.push(value >= t.valueMin);
  return checks.every(Boolean) ? 'pass' : 'MISS';
}

async function runFigure(ctx, figure, reps = figure.reps?.(ctx) ?? ctx.sizes.reps) {
  log(`${figure.id}: ${figure.title} (${reps} repetition${reps === 1 ? '' : 's'})`);
  const loadBefore = ctx.recordLoad(`${figure.id} before`);
  const started = Date.now();
  if (figure.setup) await figure.setup(ctx);
  const repetitions = [];
  for (let index = 0; index < reps; index++) {
    const result = await figure.rep(ctx, index);
    repetitions.push(result);
    const summary = figure.rows
      .map((row) => `${row.key} ${round(result[row.key]?.value, 2)} ${row.unit} (baseline ${round(result[row.key]?.baseline, 2)})`)
      .join('; ');
    log(`${figure.id} rep ${index + 1}/${reps}: ${summary}`);
  }
  if (figure.teardown) await figure.teardown(ctx);
  const loadAfter = ctx.recordLoad(`${figure.id} after`);
  const rows = figure.rows.map((row) => {
    const values = repetitions.map((r) => r[row.key]?.value ?? null);
    const baselines = repetitions.map((r) => r[row.key]?.baseline ?? null);
    const ratios = repetitions.map((r) => (r[row.key]?.value != null && r[row.key]?.baseline ? r[row.key].value / r[row.key].baseline : null));
    const value = median(values);
    const baseline = median(baselines);
    const ratio = median(ratios);
    const present = values.filter((v) => v !== null);
    return {
      key: row.key,
      label: row.label,
      unit: row.unit,
      baseline_label: row.baselineLabel,
      baseline_unit: row.baselineUnit ?? row.unit,
      target: row.target.text,
      value,
      value_min: present.length ? Math.min(...present) : null,
      value_max: present.length ? Math.max(...present) : null,
      baseline,
      ratio,
      verdict: evaluate(row, value, baseline, ratio),
      values,
      baselines,
      ratios,
    };
  });
  const record = {
    id: figure.id,
    title: figure.title,
    repetitions: reps,
    seconds: Math.round((Date.now() - started) / 1000),
    load_average: { before: loadBefore, after: loadAfter },
    rows,
    raw: repetitions.map((r) => Object.fromEntries(Object.entries(r).map(([key, v]) => [key, v]))),
  };
  ctx.figures.push(record);
  return record;
}

function fmt(value, unit) {
  if (value === null || value === undefined) return '-';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

function tableLines(ctx) {
  const header = ['#', 'figure', 'value (median)', 'spread (min-max)', 'baseline (median)', 'ratio', 'target', 'result', 'load avg before/after'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const figure of ctx.figures) {
    for (const row of figure.rows) {
      lines.push(
        `| ${row.key} | ${row.label} | ${fmt(row.value, row.unit)} | ${fmt(row.value_min)}-${fmt(row.value_max)} | ${fmt(row.baseline, row.baseline_unit)} (${row.baseline_label}) | ${row.ratio === null ? '-' : row.ratio.toFixed(2)} | ${row.target} | ${row.verdict} | ${figure.load_average.before.one}/${figure.load_average.after.one} |`,
      );
    }
  }
  return lines;
}

async function writeResults(ctx, extra = {}) {
  ctx.recordLoad('end');
  const machine = await ctx.machine().catch((error) => ({ error: String(error) }));
  const result = {
    mode: ctx.smoke ? 'smoke' : 'full',
    command:
      process.env.BENCH_COMMAND ??
      `node ${process.argv
        .slice(1)
        .map((a) => path.relative(ROOT, a) || a)
        .join(' ')}`,
    started_at: ctx.started.toISOString(),
    finished_at: new Date().toISOString(),
    machine,
    sizes: ctx.sizes,
    load_average: ctx.loadAverages,
    figures: ctx.figures,
    ...extra,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${ctx.smoke ? 'smoke-' : ''}${ctx.started.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `\n${tableLines(ctx).join('\n')}\n\nmachine: ${machine.cores} cores, node ${machine.node}, ${String(machine.postgres).split(' on ')[0]}, kafka ${machine.kafka}\n`,
  );
  process.stdout.write(`load average (1 min): ${ctx.loadAverages.map((l) => `${l.label} ${l.one}`).join(', ')}\nresults: ${path.relative(ROOT, file)}\n`);
  return file;
}

/** Runs figures in one session and always leaves the apps stopped (the bench broker keeps running). */
async function runFigures(figures) {
  const ctx = new Context();
  let failure = null;
  try {
    await ctx.prepare();
    for (const figure of figures) await runFigure(ctx, figure);
  } catch (error) {
    failure = error;
    log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  } finally {
    await ctx.stopApps().catch(() => undefined);
    await ctx.kafkaAdmin?.disconnect().catch(() => undefined);
    if (ctx.brokerReady) {
      try {
        stopBroker();
      } catch (error) {
        log(`could not stop the bench broker: ${error}`);
      }
    }
    if (ctx.figures.length > 0 || failure)
      await writeResults(ctx, failure ? { error: String(failure) } : {}).catch((error) => log(`could not write results: ${error}`));
  }
  if (failure) process.exitCode = 1;
  return ctx;
}

/** `node bench/bN-....js` runs one figure alone. */
function mainFor(figures, module) {
  if (require.main === module) {
    process.env.BENCH_COMMAND ??= `node ${path.relative(ROOT, module.filename)}${SMOKE ? ' --smoke' : ''}`;
    runFigures(figures)
      .catch((error) => {
        log(String(error));
        process.exitCode = 1;
      })
      .finally(() => process.exit());
  }
}

module.exports = {
  ROOT,
  SMOKE,
  SIZES,
  Context,
  App,
  runFigure,
  runFigures,
  mainFor,
  writeResults,
  startBroker,
  stopBroker,
  ensureTopic,
  cli,
  log,
  sleep,
  quantile,
  median,
  round,
  dbUrl,
};
