import { Kafka, logLevel } from 'kafkajs';
import { kafkaLogCreator } from './kafka-logging';
import { silenceNegativeTimeoutWarnings } from './negative-timeout-warning';

/**
 * One Kafka client identity (`clientId`) on the configured brokers, from which the producer, the
 * consumer and the admin client of this lib are made.
 *
 * kafkajs is unmaintained upstream: only libs/kafka imports it (an ESLint rule keeps it so), and
 * nothing kafkajs-shaped crosses this lib's exports, so another client can replace it here alone.
 */
export class KafkaClient {
  /** The kafkajs instance, for this lib's adapters only: do not use it outside libs/kafka. */
  readonly kafkajs: Kafka;

  constructor(
    brokers: string,
    readonly clientId: string,
  ) {
    silenceNegativeTimeoutWarnings();
    this.kafkajs = new Kafka({
      clientId,
      brokers: brokers
        .split(',')
        .map((broker) => broker.trim())
        .filter(Boolean),
      // kafkajs drops everything below WARN before building the entry; the rest goes to pino.
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(clientId),
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
      retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 },
    });
  }
}

/** A client for `brokers` (comma separated) named `clientId` (the broker logs and quotas see it). */
export function createKafka(brokers: string, clientId: string): KafkaClient {
  return new KafkaClient(brokers, clientId);
}
