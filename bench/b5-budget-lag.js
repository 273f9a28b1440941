'use strict';
/** B5: lag from POST /end-users to its budget row being readable, at half load, against a raw kafkajs round trip. */
const { mainFor, log } = require('./lib/harness');
const { load, openLoop } = require('./lib/load');
const { createsMax, waitQuiet } = require('./lib/system');

const figure = {
  id: 'B5',
  title: 'POST -> budget row readable, at half the B1 maximum',
  rows: [
    { key: 'B5.p50', label: 'POST->budget lag p50 at B1/2', unit: 'ms', baselineLabel: 'raw kafkajs produce->consume p50', target: { text: '(reported)' } },
    {
      key: 'B5.p99',
      label: 'POST->budget lag p99 at B1/2',
      unit: 'ms',
      baselineLabel: 'raw kafkajs produce->consume p99',
      target: { valueMax: 100, text: 'p99 <= 100 ms' },
    },
  ],
  async setup(ctx) {
    await ctx.startApps();
    this.rate = Math.max(1, Math.round((await createsMax(ctx)) / 2));
    log(`B5: open loop at ${this.rate} creates/s, ${ctx.sizes.lagProbesPerS} probes/s`);
  },
  async rep(ctx) {
    const { sizes } = ctx;
    const platform = await ctx.ensurePlatform();
    const probeEvery = Math.max(1, Math.round(this.rate / sizes.lagProbesPerS));
    const spec = {
      kind: 'open',
      base: ctx.apiBase,
      route: 'create',
      platformId: platform.id,
      key: platform.key,
      rate: this.rate,
      databaseUrl: ctx.databaseUrl,
    };
    await waitQuiet(ctx);
    await load({ ...spec, durationS: sizes.warmupS });
    await waitQuiet(ctx);
    const api = await openLoop(ctx, { ...spec, durationS: sizes.latencyDurationS, probeEvery });
    if (api.probe_lag_ms.timed_out > 0) throw new Error(`B5: ${api.probe_lag_ms.timed_out} probes timed out`);
    await waitQuiet(ctx);
    const rtt = await load({ kind: 'rtt', brokers: ctx.brokers, topic: ctx.rttTopic, rate: sizes.lagProbesPerS, durationS: sizes.latencyDurationS });
    if (rtt.lost > 0) throw new Error(`B5 baseline: ${rtt.lost} messages never arrived`);
    return {
      'B5.p50': { value: api.probe_lag_ms.p50, baseline: rtt.lag_ms.p50, extra: { rate: this.rate, probe_every: probeEvery, api, kafka_rtt: rtt } },
      'B5.p99': { value: api.probe_lag_ms.p99, baseline: rtt.lag_ms.p99 },
    };
  },
};

module.exports = figure;
mainFor([figure], module);
