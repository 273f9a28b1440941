/*
 * Measures, against the built apps (`npm run build`) as separate processes, the real broker and PostgreSQL:
 *   1. lag from POST /end-users to its budget row being readable (sequential creates, median / p99);
 *   2. the time a backlog of N events, built with the broker stopped, takes to drain after it returns
 *      (relay: every outbox row published; worker: every budget provisioned).
 * It stops and restarts the local broker (scripts/kafka/*.sh): run it when no test suite is running.
 * Uses a database, topic and consumer group of its own (end_users_bench, end-users.events.v1.bench).
 *
 *   npm run build && npx tsc --outDir dist --rootDir . --module commonjs --target ES2022 --esModuleInterop --skipLibCheck --types node bench/lag.ts \
 *     && node dist/bench/lag.js                  # env: LAG_SAMPLES=300 BACKLOG=10000 CONCURRENCY=16
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';

const ROOT = process.env.BENCH_ROOT ?? process.cwd();
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/end_users_bench';
const TOPIC = process.env.BENCH_KAFKA_TOPIC ?? 'end-users.events.v1.bench';
const LAG_SAMPLES = Number(process.env.LAG_SAMPLES ?? 300);
const BACKLOG = Number(process.env.BACKLOG ?? 10_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const env = { ...process.env, DATABASE_URL, KAFKA_TOPIC: TOPIC, KAFKA_CONSUMER_GROUP: 'end-users-worker-bench', NODE_ENV: 'test', LOG_LEVEL: 'error' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
const round = (ms: number) => Math.round(ms * 10) / 10;

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

function script(file: string): void {
  execFileSync('bash', [path.join(ROOT, file)], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
}

function app(name: 'api' | 'worker', extra: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [path.join(ROOT, `dist/apps/${name}/src/main.js`)], {
    env: { ...env, ...extra },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

async function prepare(): Promise<{ platformId: string; key: string }> {
  const admin = new Client({ connectionString: DATABASE_URL.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  const dbName = new URL(DATABASE_URL).pathname.slice(1);
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  execFileSync(process.execPath, ['dist/libs/persistence/src/cli/migrate.js'], { cwd: ROOT, env, stdio: 'ignore' });
  execFileSync(process.execPath, ['scripts/kafka/ensure-topics.js'], { cwd: ROOT, env, stdio: 'ignore' });
  const out = execFileSync(
    process.execPath,
    ['dist/apps/cli/src/main.js', 'platforms', 'create', '--name', `bench ${new Date().toISOString()}`, '--default-budget-usd', '10'],
    {
      cwd: ROOT,
      env,
    },
  ).toString();
  const printed = JSON.parse(out.slice(out.indexOf('{')));
  return { platformId: printed.platform.id, key: printed.api_key.raw_key };
}

async function main(): Promise<void> {
  const { platformId, key } = await prepare();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}/v1/platforms/${platformId}/end-users`;
  const api = app('api', { PORT: String(port) });
  const worker = app('worker');
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  let counter = 0;
  const create = async (): Promise<string> => {
    const res = await fetch(base, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ external_id: `bench-${process.pid}-${counter++}` }),
    });
    if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  };
  const hasBudget = async (id: string) => ((await db.query('SELECT 1 FROM budgets WHERE end_user_id = $1', [id])).rowCount === 1 ? true : undefined);
  const count = async (sql: string) => Number((await db.query(sql, [platformId])).rows[0].count);

  try {
    await until(async () => ((await fetch(`http://127.0.0.1:${port}/health/live`)).ok ? true : undefined), 30_000, 100);
    // Warm-up (joins the group, JIT): not counted.
    for (let warm = 0; warm < 10; warm++) {
      const id = await create();
      await until(() => hasBudget(id), 60_000, 2);
    }

    log(`lag: ${LAG_SAMPLES} sequential creates`);
    const lags: number[] = [];
    const posts: number[] = [];
    for (let sample = 0; sample < LAG_SAMPLES; sample++) {
      const started = performance.now();
      const id = await create();
      posts.push(performance.now() - started);
      await until(() => hasBudget(id), 30_000, 1);
      lags.push(performance.now() - started);
    }
    lags.sort((a, b) => a - b);
    posts.sort((a, b) => a - b);

    log(`backlog: stopping the broker, ${BACKLOG} creates`);
    script('scripts/kafka/stop.sh');
    const buildStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < BACKLOG) {
          next++;
          await create();
        }
      }),
    );
    const buildMs = performance.now() - buildStarted;
    const unpublishedSql = `SELECT count(*) AS count FROM outbox o JOIN end_users u ON u.id::text = o.message_key WHERE u.platform_id = $1 AND o.published_at IS NULL`;
    const held = await count(unpublishedSql);
    const budgetsSql = 'SELECT count(*) AS count FROM budgets WHERE platform_id = $1';
    const budgetsBefore = await count(budgetsSql);
    log(`backlog: ${held} unpublished outbox rows; starting the broker`);

    const restartStarted = performance.now();
    script('scripts/kafka/start.sh');
    const brokerBackMs = performance.now() - restartStarted;
    const relayFirstMs = await until(async () => ((await count(unpublishedSql)) < held ? performance.now() - restartStarted : undefined), 600_000, 20);
    const relayDrainedMs = await until(async () => ((await count(unpublishedSql)) === 0 ? performance.now() - restartStarted : undefined), 600_000, 50);
    const firstBudgetMs = await until(async () => ((await count(budgetsSql)) > budgetsBefore ? performance.now() - restartStarted : undefined), 600_000, 50);
    const workerDrainedMs = await until(
      async () => ((await count(budgetsSql)) >= budgetsBefore + BACKLOG ? performance.now() - restartStarted : undefined),
      600_000,
      50,
    );

    const result = {
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      lag_post_to_budget_ms: {
        samples: lags.length,
        median: round(quantile(lags, 0.5)),
        p99: round(quantile(lags, 0.99)),
        max: round(lags[lags.length - 1]),
        min: round(lags[0]),
      },
      post_latency_ms: { median: round(quantile(posts, 0.5)), p99: round(quantile(posts, 0.99)) },
      backlog: {
        events: BACKLOG,
        unpublished_when_broker_returned: held,
        build_ms: Math.round(buildMs),
        creates_per_s_while_broker_down: Math.round((BACKLOG / buildMs) * 1000),
        start_sh_ms: Math.round(brokerBackMs),
        relay_first_publish_ms_after_start: Math.round(relayFirstMs),
        relay_drained_ms_after_start: Math.round(relayDrainedMs),
        first_budget_ms_after_start: Math.round(firstBudgetMs),
        worker_drained_ms_after_start: Math.round(workerDrainedMs),
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(ROOT, `bench/results/lag-${Date.now()}.json`), JSON.stringify(result, null, 2));
  } finally {
    script('scripts/kafka/start.sh');
    await db.end();
    await stop(api);
    await stop(worker);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  try {
    script('scripts/kafka/start.sh');
  } catch {
    // best effort: the broker must come back for everyone else
  }
  process.exit(1);
});
