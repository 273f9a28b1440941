'use strict';
/** B2: the same creates per second against a trivial route of the same app (GET /health/live, the framework ceiling). */
const { mainFor } = require('./lib/harness');
const { load } = require('./lib/load');
const { waitQuiet } = require('./lib/system');

const figure = {
  id: 'B2',
  title: 'creates/s vs GET /health/live on the same app at concurrency 32',
  rows: [{ key: 'B2', label: 'creates/s, c=32', unit: '/s', baselineLabel: 'GET /health/live, c=32', target: { ratioMin: 0.5, text: 'ratio >= 0.5' } }],
  async setup(ctx) {
    await ctx.startApps();
  },
  async rep(ctx, index) {
    const { sizes } = ctx;
    const platform = await ctx.ensurePlatform();
    const common = { kind: 'closed', base: ctx.apiBase, connections: sizes.concurrency, platformId: platform.id, key: platform.key };
    let creates = ctx.shared.b1Reps?.[index];
    let createRun = null;
    if (creates === undefined) {
      await waitQuiet(ctx);
      await load({ ...common, route: 'create', durationS: sizes.warmupS });
      createRun = await load({ ...common, route: 'create', durationS: sizes.durationS });
      creates = createRun.per_s;
    }
    await waitQuiet(ctx);
    await load({ ...common, route: 'live', durationS: sizes.warmupS });
    const live = await load({ ...common, route: 'live', durationS: sizes.durationS });
    if (live.non2xx > 0 || live.errors > 0) throw new Error(`B2: ${live.non2xx} non-2xx, ${live.errors} errors`);
    return {
      B2: { value: creates, baseline: live.per_s, extra: { creates_from: createRun ? 'this figure' : 'B1 of the same repetition', create: createRun, live } },
    };
  },
};

module.exports = figure;
mainFor([figure], module);
