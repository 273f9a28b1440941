import { loadConfig } from '@app/config';
import { requestIdMiddleware } from '@app/http';
import { httpMetricsMiddleware } from '@app/http';
import { Logger as PinoLogger } from 'nestjs-pino';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { WorkerModule } from './worker.module';

/** The worker consumes Kafka; its small HTTP server only answers health checks. */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create<NestExpressApplication>(WorkerModule, { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  app.disable('x-powered-by');
  app.use(requestIdMiddleware, httpMetricsMiddleware);
  app.enableShutdownHooks();
  await app.listen(config.WORKER_PORT, '0.0.0.0');
  Logger.log(`End Users worker started (health on port ${config.WORKER_PORT})`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`worker failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
