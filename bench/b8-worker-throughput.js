'use strict';
/** B8: worker throughput on a pre-filled topic of create events, against pgbench of the worker's transaction at its concurrency. */
const { mainFor } = require('./lib/harness');
const { pgbench } = require('./lib/load');
const { countRows, drainAndConsume, withAppsStopped, workerConcurrency, workerScript } = require('./lib/system');

/** kafkajs runs eachBatch for this many partitions at once (partitionsConsumedConcurrently of the built worker). */
const WORKER_CONCURRENCY = workerConcurrency();

const figure = {
  id: 'B8',
  title: 'worker throughput on a pre-filled topic of create events',
  rows: [
    {
      key: 'B8',
      label: 'worker, events/s',
      unit: '/s',
      baselineLabel: `pgbench worker tx, c=${WORKER_CONCURRENCY}`,
      target: { ratioMin: 0.6, text: 'ratio >= 0.6' },
    },
  ],
  async setup(ctx) {
    await ctx.startApps();
  },
  async rep(ctx, index) {
    const pass = ctx.shared.b8FromB6?.[index] ?? (await drainAndConsume(ctx, { withBrokerStopped: false }));
    const worker = await workerScript(ctx);
    const base = await withAppsStopped(ctx, async () => {
      await pgbench(ctx, {
        script: worker.script,
        vars: worker.vars,
        clients: WORKER_CONCURRENCY,
        threads: Math.min(2, WORKER_CONCURRENCY),
        durationS: ctx.sizes.warmupS,
      });
      const before = await countRows(ctx, 'budgets');
      const run = await pgbench(ctx, {
        script: worker.script,
        vars: worker.vars,
        clients: WORKER_CONCURRENCY,
        threads: Math.min(2, WORKER_CONCURRENCY),
        durationS: ctx.sizes.durationS,
      });
      const written = (await countRows(ctx, 'budgets')) - before;
      if (written < run.processed) throw new Error(`B8 baseline: ${run.processed} pgbench transactions wrote only ${written} budgets`);
      return run;
    });
    return {
      B8: {
        value: pass.worker.per_s,
        baseline: base.tps,
        extra: {
          worker_statements: worker.captured,
          pgbench_script: worker.script,
          topic_filled_by: ctx.shared.b8FromB6?.[index] ? 'B6 of the same repetition' : 'this figure',
          pass,
          pgbench: base,
        },
      },
    };
  },
};

module.exports = figure;
mainFor([figure], module);
