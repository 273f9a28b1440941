import { APP_CONFIG, AppConfig } from '@app/config';
import { ConsumedMessage, createKafka, DeliveryControl, KafkaConsumer, KafkaPublisher } from '@app/kafka';
import { workerMessages } from '@app/http';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { sendToDeadLetter } from '../dead-letter/dead-letter';
import { PermanentMessageError } from '../reactions/reaction';
import { EventProcessor } from './event-processor';
import { backoffMs, isInfrastructureFailure } from './retry-policy';

export interface ConsumerStats {
  applied: number;
  duplicates: number;
  retried: number;
  deadLettered: number;
}

/**
 * The worker's consumer group on the end-user events topic. Each message's effect and its inbox
 * record commit in one transaction, and its offset is resolved only after that commit. A message
 * that keeps failing goes to the dead-letter topic after bounded retries; a database outage is
 * waited out instead, so healthy messages are never dead-lettered for it.
 */
@Injectable()
export class EndUserEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EndUserEventsConsumer');
  private consumer: KafkaConsumer | null = null;
  private readonly publisher: KafkaPublisher;
  private stopping = false;
  readonly stats: ConsumerStats = { applied: 0, duplicates: 0, retried: 0, deadLettered: 0 };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly processor: EventProcessor,
  ) {
    this.publisher = new KafkaPublisher(createKafka(config.KAFKA_BROKERS, `${config.KAFKA_CLIENT_ID}-worker-dlt`));
  }

  async onApplicationBootstrap(): Promise<void> {
    const consumer = new KafkaConsumer(createKafka(this.config.KAFKA_BROKERS, `${this.config.KAFKA_CLIENT_ID}-worker`), {
      groupId: this.config.KAFKA_CONSUMER_GROUP,
      topic: this.config.KAFKA_TOPIC,
      fromBeginning: true,
      // A member that died (kill -9, broker restart) holds its partitions until the session
      // times out; 10 s bounds that stall while leaving room for a slow transaction.
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      maxWaitTimeMs: 50,
      autoCommitIntervalMs: 200,
      // One transaction at a time per partition, all partitions at once: order holds per user.
      partitionsConsumedConcurrently: 6,
      onCrash: (error) => this.logger.error(`consumer failed (${error.message}); restarting it`),
    });
    this.consumer = consumer;
    await this.connectWithRetry(consumer);
    await consumer.run((message, control) => this.handleMessage(message, control));
    this.logger.log(`consuming ${this.config.KAFKA_TOPIC} as group ${this.config.KAFKA_CONSUMER_GROUP}`);
  }

  /** Stops fetching, lets the message in flight finish and commits what was resolved. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect().catch(() => undefined);
    await this.publisher.close().catch(() => undefined);
  }

  private async connectWithRetry(consumer: KafkaConsumer): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await consumer.connect();
        return;
      } catch (error) {
        if (this.stopping) throw error;
        this.logger.warn(`cannot reach the broker yet (${error instanceof Error ? error.message : String(error)}); retrying`);
        await sleep(backoffMs(attempt, 5_000));
      }
    }
  }

  /** True once the message is processed or dead-lettered; false if the consumer must stop first. */
  private async handleMessage(message: ConsumedMessage, control: DeliveryControl): Promise<boolean> {
    const { topic, partition } = message;
    let failures = 0;
    let infrastructureWaits = 0;
    for (;;) {
      try {
        const event = this.processor.decode(message.value);
        const outcome = await this.processor.process(event);
        this.logger.debug(`${outcome} ${event.event_type} ${event.event_id} request_id=${message.headers.request_id ?? 'none'}`);
        if (outcome === 'applied') this.stats.applied++;
        if (outcome === 'duplicate') this.stats.duplicates++;
        workerMessages.inc({ outcome });
        return true;
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        if (isInfrastructureFailure(failure)) {
          infrastructureWaits++;
          this.logger.warn(`database unavailable while processing ${topic}/${partition}@${message.offset}; waiting`);
          await sleep(backoffMs(infrastructureWaits, 5_000));
        } else {
          failures++;
          if (failure instanceof PermanentMessageError || failures >= this.config.WORKER_MAX_ATTEMPTS) {
            await sendToDeadLetter(this.publisher, this.config.deadLetterTopic, message, failure, failures);
            this.stats.deadLettered++;
            workerMessages.inc({ outcome: 'dead_lettered' });
            this.logger.warn(
              `dead-lettered ${topic}/${partition}@${message.offset} (request_id ${message.headers.request_id ?? 'none'}) after ${failures} attempt(s): ${failure.message}`,
            );
            return true;
          }
          this.stats.retried++;
          workerMessages.inc({ outcome: 'retried' });
          await sleep(backoffMs(failures, 2_000));
        }
        if (!control.canContinue()) return false;
        await control.heartbeat();
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
