import { APP_CONFIG, AppConfig } from '@app/config';
import { createKafka, KafkaAdmin } from '@app/kafka';
import { scrapedGauge } from '@app/http';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';

/** Consumer lag per partition (latest offset minus the group's committed offset), read at scrape time. */
@Injectable()
export class ConsumerLagMetrics implements OnApplicationShutdown {
  private admin: KafkaAdmin | null = null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    scrapedGauge(
      'end_users_worker_consumer_lag',
      'Messages of the topic not yet committed by the worker group, per partition',
      ['partition'],
      async (gauge) => {
        this.admin ??= new KafkaAdmin(createKafka(config.KAFKA_BROKERS, `${config.KAFKA_CLIENT_ID}-lag`));
        for (const { partition, lag } of await this.admin.consumerLag(config.KAFKA_CONSUMER_GROUP, config.KAFKA_TOPIC)) {
          gauge.set({ partition: String(partition) }, lag);
        }
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.close().catch(() => undefined);
  }
}
