import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The process's one metrics registry; every metric of the service is defined here. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request latency by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const eventsAppended = new Counter({
  name: 'end_users_events_appended_total',
  help: 'Events appended to the event store (committed), by type',
  labelNames: ['type'] as const,
  registers: [metricsRegistry],
});

export const workerMessages = new Counter({
  name: 'end_users_worker_messages_total',
  help: 'Messages handled by the worker, by outcome (applied, duplicate, no_reaction, retried, dead_lettered)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const outboxPublished = new Counter({
  name: 'end_users_outbox_published_total',
  help: 'Outbox rows published to the broker and marked sent by this process',
  registers: [metricsRegistry],
});

export const outboxErasedBeforePublishing = new Counter({
  name: 'end_users_outbox_erased_before_publishing_total',
  help: 'Outbox rows not published because their end user was erased before the relay sent them (the delete notice still goes out)',
  registers: [metricsRegistry],
});

export const idempotencyKeysPurged = new Counter({
  name: 'end_users_idempotency_keys_purged_total',
  help: "Idempotency keys past their 24-hour retention deleted by this process's sweep",
  registers: [metricsRegistry],
});

/** A gauge whose value is read when Prometheus scrapes (from the database or the broker). */
export function scrapedGauge(name: string, help: string, labelNames: string[], read: (gauge: Gauge<string>) => Promise<void>): Gauge<string> {
  // A second app in the same process (tests) takes the gauge over rather than failing to start.
  metricsRegistry.removeSingleMetric(name);
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [metricsRegistry],
    async collect() {
      this.reset();
      await read(this).catch(() => undefined);
    },
  });
}
