import { APP_CONFIG, AppConfig } from '@app/config';
import { createKafka, KafkaPublisher } from '@app/kafka';
import { outboxErasedBeforePublishing, outboxPublished } from '@app/http';
import { OutboxRelay } from '@app/outbox';
import { DataKeys } from '@app/personal-data';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

/**
 * Runs the outbox relay inside the API process, where the append transactions signal it after
 * commit. Several API processes may run: one relay publishes, the others stand by.
 */
@Injectable()
export class OutboxRelayHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private relay: OutboxRelay | null = null;
  private publisher: KafkaPublisher | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataKeys: DataKeys,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.OUTBOX_RELAY_ENABLED) return;
    this.publisher = new KafkaPublisher(createKafka(this.config.KAFKA_BROKERS, `${this.config.KAFKA_CLIENT_ID}-relay`));
    this.relay = new OutboxRelay(
      this.publisher,
      this.dataKeys,
      {
        databaseUrl: this.config.DATABASE_URL,
        batchSize: this.config.OUTBOX_BATCH_SIZE,
        pollIntervalMs: this.config.OUTBOX_POLL_INTERVAL_MS,
        maxBackoffMs: 2_000,
        retentionMs: 60 * 60 * 1000,
        onPublished: (count) => outboxPublished.inc(count),
        onErased: (count) => outboxErasedBeforePublishing.inc(count),
      },
      this.logger,
    );
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    await this.publisher?.close().catch(() => undefined);
  }
}
