'use strict';
/** B7: projection rebuild rate on the seeded event store, against an ordered COPY scan of the events. */
const { mainFor, log } = require('./lib/harness');
const { orderedCopyScan, rebuildEndUsers, seedDatabase } = require('./lib/system');

const figure = {
  id: 'B7',
  title: 'projection rebuild (end_users) rate on the seeded event store',
  rows: [
    {
      key: 'B7',
      label: 'rebuild end_users, events/s (bulk phase)',
      unit: '/s',
      baselineLabel: 'ordered COPY scan of events',
      target: { ratioMin: 0.1, valueMin: 50_000, text: 'ratio >= 0.1 and >= 50,000/s' },
    },
  ],
  reps: (ctx) => ctx.sizes.rebuildReps,
  async setup(ctx) {
    if (!ctx.shared.seeded) await seedDatabase(ctx, ctx.sizes.seedUsers);
  },
  async rep(ctx) {
    const rebuild = rebuildEndUsers(ctx);
    const copyS = await orderedCopyScan(ctx);
    const events = ctx.shared.seeded.events;
    log(
      `B7: rebuild ${rebuild.eventsApplied} events, bulk ${rebuild.bulkSeconds.toFixed(1)} s, wall ${rebuild.wall_s.toFixed(1)} s; COPY ${copyS.toFixed(1)} s`,
    );
    ctx.shared.rebuilt = true;
    return {
      B7: {
        value: rebuild.eventsPerSecond,
        baseline: events / copyS,
        extra: { events, rebuild, wall_events_per_s: rebuild.eventsApplied / rebuild.wall_s, copy_s: copyS, seeded: ctx.shared.seeded },
      },
    };
  },
};

module.exports = figure;
mainFor([figure], module);
