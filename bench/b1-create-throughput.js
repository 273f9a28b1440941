/* global setInterval, clearInterval */
'use strict';
/** B1: POST /end-users creates per second at concurrency 32, against pgbench running the same statements. */
const { mainFor, log } = require('./lib/harness');
const { load, pgbench } = require('./lib/load');
const { countRows, createScript, waitQuiet, withAppsStopped } = require('./lib/system');

/** How the API's connections spend a run (pg_stat_activity every 500 ms): busy, idle in a transaction, idle. */
function sampleConnections(ctx) {
  const samples = [];
  let client = null;
  const timer = setInterval(async () => {
    try {
      client ??= await ctx.db();
      const { rows } = await client.query(
        `SELECT state, coalesce(wait_event_type || ':' || wait_event, '-') AS wait, count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'end-users-api' GROUP BY 1, 2`,
      );
      samples.push(rows);
    } catch {
      // sampling is best effort
    }
  }, 500);
  return async () => {
    clearInterval(timer);
    await client?.end().catch(() => undefined);
    const totals = {};
    for (const rows of samples) for (const row of rows) totals[`${row.state}/${row.wait}`] = (totals[`${row.state}/${row.wait}`] ?? 0) + row.n;
    return {
      samples: samples.length,
      mean_connections: Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, Math.round((v / Math.max(1, samples.length)) * 100) / 100])),
    };
  };
}

const figure = {
  id: 'B1',
  title: 'POST /end-users creates/s at concurrency 32 vs pgbench of the same statements',
  rows: [{ key: 'B1', label: 'creates/s, c=32', unit: '/s', baselineLabel: 'pgbench same SQL, c=32', target: { ratioMin: 0.5, text: 'ratio >= 0.5' } }],
  async setup(ctx) {
    await ctx.startApps();
    this.create = await createScript(ctx);
    ctx.shared.b1Reps = [];
  },
  async rep(ctx, index) {
    const { sizes } = ctx;
    const platform = await ctx.ensurePlatform();
    const spec = { kind: 'closed', base: ctx.apiBase, route: 'create', platformId: platform.id, key: platform.key, connections: sizes.concurrency };
    await waitQuiet(ctx);
    await load({ ...spec, durationS: sizes.warmupS });
    const stopSampling = sampleConnections(ctx);
    const api = await load({ ...spec, durationS: sizes.durationS });
    const connections = await stopSampling();
    if (api.non2xx > 0 || api.errors > 0) throw new Error(`B1: ${api.non2xx} non-2xx, ${api.errors} errors`);
    ctx.shared.b1Reps[index] = api.per_s;
    const base = await withAppsStopped(ctx, async () => {
      await pgbench(ctx, { script: this.create.script, vars: this.create.vars, clients: sizes.concurrency, durationS: sizes.warmupS });
      const before = await countRows(ctx, 'end_users');
      const run = await pgbench(ctx, { script: this.create.script, vars: this.create.vars, clients: sizes.concurrency, durationS: sizes.durationS });
      const written = (await countRows(ctx, 'end_users')) - before;
      if (written < run.processed) throw new Error(`B1 baseline: ${run.processed} pgbench creates wrote only ${written} end users`);
      return run;
    });
    log(
      `B1: API ${api.per_s.toFixed(0)}/s (p99 ${api.latency_ms.p99} ms), pgbench ${base.tps.toFixed(0)}/s (p99 ${base.latency_ms.p99} ms); API connections ${JSON.stringify(connections.mean_connections)}`,
    );
    return {
      B1: {
        value: api.per_s,
        baseline: base.tps,
        extra: { api, pgbench: base, api_connections: connections, create_statements: this.create.captured, pgbench_script: this.create.script },
      },
    };
  },
  teardown(ctx) {
    const sorted = [...ctx.shared.b1Reps].sort((a, b) => a - b);
    ctx.shared.b1Max = sorted[Math.floor((sorted.length - 1) / 2)];
  },
};

module.exports = figure;
mainFor([figure], module);
