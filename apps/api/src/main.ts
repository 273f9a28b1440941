import { loadConfig } from '@app/config';
import { Logger } from '@nestjs/common';
import { createHttpApp } from './http-app';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createHttpApp();
  await app.listen(config.PORT, '0.0.0.0');
  Logger.log(`End Users API listening on port ${config.PORT}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
