/* global setInterval, clearInterval */
'use strict';
/** B9: resident memory of the API and the worker over a soak at half the B1 maximum, against their memory after warm-up. */
const { mainFor, log } = require('./lib/harness');
const { openLoop } = require('./lib/load');
const { createsMax, waitQuiet } = require('./lib/system');

const mib = (kib) => kib / 1024;
const mean = (values) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

const figure = {
  id: 'B9',
  title: 'RSS growth of API and worker over a soak at half the B1 maximum',
  rows: [
    {
      key: 'B9.api',
      label: 'API RSS growth over the soak',
      unit: '%',
      baselineUnit: 'MiB',
      baselineLabel: 'API RSS after warm-up',
      target: { valueMax: 10, text: 'growth <= 10 %' },
    },
    {
      key: 'B9.worker',
      label: 'worker RSS growth over the soak',
      unit: '%',
      baselineUnit: 'MiB',
      baselineLabel: 'worker RSS after warm-up',
      target: { valueMax: 10, text: 'growth <= 10 %' },
    },
  ],
  reps: (ctx) => ctx.sizes.b9Reps,
  async setup(ctx) {
    await ctx.startApps();
    this.rate = Math.max(1, Math.round((await createsMax(ctx)) / 2));
  },
  async rep(ctx) {
    const { sizes } = ctx;
    // Fresh processes, so "after warm-up" is the same point in every repetition.
    await waitQuiet(ctx);
    await ctx.stopApps();
    await ctx.startApps();
    const platform = await ctx.ensurePlatform();
    log(`B9: ${sizes.soakWarmupS} s warm-up + ${sizes.soakS} s soak at ${this.rate} creates/s, RSS every ${sizes.rssEveryS} s`);
    const samples = [];
    const started = Date.now();
    const timer = setInterval(() => {
      try {
        samples.push({ t: (Date.now() - started) / 1000, api: ctx.api.rssKiB(), worker: ctx.worker.rssKiB() });
      } catch {
        // a process gone is caught below
      }
    }, sizes.rssEveryS * 1000);
    let run;
    try {
      run = await openLoop(ctx, { route: 'create', platformId: platform.id, key: platform.key, rate: this.rate, durationS: sizes.soakWarmupS + sizes.soakS });
    } finally {
      clearInterval(timer);
    }
    if (!ctx.api.alive() || !ctx.worker.alive()) throw new Error('B9: a process died during the soak');
    // After warm-up: the first window after it; at the end: the last window of the same length.
    const window = Math.max(sizes.rssEveryS * 3, Math.min(30, sizes.soakS / 5));
    const after = samples.filter((s) => s.t >= sizes.soakWarmupS && s.t < sizes.soakWarmupS + window);
    const end = samples.filter((s) => s.t >= sizes.soakWarmupS + sizes.soakS - window);
    const growth = (key) => ((mean(end.map((s) => s[key])) - mean(after.map((s) => s[key]))) / mean(after.map((s) => s[key]))) * 100;
    const lag = await waitQuiet(ctx).then(() => 'caught up');
    return {
      'B9.api': {
        value: growth('api'),
        baseline: mib(mean(after.map((s) => s.api))),
        extra: {
          rate: this.rate,
          window_s: window,
          run,
          worker_after_soak: lag,
          samples: samples.map((s) => ({ t: s.t, api_mib: Math.round(mib(s.api)), worker_mib: Math.round(mib(s.worker)) })),
        },
      },
      'B9.worker': { value: growth('worker'), baseline: mib(mean(after.map((s) => s.worker))), extra: { end_mib: mib(mean(end.map((s) => s.worker))) } },
    };
  },
};

module.exports = figure;
mainFor([figure], module);
