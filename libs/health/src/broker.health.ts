import { AppConfig } from '@app/config';
import { createKafka } from '@app/kafka';
import { APP_CONFIG } from '@app/config';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Admin } from 'kafkajs';
import { withTimeout } from './with-timeout';

@Injectable()
export class BrokerHealthIndicator implements OnApplicationShutdown {
  private admin: Admin | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('broker');
    try {
      this.admin ??= createKafka(this.config.KAFKA_BROKERS, `${this.config.KAFKA_CLIENT_ID}-health`).admin();
      const admin = this.admin;
      const cluster = await withTimeout(
        admin.connect().then(() => admin.describeCluster()),
        3_000,
        'Kafka',
      );
      return indicator.up({ brokers: cluster.brokers.length });
    } catch (error) {
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = null;
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
