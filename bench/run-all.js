/* global __filename */
'use strict';
/**
 * Every figure in one session (`npm run bench`, or `npm run bench:smoke` for the seconds-long version):
 * the write-path figures on a fresh database first (B6/B8 first: they restart the bench broker), then the
 * seeded database for B7 and B4. BENCH_ONLY=B1,B3 runs a subset.
 */
const path = require('node:path');
const { runFigures, SMOKE, ROOT } = require('./lib/harness');

process.env.BENCH_COMMAND ??= `node ${path.relative(ROOT, __filename)}${SMOKE ? ' --smoke' : ''}`;
const order = [
  'b6-outbox-drain',
  'b8-worker-throughput',
  'b1-create-throughput',
  'b2-framework-ceiling',
  'b3-create-latency',
  'b5-budget-lag',
  'b9-soak-memory',
  'b7-projection-rebuild',
  'b4-read-latency',
];
const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((id) => id.trim().toUpperCase()) : null;
const figures = order.map((name) => require(`./${name}`)).filter((figure) => !only || only.includes(figure.id));
runFigures(figures).finally(() => process.exit());
