'use strict';
/** B3: create p99 at half the B1 maximum, open loop (fixed arrival rate), against pgbench -R at the same rate. */
const { mainFor, log } = require('./lib/harness');
const { load, openLoop, pgbench } = require('./lib/load');
const { createScript, createsMax, waitQuiet, withAppsStopped } = require('./lib/system');

const figure = {
  id: 'B3',
  title: 'create p99 latency at half the B1 maximum, open loop',
  rows: [
    {
      key: 'B3',
      label: 'create p99, open loop at B1/2',
      unit: 'ms',
      baselineLabel: 'pgbench -R same rate, p99',
      target: { valueMax: 20, text: 'p99 <= 20 ms' },
    },
  ],
  async setup(ctx) {
    await ctx.startApps();
    this.rate = Math.max(1, Math.round((await createsMax(ctx)) / 2));
    this.create = await createScript(ctx);
    log(`B3: open loop at ${this.rate} creates/s`);
  },
  async rep(ctx) {
    const { sizes } = ctx;
    const platform = await ctx.ensurePlatform();
    const spec = { kind: 'open', base: ctx.apiBase, route: 'create', platformId: platform.id, key: platform.key, rate: this.rate };
    await waitQuiet(ctx);
    await load({ ...spec, durationS: sizes.warmupS });
    const api = await openLoop(ctx, { ...spec, durationS: sizes.latencyDurationS });
    const base = await withAppsStopped(ctx, () =>
      pgbench(ctx, { script: this.create.script, vars: this.create.vars, clients: sizes.concurrency, durationS: sizes.latencyDurationS, rate: this.rate }),
    );
    return { B3: { value: api.latency_ms.p99, baseline: base.latency_ms.p99, extra: { rate: this.rate, api, pgbench: base } } };
  },
};

module.exports = figure;
mainFor([figure], module);
