'use strict';
/**
 * B6: outbox drain rate after a backlog built with the broker stopped, against a raw kafkajs producer
 * sending the same messages with the same settings. The drained topic is then the pre-filled topic of
 * B8 (the worker was stopped), so one pass measures both; B8 reuses it within a run-all.
 */
const { mainFor } = require('./lib/harness');
const { drainAndConsume, rawProduce } = require('./lib/system');

const figure = {
  id: 'B6',
  title: 'outbox drain rate after a backlog built with the broker stopped',
  rows: [
    {
      key: 'B6',
      label: 'outbox drain, events/s',
      unit: '/s',
      baselineLabel: 'raw kafkajs producer, same messages & settings',
      target: { ratioMin: 0.5, text: 'ratio >= 0.5' },
    },
  ],
  async setup(ctx) {
    await ctx.startApps();
    ctx.shared.b8FromB6 = [];
  },
  async rep(ctx, index) {
    const pass = await drainAndConsume(ctx, { withBrokerStopped: true, keepMessages: true });
    ctx.shared.b8FromB6[index] = pass;
    const raw = await rawProduce(ctx, pass);
    return { B6: { value: pass.relay.per_s, baseline: raw.per_s, extra: { pass, raw_producer: raw } } };
  },
};

module.exports = figure;
mainFor([figure], module);
