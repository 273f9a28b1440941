/* global setTimeout */
'use strict';
/**
 * Preloaded (node -r) into an app so a benchmark can see exactly which statements one request or
 * one message costs: SIGWINCH starts recording every statement sent through node-postgres, with its
 * parameters as node-postgres serialises them; the next SIGWINCH writes them to BENCH_CAPTURE_FILE.
 * (SIGWINCH because Nest's shutdown hooks take SIGUSR2, and Node keeps SIGUSR1 for the inspector.)
 */
const fs = require('node:fs');
const pg = require('pg');
const { prepareValue } = require('pg/lib/utils');

const captured = [];
let recording = false;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function capturedQuery(config, values, ...rest) {
  if (recording && config) {
    const text = typeof config === 'string' ? config : config.text;
    const params = (Array.isArray(values) ? values : config.values) ?? [];
    captured.push({
      text,
      values: params.map((value) => {
        const prepared = prepareValue(value);
        return Buffer.isBuffer(prepared) ? `\\x${prepared.toString('hex')}` : prepared;
      }),
    });
  }
  return query.call(this, config, values, ...rest);
};

process.on('SIGWINCH', () => {
  if (!recording) {
    captured.length = 0;
    recording = true;
    return;
  }
  recording = false;
  // Let the statement in flight finish its bookkeeping before writing. Written aside and renamed:
  // the harness reads the file as soon as it exists, which must not be halfway through the write.
  setTimeout(() => {
    const file = process.env.BENCH_CAPTURE_FILE;
    fs.writeFileSync(`${file}.partial`, JSON.stringify(captured));
    fs.renameSync(`${file}.partial`, file);
  }, 50);
});
