#!/usr/bin/env node
/*
 * Creates the project's Kafka topics if they are missing and makes sure the
 * group coordinator (__consumer_offsets) is ready, so the first consumer does
 * not spend seconds on "group coordinator is not available". Also connects one
 * idempotent producer (no message is sent) so the broker has fetched its first
 * producer-id block: otherwise the app's first idempotent producer gets a
 * retriable "coordinator is loading" error logged by kafkajs.
 *
 * Plain CommonJS on purpose: runs with `node scripts/kafka/ensure-topics.js`,
 * no TypeScript build. Called by scripts/kafka/start.sh; safe to run again.
 *
 * Env:
 *   KAFKA_BROKERS               comma separated, default 127.0.0.1:9092
 *   KAFKA_TOPIC                 default end-users.events.v1
 *   KAFKA_DLT_TOPIC             default <KAFKA_TOPIC>.dlt
 *   KAFKA_TOPIC_PARTITIONS      default 6
 *   KAFKA_DLT_TOPIC_PARTITIONS  default KAFKA_TOPIC_PARTITIONS
 *   KAFKA_ENSURE_TIMEOUT        seconds for the whole run, default 60
 *
 * Exit code: 0 on success, 1 on failure, 2 when kafkajs cannot be loaded.
 */
'use strict';

const PREFIX = '[ensure-topics]';
const log = (msg) => process.stderr.write(`${PREFIX} ${msg}\n`);

let kafkajs;
try {
  kafkajs = require('kafkajs');
} catch (err) {
  log(`cannot load kafkajs (${err.code || err.message}): run npm install, or set NODE_PATH`);
  process.exit(2);
}
const { Kafka, logLevel, Partitioners } = kafkajs;

function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    log(`invalid ${name}=${raw}: expected a positive integer`);
    process.exit(1);
  }
  return n;
}

const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const topic = process.env.KAFKA_TOPIC || 'end-users.events.v1';
const dltTopic = process.env.KAFKA_DLT_TOPIC || `${topic}.dlt`;
const partitions = positiveInt('KAFKA_TOPIC_PARTITIONS', 6);
const dltPartitions = positiveInt('KAFKA_DLT_TOPIC_PARTITIONS', partitions);
const timeoutMs = positiveInt('KAFKA_ENSURE_TIMEOUT', 60) * 1000;
const deadline = Date.now() + timeoutMs;

// Last resort if a request hangs past the deadline.
const watchdog = setTimeout(() => {
  log(`FAILED: still not done after ${timeoutMs / 1000 + 15}s`);
  process.exit(1);
}, timeoutMs + 15000);
watchdog.unref();

// kafkajs logs (WARN and above) as single lines on stderr.
// Expected while the broker finishes starting; retried below, so not an error.
const TRANSIENT = /coordinator is (loading|not available)/i;
const logCreator =
  () =>
  ({ namespace, label, log: entry }) => {
    // The warm-up producer's retries are bounded on purpose (see main()).
    if (String(entry.message).startsWith('Limiting retries for the idempotent producer')) return;
    const extra = entry.error ? `: ${entry.error}` : '';
    const level = entry.error && TRANSIENT.test(String(entry.error)) ? 'transient, retrying' : label;
    log(`kafkajs ${level} ${namespace}: ${entry.message}${extra}`);
  };

const kafka = new Kafka({
  clientId: 'ensure-topics',
  brokers,
  logLevel: logLevel.WARN,
  logCreator,
  connectionTimeout: 3000,
  requestTimeout: 30000,
  retry: { initialRetryTime: 250, maxRetryTime: 2000, retries: 3 },
});
const admin = kafka.admin();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs fn until it returns a truthy value or the deadline passes. */
async function retry(step, fn) {
  let attempt = 0;
  let lastError;
  while (Date.now() < deadline) {
    attempt += 1;
    try {
      const result = await fn();
      if (result) return result;
      lastError = new Error('not ready yet');
    } catch (err) {
      lastError = err;
    }
    await sleep(Math.min(250 * attempt, 2000));
  }
  throw new Error(`${step}: gave up after ${attempt} attempts: ${lastError && lastError.message}`);
}

async function main() {
  const started = Date.now();
  log(`brokers=${brokers.join(',')} topic=${topic} (${partitions}) dlt=${dltTopic} (${dltPartitions})`);

  const cluster = await retry('connect', async () => {
    try {
      await admin.connect();
      const info = await admin.describeCluster();
      if (info.brokers.length > 0 && info.controller !== null && info.controller >= 0) return info;
      return null;
    } catch (err) {
      await admin.disconnect().catch(() => {});
      throw err;
    }
  });
  log(`connected: cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), controller ${cluster.controller}`);

  const wanted = [
    { topic, numPartitions: partitions },
    { topic: dltTopic, numPartitions: dltPartitions },
  ];
  await retry('create topics', async () => {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.topic));
    for (const t of wanted.filter((w) => existing.has(w.topic))) {
      const meta = await admin.fetchTopicMetadata({ topics: [t.topic] });
      const count = meta.topics[0].partitions.length;
      const note = count === t.numPartitions ? '' : ` (WARNING: expected ${t.numPartitions}; not changed)`;
      log(`topic ${t.topic} exists with ${count} partition(s)${note}`);
    }
    if (missing.length === 0) return true;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        timeout: 30000,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.numPartitions,
          replicationFactor: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'delete' }],
        })),
      });
    } catch (err) {
      // Created concurrently by someone else: the next round sees it.
      if (err.type !== 'TOPIC_ALREADY_EXISTS' && !String(err.message).includes('already exists')) throw err;
    }
    for (const t of missing) log(`topic ${t.topic} created with ${t.numPartitions} partition(s)`);
    return false; // loop once more to confirm through listTopics/metadata
  });

  await retry('group coordinator', async () => {
    await admin.describeGroups(['ensure-topics-probe']);
    return true;
  });
  log('group coordinator ready (__consumer_offsets exists)');

  await retry('producer id', async () => {
    // Admin-style warm-up: connect() runs InitProducerId; nothing is produced.
    const producer = kafka.producer({
      idempotent: true,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    try {
      await producer.connect();
    } finally {
      await producer.disconnect().catch(() => {});
    }
    return true;
  });
  log('producer ids ready (idempotent producer connected, nothing sent)');

  await admin.disconnect();
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

main().then(
  () => process.exit(0),
  async (err) => {
    log(`FAILED: ${err && err.message ? err.message : err}`);
    await admin.disconnect().catch(() => {});
    process.exit(1);
  },
);
