/* global fetch */
'use strict';
/**
 * B4: GET by id, list page 1 and list page 500 (limit 100) p99 on a platform seeded with SIZES.seedUsers
 * end users through the event store, against the raw SQL of each read through pgbench at the same concurrency.
 */
const { mainFor, log } = require('./lib/harness');
const { load, pgbench } = require('./lib/load');
const { captureStatements, pgbenchOf, rebuildEndUsers, seedDatabase } = require('./lib/system');

const LIMIT = 100;

const ROUTES = [
  { key: 'B4.get', route: 'get', page: 1 },
  { key: 'B4.list1', route: 'list', page: 1 },
  { key: 'B4.list500', route: 'list', page: 500 },
];

/**
 * The read statements of each route as the built API issues them (captured, see system.js), less
 * the platform-key auth SELECT every route also runs: the raw SQL of the read itself. For GET by id,
 * the captured id becomes a random seeded user's id (md5(platform-n), as in the seed).
 */
async function readScripts(ctx, platform, users) {
  const [key] = await ctx.query('SELECT id FROM platform_api_keys WHERE platform_id = $1', [platform.id]);
  const scripts = {};
  for (const read of ROUTES) {
    const page = Math.min(read.page, Math.max(1, Math.floor(users / LIMIT)));
    const sample = (await ctx.query("SELECT md5($1::text || '-' || 7)::uuid::text AS id", [platform.id]))[0].id;
    const path =
      read.route === 'get' ? `/v1/platforms/${platform.id}/end-users/${sample}` : `/v1/platforms/${platform.id}/end-users?page=${page}&limit=${LIMIT}`;
    const captured = await captureStatements(ctx, 'api', async () => {
      const res = await fetch(`${ctx.apiBase}${path}`, { headers: { authorization: `Bearer ${platform.key}` } });
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      await res.arrayBuffer();
    });
    const reads = captured.filter((statement) => !/platform_api_keys/.test(statement.text));
    scripts[read.key] = {
      page,
      ...pgbenchOf(reads, [platform.id, key.id], {
        substitute: { [sample]: `md5(:pid::text || '-' || :n::text)::uuid` },
        prelude: [`\\set n random(1, ${users})`],
      }),
      captured: reads.map((statement) => statement.text),
      reads,
    };
  }
  return scripts;
}

/** EXPLAIN (ANALYZE, BUFFERS) of every captured read statement, with its captured parameters. */
async function explain(ctx, scripts) {
  const plans = {};
  for (const [key, script] of Object.entries(scripts)) {
    for (const [index, statement] of script.reads.entries()) {
      const rows = await ctx.query(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, statement.values);
      plans[`${key} #${index + 1}`] = rows.map((row) => row['QUERY PLAN']).join('\n');
    }
  }
  return plans;
}

const figure = {
  id: 'B4',
  title: 'read p99 on a platform of seeded end users (closed loop, c=SIZES.readConcurrency)',
  rows: [
    { key: 'B4.get', label: 'GET by id p99', unit: 'ms', baselineLabel: 'pgbench same SELECT, p99', target: { valueMax: 15, text: 'p99 <= 15 ms' } },
    {
      key: 'B4.list1',
      label: 'list page 1 (limit 100) p99',
      unit: 'ms',
      baselineLabel: 'pgbench page + total, p99',
      target: { valueMax: 15, text: 'p99 <= 15 ms' },
    },
    {
      key: 'B4.list500',
      label: 'list page 500 (limit 100) p99',
      unit: 'ms',
      baselineLabel: 'pgbench page + total, p99',
      target: { valueMax: 15, text: 'p99 <= 15 ms' },
    },
  ],
  async setup(ctx) {
    if (!ctx.shared.seeded) await seedDatabase(ctx, ctx.sizes.seedUsers);
    if (!ctx.shared.rebuilt) {
      rebuildEndUsers(ctx);
      ctx.shared.rebuilt = true;
    }
    // The steady state autovacuum would reach: statistics and the visibility map of the rebuilt table.
    await ctx.query('VACUUM ANALYZE end_users');
    await ctx.startApi();
    this.scripts = await readScripts(ctx, ctx.shared.seeded.platform, ctx.shared.seeded.users);
    await ctx.stopWorker();
    log(
      `B4: ${ctx.shared.seeded.users} users on platform ${ctx.platform.id}; reads: ${Object.entries(this.scripts)
        .map(([k, v]) => `${k} ${v.statements} statement(s)`)
        .join(', ')}`,
    );
  },
  async rep(ctx) {
    const { sizes } = ctx;
    const { platform, users } = ctx.shared.seeded;
    const result = {};
    for (const read of ROUTES) {
      const { page, script, vars, captured } = this.scripts[read.key];
      const spec = {
        kind: 'closed',
        base: ctx.apiBase,
        route: read.route,
        platformId: platform.id,
        key: platform.key,
        users,
        page,
        limit: LIMIT,
        connections: sizes.readConcurrency,
      };
      await load({ ...spec, durationS: sizes.warmupS });
      const api = await load({ ...spec, durationS: sizes.readDurationS });
      if (api.non2xx > 0 || api.errors > 0) throw new Error(`${read.key}: ${api.non2xx} non-2xx, ${api.errors} errors`);
      const base = await pgbench(ctx, { script, vars: { ...vars, pid: platform.id }, clients: sizes.readConcurrency, durationS: sizes.readDurationS });
      result[read.key] = { value: api.latency_ms.p99, baseline: base.latency_ms.p99, extra: { page, api, pgbench: base, statements: captured } };
    }
    result['B4.get'].extra.explain = await explain(ctx, this.scripts);
    return result;
  },
};

module.exports = figure;
mainFor([figure], module);
