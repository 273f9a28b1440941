'use strict';
/**
 * The seeded event store of B7 and B4: `users` end users of one platform, written as the service
 * writes them today. Each user gets a data key wrapped under the run's DATA_KEK (the bench apps get
 * the same one) and a stream whose personal fields are sealed with it: `EndUserCreated` (schema
 * version 2) and, for every third user, an `EndUserUpdated` (a new display name); plus its
 * external-id claim. The rows are made by the compiled event codec and data keys (app-code.js) in
 * worker threads (seed-worker.js; sealing is most of the CPU) and streamed into PostgreSQL by three
 * `COPY ... FROM STDIN` (events, data keys, claims), each through a psql process of its own, so
 * PostgreSQL ingests while the workers seal.
 *
 * Ids are deterministic: user n of platform p is md5(p || '-' || n)::uuid, which pgbench and the
 * load generator compute to pick a random seeded user; event and key ids are derived the same way.
 * Ciphertexts differ per run (random data keys and IVs). The rows go in in user order, every
 * creation before every update, as the SQL seed of earlier runs wrote them (the heap layout B7 reads).
 */
const { spawn } = require('node:child_process');
const { createHash } = require('node:crypto');
const { once } = require('node:events');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { Worker } = require('node:worker_threads');
const { Client } = require('pg');
const { log } = require('./harness');
const { lib, dataKeysOf, sqlOf } = require('./app-code');

/** Users per request to a worker. */
const CHUNK = 1_000;
/** Sealing threads: one per core (PostgreSQL takes what they leave), at most 4. */
const THREADS = Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 4));

/** md5 of `text` as a uuid, like PostgreSQL's md5(text)::uuid. */
function uuidOfMd5(text) {
  const hex = createHash('md5').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of seeded user n of a platform: md5(platform || '-' || n)::uuid. */
const seededId = (platformId, n) => uuidOfMd5(`${platformId}-${n}`);

/** `COPY table (columns) FROM STDIN` in a psql process of its own, fed rows in text format. */
class CopyIn {
  constructor(databaseUrl, table, columns) {
    this.table = table;
    this.rows = 0;
    this.full = false;
    this.stderr = [];
    this.child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', databaseUrl, '-c', `COPY ${table} (${columns.join(', ')}) FROM STDIN`], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    this.child.stderr.on('data', (chunk) => this.stderr.push(chunk));
    // A psql that failed closes its end: the error is reported by end(), from its exit and stderr.
    this.child.stdin.on('error', () => undefined);
    this.exited = once(this.child, 'exit');
    this.exited.catch(() => undefined); // a psql that could not start: end() reports it
  }

  /** Hands rows (COPY text, one per line) to psql. */
  write(text, rows) {
    if (text.length > 0 && !this.child.stdin.write(text)) this.full = true;
    this.rows += rows;
  }

  /**
   * Resolves once psql has taken what it was given; throws if it has exited. (psql reports a failed
   * COPY only once its input ends, so most errors surface in end(), after the last row.)
   */
  async drained() {
    if (this.full) await Promise.race([once(this.child.stdin, 'drain'), this.exited]);
    this.full = false;
    if (this.child.exitCode !== null || this.child.signalCode !== null) await this.end();
  }

  async end() {
    this.child.stdin.end();
    const [code, signal] = await this.exited;
    if (code !== 0) throw new Error(`COPY ${this.table} failed (psql ${signal ?? `exit ${code}`}): ${Buffer.concat(this.stderr).toString().slice(-2000)}`);
  }

  kill() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }
}

/** A seed-worker.js thread; its answers come in the order of the requests. */
class SealingWorker {
  constructor(workerData) {
    this.waiting = [];
    this.failure = null;
    this.worker = new Worker(path.join(__dirname, 'seed-worker.js'), { workerData });
    this.worker.on('message', (answer) => {
      const request = this.waiting.shift();
      if (answer.error) request.reject(new Error(`seed worker: ${answer.error}`));
      else request.resolve(answer);
    });
    const fail = (error) => {
      this.failure = error;
      for (const request of this.waiting.splice(0)) request.reject(error);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`seed worker exited with ${code}`)));
  }

  request(message) {
    const answer = new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(message);
    });
    answer.catch(() => undefined); // rejections are seen where the answer is awaited, in order
    return answer;
  }
}

