import { Logger } from '@nestjs/common';
import { logCreator, LogEntry, logLevel } from 'kafkajs';

/** Where kafkajs's lines go: Nest's logger, which the apps hand to nestjs-pino (JSON lines, `context: "kafkajs"`). */
export interface KafkaLogSink {
  error(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

const nestLogger = new Logger('kafkajs');
const NEST_SINK: KafkaLogSink = {
  error: (fields, message) => nestLogger.error(fields, message),
  warn: (fields, message) => nestLogger.warn(fields, message),
};

/**
 * The fields of a kafkajs entry that are kept, renamed to the log's snake_case. Everything else is
 * dropped: kafkajs may attach request and response payloads (message keys, values, headers) or
 * SASL details to an entry, and none of that belongs in a log line.
 */
const KEPT_FIELDS: Record<string, string> = {
  broker: 'broker',
  groupId: 'group_id',
  memberId: 'member_id',
  topic: 'topic',
  partition: 'partition',
  offset: 'offset',
  retryCount: 'retry_count',
  retryTime: 'retry_time_ms',
  correlationId: 'correlation_id',
};

/**
 * Expected, not actionable: the publisher keeps kafkajs's bounded retries on purpose, so that a
 * broker outage fails the relay's batch (which it retries itself, marking rows sent only once
 * acknowledged) instead of blocking it. kafkajs repeats this warning for every producer it makes.
 */
const IGNORED = /^Limiting retries for the idempotent producer/;

/**
 * A kafkajs `logCreator` that maps its levels onto pino's: ERROR → error, WARN → warn. INFO and
 * DEBUG are dropped even when `KAFKAJS_LOG_LEVEL` asks kafkajs for them, because at those levels
 * kafkajs logs whole requests and responses, message contents included.
 */
export function kafkaLogCreator(clientId: string, sink: KafkaLogSink = NEST_SINK): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      if (level !== logLevel.ERROR && level !== logLevel.WARN) return;
      const message = messageOf(log.message);
      if (IGNORED.test(message)) return;
      const fields: Record<string, unknown> = { kafka_client: clientId, kafka_namespace: namespace || 'kafkajs' };
      for (const [name, renamed] of Object.entries(KEPT_FIELDS)) {
        const value: unknown = log[name];
        if (typeof value === 'string' || typeof value === 'number') fields[renamed] = value;
      }
      if (log.error !== undefined) fields.error = messageOf(log.error);
      if (level === logLevel.ERROR) sink.error(fields, message);
      else sink.warn(fields, message);
    };
}

/** kafkajs passes an Error (not a string) as the message or the `error` field in places. */
function messageOf(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return String(value);
}
