'use strict';
/**
 * The project's own compiled code (dist/, `npm run build` first), for the benchmark's writers and
 * readers of events: what the service stores is made and read only through its event codec and its
 * data keys, never by hand (personal fields are sealed with a per-user key, see libs/personal-data).
 */
const fs = require('node:fs');
const path = require('node:path');
const { ROOT } = require('./harness');

/** One lib's public index from dist, e.g. lib('end-users'). */
function lib(name) {
  const file = path.join(ROOT, 'dist', 'libs', name, 'src', 'index.js');
  if (!fs.existsSync(file)) throw new Error(`no build of libs/${name}: run \`npm run build\` first`);
  return require(file);
}

/** DataKeys on the KEK ring of a DATA_KEK value: the bench apps get the same one (harness.js `dataKek`). */
function dataKeysOf(dataKek) {
  const { parseKekRing } = lib('config');
  const { DataKeys, KekRing } = lib('personal-data');
  return new DataKeys(new KekRing(parseKekRing(dataKek)));
}

/** The project's Sql seam over a connected node-postgres client. */
function sqlOf(client) {
  return { query: async (text, params) => (await client.query(text, params)).rows };
}

module.exports = { lib, dataKeysOf, sqlOf };
