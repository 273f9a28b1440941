import { KeyEncryptionKey } from '@app/config';
import { Database } from '@app/persistence';
import { DataKeys, KekRing } from '@app/personal-data';
import { foldRange, RangeFold } from '@app/projections';
import { parentPort, workerData } from 'node:worker_threads';

/** What a rebuild's worker thread is given; the KEKs travel in memory, never through the environment or a file. */
export interface RangeFoldJob {
  fold: RangeFold;
  databaseUrl: string;
  dataKeks: KeyEncryptionKey[];
}

export type RangeFoldMessage = { eventsRead: number } | { done: number } | { failed: string };

async function main({ fold, databaseUrl, dataKeks }: RangeFoldJob): Promise<void> {
  const port = parentPort!;
  const database = Database.connect({ DATABASE_URL: databaseUrl, DB_POOL_MAX: 2, DB_STATEMENT_TIMEOUT_MS: 0 }, 'end-users-cli-rebuild');
  try {
    const done = await foldRange(database, new DataKeys(new KekRing(dataKeks)), fold, (eventsRead) =>
      port.postMessage({ eventsRead } satisfies RangeFoldMessage),
    );
    port.postMessage({ done } satisfies RangeFoldMessage);
  } catch (error) {
    port.postMessage({ failed: error instanceof Error ? error.message : String(error) } satisfies RangeFoldMessage);
  } finally {
    await database.close();
  }
}

void main(workerData as RangeFoldJob);
