import { CommandFactory } from 'nest-commander';
import { Database } from '@app/persistence';
import { CliModule } from './cli.module';

async function main(): Promise<void> {
  const app = await CommandFactory.createWithoutRunning(CliModule, { logger: ['error'], errorHandler: fail, serviceErrorHandler: fail });
  try {
    await CommandFactory.runApplication(app);
  } finally {
    await app.get(Database).close();
    await app.close();
  }
}

function fail(error: Error): void {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

main().catch((error: unknown) => fail(error instanceof Error ? error : new Error(String(error))));
