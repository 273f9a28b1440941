import { APP_CONFIG, AppConfig } from '@app/config';
import { createKafka, KafkaAdmin } from '@app/kafka';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { withTimeout } from './with-timeout';

@Injectable()
export class BrokerHealthIndicator implements OnApplicationShutdown {
  private admin: KafkaAdmin | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('broker');
    try {
      this.admin ??= new KafkaAdmin(createKafka(this.config.KAFKA_BROKERS, `${this.config.KAFKA_CLIENT_ID}-health`));
      const cluster = await withTimeout(this.admin.describeCluster(), 3_000, 'Kafka');
      return indicator.up({ brokers: cluster.brokers });
    } catch (error) {
      // A timed-out call may still hang on its connection: the next check starts on a new client.
      await this.admin?.close().catch(() => undefined);
      this.admin = null;
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.close().catch(() => undefined);
  }
}
