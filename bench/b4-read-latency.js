'use strict';
/**
 * B4: GET by id, list page 1 and list page 500 (limit 100) p99 on a platform seeded with SIZES.seedUsers
 * end users through the event store, against the raw SQL of each read through pgbench at the same concurrency.
 */
const { mainFor, log } = require('./lib/harness');
const { load, pgbench } = require('./lib/load');
const { rebuildEndUsers, seedDatabase } = require('./lib/system');

const COLUMNS = 'id, platform_id, external_id, display_name, metadata, is_active, created_at, updated_at, stream_version';
const LIMIT = 100;

/** The statements of libs/read-models/src/end-user-rows.ts (findEndUser; listEndUsers runs its two in parallel). */
const SCRIPTS = {
  get: `\\set n random(1, :users)
SELECT ${COLUMNS} FROM end_users WHERE id = md5(:pid::text || '-' || :n::text)::uuid AND platform_id = :pid;
`,
  list: `SELECT ${COLUMNS} FROM end_users WHERE platform_id = :pid ORDER BY created_at, id LIMIT :lim OFFSET :off;
SELECT count(*) AS total FROM end_users WHERE platform_id = :pid;
`,
};

const ROUTES = [
  { key: 'B4.get', route: 'get', script: 'get', page: 1 },
  { key: 'B4.list1', route: 'list', script: 'list', page: 1 },
  { key: 'B4.list500', route: 'list', script: 'list', page: 500 },
];

async function explain(ctx, platformId) {
  const plans = {};
  const sample = `md5('${platformId}' || '-' || 12345)::uuid`;
  const statements = {
    get: `SELECT ${COLUMNS} FROM end_users WHERE id = ${sample} AND platform_id = '${platformId}'`,
    list_page_1: `SELECT ${COLUMNS} FROM end_users WHERE platform_id = '${platformId}' ORDER BY created_at, id LIMIT ${LIMIT} OFFSET 0`,
    list_page_500: `SELECT ${COLUMNS} FROM end_users WHERE platform_id = '${platformId}' ORDER BY created_at, id LIMIT ${LIMIT} OFFSET ${499 * LIMIT}`,
    list_total: `SELECT count(*) AS total FROM end_users WHERE platform_id = '${platformId}'`,
  };
  for (const [name, sql] of Object.entries(statements)) {
    plans[name] = (await ctx.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`)).map((row) => row['QUERY PLAN']).join('\n');
  }
  return plans;
}

const figure = {
  id: 'B4',
  title: 'read p99 on a platform of seeded end users (closed loop, c=SIZES.readConcurrency)',
  rows: [
    { key: 'B4.get', label: 'GET by id p99', unit: 'ms', baselineLabel: 'pgbench same SELECT, p99', target: { valueMax: 15, text: 'p99 <= 15 ms' } },
    { key: 'B4.list1', label: 'list page 1 (limit 100) p99', unit: 'ms', baselineLabel: 'pgbench page + count, p99', target: { valueMax: 15, text: 'p99 <= 15 ms' } },
    { key: 'B4.list500', label: 'list page 500 (limit 100) p99', unit: 'ms', baselineLabel: 'pgbench page + count, p99', target: { valueMax: 15, text: 'p99 <= 15 ms' } },
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
    log(`B4: ${ctx.shared.seeded.users} users on platform ${ctx.platform.id}`);
  },
  async rep(ctx) {
    const { sizes } = ctx;
    const { platform, users } = ctx.shared.seeded;
    const result = {};
    for (const read of ROUTES) {
      const page = Math.min(read.page, Math.max(1, Math.floor(users / LIMIT)));
      const spec = { kind: 'closed', base: ctx.apiBase, route: read.route, platformId: platform.id, key: platform.key, users, page, limit: LIMIT, connections: sizes.readConcurrency };
      await load({ ...spec, durationS: sizes.warmupS });
      const api = await load({ ...spec, durationS: sizes.readDurationS });
      if (api.non2xx > 0 || api.errors > 0) throw new Error(`${read.key}: ${api.non2xx} non-2xx, ${api.errors} errors`);
      const base = await pgbench(ctx, {
        script: SCRIPTS[read.script],
        vars: { pid: platform.id, users, lim: LIMIT, off: (page - 1) * LIMIT },
        clients: sizes.readConcurrency,
        durationS: sizes.readDurationS,
      });
      result[read.key] = { value: api.latency_ms.p99, baseline: base.latency_ms.p99, extra: { page, api, pgbench: base } };
    }
    result['B4.get'].extra.explain = await explain(ctx, platform.id);
    return result;
  },
};

module.exports = figure;
mainFor([figure], module);
