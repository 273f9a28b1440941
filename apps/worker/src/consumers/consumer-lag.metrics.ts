import { AppConfig } from '@app/config';
import { createKafka } from '@app/kafka';
import { scrapedGauge } from '@app/observability';
import { APP_CONFIG } from '@app/config';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Admin } from 'kafkajs';

/** Consumer lag per partition (latest offset minus the group's committed offset), read at scrape time. */
@Injectable()
export class ConsumerLagMetrics implements OnApplicationShutdown {
  private admin: Admin | null = null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    scrapedGauge(
      'end_users_worker_consumer_lag',
      'Messages of the topic not yet committed by the worker group, per partition',
      ['partition'],
      async (gauge) => {
        this.admin ??= createKafka(config.KAFKA_BROKERS, `${config.KAFKA_CLIENT_ID}-lag`).admin();
        await this.admin.connect();
        const [latest, [committed]] = await Promise.all([
          this.admin.fetchTopicOffsets(config.KAFKA_TOPIC),
          this.admin.fetchOffsets({ groupId: config.KAFKA_CONSUMER_GROUP, topics: [config.KAFKA_TOPIC] }),
        ]);
        for (const partition of latest) {
          const done = committed?.partitions.find((p) => p.partition === partition.partition);
          const committedOffset = done && Number(done.offset) >= 0 ? Number(done.offset) : Number(partition.low);
          gauge.set({ partition: String(partition.partition) }, Math.max(0, Number(partition.high) - committedOffset));
        }
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
