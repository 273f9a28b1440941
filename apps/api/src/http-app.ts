import { answerUnparseableRequests, jsonBodyParsers, requestIdMiddleware } from '@app/http';
import { httpMetricsMiddleware } from '@app/http';
import { Logger as PinoLogger } from 'nestjs-pino';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { serveOpenApi } from './interface-documents/openapi';

/** The API app exactly as it serves traffic; main.ts and the end-to-end tests both build it here. */
export async function createHttpApp(): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // The stream-version ETag is ours to set; Express's body-hash ETag would be mistaken for it.
  app.set('etag', false);
  app.use(requestIdMiddleware, httpMetricsMiddleware, ...jsonBodyParsers());
  serveOpenApi(app);
  answerUnparseableRequests(app.getHttpServer());
  app.enableShutdownHooks();
  return app;
}
