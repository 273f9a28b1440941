import { loadConfig } from '@app/config';
import { migrate } from '../migrate';

migrate(loadConfig())
  .then((applied) => {
    process.stderr.write(applied.length ? `applied migrations: ${applied.join(', ')}\n` : 'database is up to date\n');
  })
  .catch((error: unknown) => {
    process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
