#!/usr/bin/env node
/*
 * Creates the project's Kafka topics if they are missing, sets their retention
 * (also on topics that already exist), and makes sure the group coordinator
 * (__consumer_offsets) is ready, so the first consumer does not spend seconds
 * on "group coordinator is not available". Also connects one
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
 *   KAFKA_TOPIC_RETENTION_MS    retention.ms of both topics, default 604800000 (7 days)
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
const { ConfigResourceTypes, ConfigSource, Kafka, logLevel, Partitioners } = kafkajs;

function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = /^[0-9]+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
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
// The public topic carries end users' personal data in the clear; after an erasure
// (end_user.deleted) the broker's copies must expire, so no infinite retention (-1)
// here. The dead-letter topic holds byte-for-byte copies of the same messages: same
// retention. The default is the one docs/asyncapi.yaml states.
const retentionMs = positiveInt('KAFKA_TOPIC_RETENTION_MS', 7 * 24 * 60 * 60 * 1000);
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

/**
 * Makes retention.ms a setting of the topic itself, equal to retentionMs. kafkajs only has the
 * legacy AlterConfigs request, which replaces all of a topic's own settings with the ones sent:
 * the others are read first and sent again, so cleanup.policy and the rest survive.
 */
async function ensureRetention(name) {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name }],
  });
  const own = described.resources[0].configEntries.filter((entry) =>
    entry.configSource === undefined ? !entry.isDefault : entry.configSource === ConfigSource.TOPIC_CONFIG,
  );
  const current = own.find((entry) => entry.configName === 'retention.ms');
  if (current && current.configValue === String(retentionMs)) {
    log(`topic ${name} retention.ms=${retentionMs} (unchanged)`);
    return;
  }
  const kept = own.filter((entry) => entry.configName !== 'retention.ms');
  const hidden = kept.filter((entry) => entry.isSensitive || entry.configValue === null);
  if (hidden.length > 0) {
    // Its value cannot be read back, so re-sending the settings would erase it.
    throw new Error(
      `topic ${name} has settings whose values are hidden (${hidden.map((e) => e.configName).join(', ')}): set retention.ms=${retentionMs} by hand`,
    );
  }
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name,
        configEntries: [...kept.map((entry) => ({ name: entry.configName, value: entry.configValue })), { name: 'retention.ms', value: String(retentionMs) }],
      },
    ],
  });
  const was = current ? current.configValue : `not set on the topic, broker default ${describedValue(described, 'retention.ms')}`;
  log(`topic ${name} retention.ms=${retentionMs} (altered; was ${was})`);
}

function describedValue(described, configName) {
  const entry = described.resources[0].configEntries.find((e) => e.configName === configName);
  return entry ? entry.configValue : 'unknown';
}

async function main() {
  const started = Date.now();
  log(`brokers=${brokers.join(',')} topic=${topic} (${partitions}) dlt=${dltTopic} (${dltPartitions}) retention.ms=${retentionMs}`);

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
          configEntries: [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'retention.ms', value: String(retentionMs) },
          ],
        })),
      });
    } catch (err) {
      // Created concurrently by someone else: the next round sees it.
      if (err.type !== 'TOPIC_ALREADY_EXISTS' && !String(err.message).includes('already exists')) throw err;
    }
    for (const t of missing) log(`topic ${t.topic} created with ${t.numPartitions} partition(s), retention.ms=${retentionMs}`);
    return false; // loop once more to confirm through listTopics/metadata
  });

  await retry('topic retention', async () => {
    for (const t of wanted) await ensureRetention(t.topic);
    return true;
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