/**
 * Asks the workers for every chunk of `pass` (chunk k always of worker k % n: it keeps the keys of
 * the users it created for their updates), a few ahead of the writer, and writes them in order.
 */
async function runPass(pass, workers, chunks, write) {
  const ahead = 2 * workers.length;
  const answers = new Map();
  const ask = (chunk) => answers.set(chunk, workers[chunk % workers.length].request({ pass, chunk }));
  for (let chunk = 0; chunk < Math.min(ahead, chunks); chunk++) ask(chunk);
  for (let chunk = 0; chunk < chunks; chunk++) {
    const answer = await answers.get(chunk);
    answers.delete(chunk);
    if (chunk + ahead < chunks) ask(chunk + ahead);
    await write(answer);
  }
}

/**
 * Writes the seed into the (freshly migrated, empty) database at `databaseUrl`; returns its counts
 * and seconds. The three COPYs commit on their own: a failed seed leaves a database that the next
 * run drops anyway.
 */
async function seedEndUsers({ databaseUrl, dataKek, platformId, users, threads = THREADS }) {
  const chunks = Math.ceil(users / CHUNK);
  const started = performance.now();
  const events = new CopyIn(databaseUrl, 'events', ['event_id', 'stream_id', 'stream_version', 'event_type', 'schema_version', 'payload', 'metadata']);
  const keys = new CopyIn(databaseUrl, 'end_user_data_keys', ['end_user_id', 'kek_id', 'wrapped_key']);
  const claims = new CopyIn(databaseUrl, 'end_user_external_ids', ['platform_id', 'external_id', 'end_user_id']);
  const copies = [events, keys, claims];
  const workerData = { dataKek, platformId, users, chunkSize: CHUNK };
  const workers = Array.from({ length: Math.max(1, Math.min(threads, chunks)) }, () => new SealingWorker(workerData));
  let lastProgress = started;
  const write = async (answer) => {
    events.write(answer.events, answer.rows);
    if (answer.pass === 'created') {
      keys.write(answer.keys, answer.rows);
      claims.write(answer.claims, answer.rows);
    }
    await Promise.all(copies.map((copy) => copy.drained()));
    if (performance.now() - lastProgress > 15_000) {
      lastProgress = performance.now();
      log(`seeding (${workers.length} threads): ${answer.pass} rows of ${Math.min((answer.chunk + 1) * CHUNK, users)} of ${users} users written`);
    }
  };
  try {
    await runPass('created', workers, chunks, write);
    await Promise.all([keys.end(), claims.end()]);
    await runPass('updated', workers, chunks, write);
    await events.end();
  } catch (error) {
    for (const copy of copies) copy.kill();
    throw error;
  } finally {
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
  const seconds = (performance.now() - started) / 1000;
  await checkSample(databaseUrl, dataKeysOf(dataKek), platformId, users);
  return {
    users,
    events: events.rows,
    data_keys: keys.rows,
    claims: claims.rows,
    threads: workers.length,
    seconds,
    users_per_s: users / seconds,
    events_per_s: events.rows / seconds,
  };
}

/**
 * Reads back one seeded user the way the service does (its key row, its stream through the codec):
 * a seed the service could not read would otherwise rebuild as erased users and still "verify".
 */
async function checkSample(databaseUrl, dataKeys, platformId, users) {
  const { decodeEndUserEvent, endUserStreamId, evolve, initialState } = lib('end-users');
  const { readStream } = lib('event-store');
  const n = Math.min(3, users);
  const endUserId = seededId(platformId, n);
  const client = new Client({ connectionString: databaseUrl, application_name: 'bench-seed' });
  await client.connect();
  try {
    const sql = sqlOf(client);
    const cipher = await dataKeys.cipherOf(sql, endUserId);
    if (!cipher) throw new Error(`seeded user ${n} has no data key`);
    const state = (await readStream(sql, endUserStreamId(endUserId))).map((event) => decodeEndUserEvent(event, cipher)).reduce(evolve, initialState());
    const expected = n % 3 === 0 ? `Renamed ${n}` : `Seeded user ${n}`;
    if (state.status !== 'existing' || state.user.externalId !== `seed-${n}` || state.user.displayName !== expected) {
      throw new Error(`seeded user ${n} reads back as ${JSON.stringify(state)}`);
    }
  } finally {
    await client.end();
  }
}

module.exports = { seedEndUsers, seededId, uuidOfMd5 };
