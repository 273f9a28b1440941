/* global URL */
'use strict';
/** Runs the load generator and pgbench as processes of their own and reads back their numbers. */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { quantile } = require('./harness');

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${path.basename(command)} exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

/** The HTTP / Kafka load generator (bench/lib/load-process.js) in its own process. */
async function load(spec) {
  const { stdout } = await run(process.execPath, [path.join(__dirname, 'load-process.js'), JSON.stringify(spec)]);
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** autocannon at fixed concurrency; throws if any request failed (a benchmark of errors measures nothing). */
async function closedLoop(ctx, spec) {
  const result = await load({ kind: 'closed', base: ctx.apiBase, ...spec });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${spec.route}: ${result.non2xx} non-2xx and ${result.errors} errors (${JSON.stringify(result.status_codes)})`);
  return result;
}

async function openLoop(ctx, spec) {
  const result = await load({ kind: 'open', base: ctx.apiBase, databaseUrl: ctx.databaseUrl, ...spec });
  const failed = result.scheduled - result.ok;
  if (failed > 0)
    throw new Error(
      `${spec.route}: ${failed} of ${result.scheduled} requests failed (${JSON.stringify(result.statuses)}, errors ${JSON.stringify(result.error_codes)})`,
    );
  return result;
}

/**
 * pgbench with a script, extended protocol (as node-postgres sends parameterised statements),
 * per-transaction log for percentiles. With `rate` it is open-loop (-R) and the latency counts
 * from the scheduled start (pgbench's schedule lag added), like the HTTP open-loop generator.
 */
async function pgbench(ctx, { script, clients, threads = Math.min(2, clients), durationS, rate, vars = {}, dbName = ctx.dbName }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pgbench-'));
  try {
    const file = path.join(dir, 'script.sql');
    fs.writeFileSync(file, script);
    const url = new URL(ctx.databaseUrl);
    const args = ['-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres', '-n', '-M', 'extended'];
    args.push('-c', String(clients), '-j', String(threads), '-T', String(durationS), '-f', file, '-l', '--log-prefix', path.join(dir, 'log'));
    if (rate) args.push('-R', String(rate));
    for (const [name, value] of Object.entries(vars)) args.push('-D', `${name}=${value}`);
    args.push(dbName);
    const { stdout } = await run('pgbench', args);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1]);
    const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
    const processed = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? 0);
    const latencies = [];
    for (const name of fs.readdirSync(dir).filter((f) => f.startsWith('log'))) {
      for (const line of fs.readFileSync(path.join(dir, name), 'utf8').split('\n')) {
        const fields = line.split(' ');
        if (fields.length < 6 || fields[2] === 'skipped' || fields[2] === 'failed') continue;
        const latencyUs = Number(fields[2]) + (rate && fields.length >= 7 ? Number(fields[6]) : 0);
        latencies.push(latencyUs / 1000);
      }
    }
    if (processed === 0 || failed > 0) throw new Error(`pgbench: ${processed} transactions, ${failed} failed:\n${stdout.slice(-1500)}`);
    const r = (v) => (v === null ? null : Math.round(v * 100) / 100);
    return {
      tps,
      processed,
      failed,
      latency_ms: {
        count: latencies.length,
        p50: r(quantile(latencies, 0.5)),
        p90: r(quantile(latencies, 0.9)),
        p99: r(quantile(latencies, 0.99)),
        max: r(quantile(latencies, 1)),
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run, load, closedLoop, openLoop, pgbench };
