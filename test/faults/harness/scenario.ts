import { createPlatform, PlatformSettings } from '@app/platforms';
import { Sql } from '@app/persistence';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Pool } from 'pg';
import { CheckOptions, CheckReport, reportSummary, runChecker } from '../checker';
import { assertPrivateServices, databaseUrl, FAULTS, kafkaBrokers, logsDir, resultsDir, ROOT } from './env';
import { createTopics } from './kafka';
import { Load, LoadOptions, Op, summarize } from './load';
import { AppProcess, freePort } from './processes';

export const TOPIC_PARTITIONS = 6;

export interface ScenarioOptions {
  /** Brokers the apps and the checker use (scenario 10: the proxied broker). */
  brokers?: string;
  /** The DATABASE_URL the apps get (scenario 10: through the fault proxy); the checker always connects directly. */
  appDatabaseUrl?: (database: string) => string;
}

export interface FaultRecord {
  at: string;
  /** Seconds since the scenario started. */
  t: number;
  kind: string;
  detail?: unknown;
  /** The end of a fault (a restart, a release): on the timeline, not counted as a fault. */
  recovery?: boolean;
}

export interface StartAppOptions {
  label?: string;
  port?: number;
  clockOffset?: string;
  env?: Record<string, string>;
}

/**
 * One fault scenario: its own database (migrated from scratch), topic, dead-letter topic and
 * consumer group on the suite's private PostgreSQL and broker, a budgeted platform, the app
 * processes it starts, the load it drives, the faults it injects and the evidence it gathers.
 * Everything it learns is written to .run/faults/results/<id>.json for docs/reliability.md.
 */
export class Scenario {
  readonly startedAt = Date.now();
  readonly processes: AppProcess[] = [];
  readonly loads: Load[] = [];
  readonly extraOps: Op[] = [];
  readonly faults: FaultRecord[] = [];
  readonly evidence: Record<string, unknown> = {};
  readonly findings: string[] = [];
  report: CheckReport | null = null;
  private outcome: 'passed' | 'failed' = 'failed';
  private error: string | null = null;

  private constructor(
    readonly id: string,
    readonly title: string,
    readonly database: string,
    readonly topic: string,
    readonly group: string,
    readonly brokers: string,
    readonly pool: Pool,
    readonly platform: { id: string; key: string },
    private readonly options: ScenarioOptions,
  ) {}

  static async open(id: string, title: string, options: ScenarioOptions = {}): Promise<Scenario> {
    fs.rmSync(logsDir(id), { recursive: true, force: true });
    fs.rmSync(path.join(resultsDir(), `${id}.json`), { force: true });
    try {
      return await Scenario.setUp(id, title, options);
    } catch (error) {
      // The figures must not show an earlier run's result for a scenario that could not even start.
      fs.mkdirSync(resultsDir(), { recursive: true });
      const result = {
        id,
        title,
        outcome: 'failed',
        error: `setting up failed: ${error instanceof Error ? error.message : String(error)}`,
        startedAt: new Date().toISOString(),
        durationSeconds: 0,
        faults: [],
        evidence: {},
        findings: [],
        check: null,
        unexpectedExits: [],
      };
      fs.writeFileSync(path.join(resultsDir(), `${id}.json`), `${JSON.stringify(result, null, 2)}\n`);
      throw error;
    }
  }

  private static async setUp(id: string, title: string, options: ScenarioOptions): Promise<Scenario> {
    assertPrivateServices();
    const database = `faults_${id.replace(/[^a-z0-9]/gi, '_')}`.toLowerCase();
    const admin = new Client({ connectionString: databaseUrl('postgres') });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    await migrate(databaseUrl(database));
    const brokers = options.brokers ?? kafkaBrokers();
    const topic = `faults.${id}.${FAULTS.runId}.events`;
    await createTopics(brokers, [topic, `${topic}.dlt`], TOPIC_PARTITIONS);
    const pool = new Pool({ connectionString: databaseUrl(database), max: 6, application_name: 'faults-checker' });
    pool.on('error', () => undefined);
    const platform = await withTransaction(pool, (sql) => createPlatform(sql, `Faults ${id}`, { default_budget_usd: 25 } satisfies PlatformSettings));
    const scenario = new Scenario(
      id,
      title,
      database,
      topic,
      `faults-${id}-${FAULTS.runId}`,
      brokers,
      pool,
      { id: platform.platform.id, key: platform.key.rawKey },
      options,
    );
    fs.mkdirSync(logsDir(id), { recursive: true });
    scenario.say(`database ${database}, topic ${topic}, brokers ${brokers}; logs in ${path.relative(ROOT, logsDir(id))}`);
    return scenario;
  }

  get dlt(): string {
    return `${this.topic}.dlt`;
  }

  get appDatabaseUrl(): string {
    return this.options.appDatabaseUrl?.(this.database) ?? databaseUrl(this.database);
  }

  /** What every app process of this scenario gets in its environment. */
  appEnv(): Record<string, string> {
    return {
      NODE_ENV: 'test',
      LOG_LEVEL: 'log',
      DATABASE_URL: this.appDatabaseUrl,
      DB_POOL_MAX: '10',
      KAFKA_BROKERS: this.brokers,
      KAFKA_TOPIC: this.topic,
      KAFKA_DLT_TOPIC: this.dlt,
      KAFKA_CONSUMER_GROUP: this.group,
      KAFKA_CLIENT_ID: `faults-${this.id}`,
    };
  }

