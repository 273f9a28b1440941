/* global setTimeout, setImmediate, URL */
'use strict';
/**
 * The load generator, always run as a process of its own (`node bench/lib/load-process.js '<json spec>'`),
 * so the API's CPU is never shared with the code that measures it. Prints one JSON result on stdout.
 *
 * kinds:
 *   closed   autocannon, fixed connections, for a duration; unique bodies / random ids per request
 *   open     fixed arrival rate (open loop): latency counts from each request's scheduled time, so a
 *            stalled server cannot hide its queue (no coordinated omission); optional lag probes
 *   rtt      raw kafkajs produce -> consume round trips with the app's producer and consumer settings
 *   produce  raw kafkajs producer sending the backlog's messages in the relay's batch size, one batch at a time
 */
const http = require('node:http');
const { createHash, randomUUID } = require('node:crypto');
const { performance } = require('node:perf_hooks');

const spec = JSON.parse(process.argv[2]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const r = (v) => (v === null ? null : Math.round(v * 100) / 100);
  return {
    count: sorted.length,
    p50: r(quantile(sorted, 0.5)),
    p90: r(quantile(sorted, 0.9)),
    p99: r(quantile(sorted, 0.99)),
    max: r(sorted[sorted.length - 1] ?? null),
  };
}

/** The id the deterministic seed gives user n of a platform: md5(platform || '-' || n)::uuid. */
function seededId(platformId, n) {
  const hex = createHash('md5').update(`${platformId}-${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

let counter = 0;
const runTag = `${process.pid}-${Date.now().toString(36)}`;
function createBody() {
  counter++;
  return JSON.stringify({ external_id: `bench-${runTag}-${counter}`, display_name: `Bench user ${counter}`, metadata: { plan: 'pro', seq: counter } });
}

function requestFor(spec) {
  if (spec.route === 'create') return { method: 'POST', path: `/v1/platforms/${spec.platformId}/end-users`, body: createBody };
  if (spec.route === 'live') return { method: 'GET', path: '/health/live' };
  if (spec.route === 'get')
    return { method: 'GET', path: () => `/v1/platforms/${spec.platformId}/end-users/${seededId(spec.platformId, 1 + Math.floor(Math.random() * spec.users))}` };
  if (spec.route === 'list') return { method: 'GET', path: `/v1/platforms/${spec.platformId}/end-users?page=${spec.page}&limit=${spec.limit}` };
  throw new Error(`unknown route ${spec.route}`);
}

async function closed() {
  const autocannon = require('autocannon');
  const route = requestFor(spec);
  const headers = { 'content-type': 'application/json' };
  if (spec.key) headers.authorization = `Bearer ${spec.key}`;
  const result = await autocannon({
    url: spec.base,
    connections: spec.connections,
    duration: spec.durationS,
    pipelining: 1,
    timeout: 30,
    requests: [
      {
        method: route.method,
        path: typeof route.path === 'string' ? route.path : undefined,
        headers,
        setupRequest: (req) => ({
          ...req,
          ...(typeof route.path === 'function' ? { path: route.path() } : {}),
          ...(route.body ? { body: route.body() } : {}),
        }),
      },
    ],
  });
  return {
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    duration_s: result.duration,
    per_s: result['2xx'] / result.duration,
    latency_ms: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
    status_codes: result.statusCodeStats,
  };
}

async function open() {
  const route = requestFor(spec);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.maxSockets ?? 512 });
  const url = new URL(spec.base);
  const latencies = [];
  const statuses = {};
  let errors = 0;
  let retried = 0;
  const errorCodes = {};
  const perSecond = [];
  let outstanding = 0;
  let maxOutstanding = 0;
  let maxDispatchLagMs = 0;
  const probes = [];
  const probeLags = [];
  let probePool = null;
  if (spec.probeEvery) {
    const { Pool } = require('pg');
    probePool = new Pool({ connectionString: spec.databaseUrl, max: 4, application_name: 'bench-lag-probe' });
  }

  const probe = async (intended, endUserId) => {
    const deadline = performance.now() + 30_000;
    for (;;) {
      const { rowCount } = await probePool.query('SELECT 1 FROM budgets WHERE end_user_id = $1', [endUserId]);
      if (rowCount === 1) {
        probeLags.push(performance.now() - intended);
        return;
      }
      if (performance.now() > deadline) {
        probeLags.push(Infinity);
        return;
      }
      await sleep(2);
    }
  };

  const second = (at) => {
    const index = Math.max(0, Math.floor((at - start) / 1000));
    perSecond[index] ??= { sent: 0, done: 0, latencies: [] };
    return perSecond[index];
  };
  const send = (intended, index, retry = false) =>
    new Promise((resolve) => {
      if (!retry) {
        outstanding++;
        maxOutstanding = Math.max(maxOutstanding, outstanding);
        second(intended).sent++;
      }
      const body = route.body ? route.body() : null;
      const headers = { 'content-type': 'application/json' };
      if (spec.key) headers.authorization = `Bearer ${spec.key}`;
      if (body) headers['content-length'] = Buffer.byteLength(body);
      const req = http.request(
        { agent, host: url.hostname, port: url.port, method: route.method, path: typeof route.path === 'function' ? route.path() : route.path, headers },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => {
            const done = performance.now();
            outstanding--;
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            if (res.statusCode < 300) latencies.push(done - intended);
            second(done).done++;
            second(intended).latencies.push(done - intended);
            if (spec.probeEvery && index % spec.probeEvery === 0 && res.statusCode === 201) {
              probes.push(probe(intended, JSON.parse(Buffer.concat(chunks).toString()).id));
            }
            resolve();
          });
        },
      );
      req.on('error', (error) => {
        // A kept-alive socket the server closed just as it was reused: resend, as Node's docs advise
        // (the latency still counts from the first scheduled time).
        if (req.reusedSocket && error.code === 'ECONNRESET' && !retry) {
          retried++;
          send(intended, index, true).then(resolve);
          return;
        }
        outstanding--;
        errors++;
        errorCodes[error.code ?? error.message] = (errorCodes[error.code ?? error.message] ?? 0) + 1;
        resolve();
      });
      if (body) req.write(body);
      req.end();
    });

  const total = Math.round(spec.rate * spec.durationS);
  const interval = 1000 / spec.rate;
  const inflight = [];
  const start = performance.now() + 20;
  let next = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        const intended = start + next * interval;
        maxDispatchLagMs = Math.max(maxDispatchLagMs, now - intended);
        inflight.push(send(intended, next));
        next++;
      }
      if (next >= total) resolve();
      else if (start + next * interval - performance.now() > 1) setTimeout(tick, 1);
      else setImmediate(tick);
    };
    tick();
  });
  const sentAll = performance.now();
  await Promise.all(inflight);
  await Promise.all(probes);
  const finished = performance.now();
  await probePool?.end();
  agent.destroy();
  return {
    scheduled: total,
    rate: spec.rate,
    ok: latencies.length,
    errors,
    error_codes: errorCodes,
    retried_resets: retried,
    statuses,
    achieved_per_s: latencies.length / ((finished - start) / 1000),
    schedule_s: (sentAll - start) / 1000,
    drain_s: (finished - sentAll) / 1000,
    max_outstanding: maxOutstanding,
    max_dispatch_lag_ms: Math.round(maxDispatchLagMs * 100) / 100,
    latency_ms: summary(latencies),
    // Per second of the schedule: requests sent, responses completed in that second, p99 of those sent.
    timeline: perSecond.map((b, t) => ({ t, sent: b?.sent ?? 0, done: b?.done ?? 0, p99: b ? summary(b.latencies).p99 : null })),
    probe_lag_ms: spec.probeEvery
      ? { ...summary(probeLags.filter(Number.isFinite)), timed_out: probeLags.filter((v) => !Number.isFinite(v)).length }
      : undefined,
  };
}

function kafka() {
  const { Kafka, logLevel } = require('kafkajs');
  // The same client options as libs/kafka's createKafka.
  return new Kafka({
    clientId: `bench-${runTag}`,
    brokers: spec.brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 },
  });
}

function appProducer(client) {
  const { Partitioners } = require('kafkajs');
  // The same producer settings as libs/kafka's KafkaPublisher.
  return client.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
}

async function rtt() {
  const client = kafka();
  const producer = appProducer(client);
  // The same consumer settings as the worker's EndUserEventsConsumer.
  const consumer = client.consumer({
    groupId: `bench-rtt-${runTag}`,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: 50,
    allowAutoTopicCreation: false,
  });
  const sentAt = new Map();
  const lags = [];
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: spec.topic, fromBeginning: false });
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommitInterval: 200,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
      for (const message of batch.messages) {
        const key = message.key?.toString();
        if (key && sentAt.has(key)) {
          lags.push(performance.now() - sentAt.get(key));
          sentAt.delete(key);
        }
        resolveOffset(message.offset);
        await heartbeat();
      }
      await commitOffsetsIfNecessary();
    },
  });
  await joined;
  await sleep(1_000);
  const value = JSON.stringify({ event_type: 'bench.rtt', padding: 'x'.repeat(spec.valueBytes ?? 900) });
  const total = Math.round(spec.rate * spec.durationS);
  const start = performance.now();
  for (let index = 0; index < total; index++) {
    const intended = start + (index * 1000) / spec.rate;
    const wait = intended - performance.now();
    if (wait > 0) await sleep(wait);
    const key = randomUUID();
    sentAt.set(key, intended);
    await producer.send({ topic: spec.topic, acks: -1, messages: [{ key, value, headers: { event_type: 'bench.rtt' } }] });
  }
  const deadline = performance.now() + 30_000;
  while (sentAt.size > 0 && performance.now() < deadline) await sleep(10);
  await consumer.disconnect();
  await producer.disconnect();
  return { sent: total, received: lags.length, lost: sentAt.size, lag_ms: summary(lags) };
}

async function produce() {
  // The backlog's messages as the relay sent them (bench/lib/backlog.js): the outbox rows hold them
  // sealed, and only until they are published.
  const messages = require('node:fs')
    .readFileSync(spec.messagesFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const producer = appProducer(kafka());
  await producer.connect();
  // One warm-up send (metadata, producer id), as the relay has after the broker returns.
  await producer.send({ topic: spec.topic, acks: -1, messages: messages.slice(0, 1) });
  const started = performance.now();
  for (let start = 0; start < messages.length; start += spec.batchSize) {
    await producer.send({ topic: spec.topic, acks: -1, messages: messages.slice(start, start + spec.batchSize) });
  }
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return { messages: messages.length, seconds, per_s: messages.length / seconds };
}

const kinds = { closed, open, rtt, produce };
kinds[spec.kind]()
  .then((result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  })
  .catch((error) => {
    process.stderr.write(`load-process failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