  async startApi(options: StartAppOptions = {}): Promise<AppProcess> {
    const port = options.port ?? (await freePort());
    const api = new AppProcess('api', port, {
      label: options.label ?? 'api',
      env: { ...this.appEnv(), PORT: String(port), WORKER_PORT: '0', ...options.env },
      logDir: logsDir(this.id),
      clockOffset: options.clockOffset,
    });
    this.processes.push(api);
    await api.ready();
    this.say(`started ${api.label} (pid ${api.pid}, port ${port}${options.clockOffset ? `, clock ${options.clockOffset}` : ''})`);
    return api;
  }

  async startWorker(options: StartAppOptions & { waitReady?: boolean } = {}): Promise<AppProcess> {
    const port = options.port ?? (await freePort());
    const worker = new AppProcess('worker', port, {
      label: options.label ?? 'worker',
      env: { ...this.appEnv(), WORKER_PORT: String(port), PORT: '0', OUTBOX_RELAY_ENABLED: 'false', ...options.env },
      logDir: logsDir(this.id),
      clockOffset: options.clockOffset,
    });
    this.processes.push(worker);
    if (options.waitReady === false) {
      this.say(`spawned ${worker.label} (pid ${worker.pid}${options.clockOffset ? `, clock ${options.clockOffset}` : ''})`);
      return worker;
    }
    await worker.ready();
    this.say(`started ${worker.label} (pid ${worker.pid}${options.clockOffset ? `, clock ${options.clockOffset}` : ''})`);
    return worker;
  }

  load(options: Omit<LoadOptions, 'platform' | 'label'> & { label?: string }): Load {
    const load = new Load({ label: `${this.id}-l${this.loads.length + 1}`, platform: this.platform, ...options });
    this.loads.push(load);
    return load;
  }

  get ops(): Op[] {
    return [...this.loads.flatMap((load) => load.ops), ...this.extraOps];
  }

  /** Seconds since the scenario started, for the fault timeline. */
  get t(): number {
    return Math.round((Date.now() - this.startedAt) / 100) / 10;
  }

  fault(kind: string, detail?: unknown): void {
    this.faults.push({ at: new Date().toISOString(), t: this.t, kind, detail });
    this.say(`FAULT ${kind}${detail === undefined ? '' : ` ${JSON.stringify(detail)}`}`);
  }

  /** The end of a fault, on the same timeline. */
  recover(kind: string, detail?: unknown): void {
    this.faults.push({ at: new Date().toISOString(), t: this.t, kind, detail, recovery: true });
    this.say(`RECOVERY ${kind}${detail === undefined ? '' : ` ${JSON.stringify(detail)}`}`);
  }

  note(key: string, value: unknown): void {
    this.evidence[key] = value;
  }

  finding(text: string): void {
    this.findings.push(text);
    this.say(`FINDING ${text}`);
  }

  say(text: string): void {
    process.stdout.write(`[${this.id} +${this.t.toFixed(1)}s] ${text}\n`);
  }

  /** App processes that exited although the suite never signalled them. */
  unexpectedExits(): Array<{ label: string; pid: number; code: number | null; signal: string | null }> {
    return this.processes.filter((p) => p.exit && !p.exit.expected).map((p) => ({ label: p.label, pid: p.pid, code: p.exit!.code, signal: p.exit!.signal }));
  }

  /** Drains the pipeline and runs the checker over everything this scenario did. */
  async check(options: Partial<CheckOptions> = {}): Promise<CheckReport> {
    const load = summarize(this.ops);
    this.say(`load: ${JSON.stringify(load)}`);
    this.report = await runChecker(this, { ops: this.ops, ...options });
    return this.report;
  }

  /** Runs the scenario body, recording its outcome for the results file. */
  async run(body: () => Promise<void>): Promise<void> {
    try {
      await body();
      this.outcome = 'passed';
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }

  async close(): Promise<void> {
    for (const load of this.loads) await load.stop().catch(() => undefined);
    await Promise.all(this.processes.map((p) => p.stop(10_000).catch(() => undefined)));
    const result = {
      id: this.id,
      title: this.title,
      outcome: this.outcome,
      error: this.error?.slice(0, 4_000) ?? null,
      startedAt: new Date(this.startedAt).toISOString(),
      durationSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      load: summarize(this.ops),
      faults: this.faults,
      evidence: this.evidence,
      findings: this.findings,
      check: this.report && reportSummary(this.report),
      unexpectedExits: this.unexpectedExits(),
    };
    fs.mkdirSync(resultsDir(), { recursive: true });
    fs.writeFileSync(path.join(resultsDir(), `${this.id}.json`), `${JSON.stringify(result, null, 2)}\n`);
    await this.pool.end().catch(() => undefined);
  }
}

async function withTransaction<T>(pool: Pool, work: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work({ query: async <Row>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as Row[] });
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The project's own migration command (creates the database, applies every migration). */
function migrate(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/libs/persistence/src/cli/migrate.js')], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`migration of ${url} failed:\n${output}`))));
  });
}
